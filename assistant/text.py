"""Text helpers every layer shares: width/space folding, sentence splitting, numbers, language."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=8192)  # the same clause and row texts are folded for every question
def fold(text: str) -> str:
    """Width-, case- and space-insensitive form used for matching, never for display.

    The source writes numbers both as "8 万" and "2万人次": folding removes every space so both
    match, and NFKC turns full-width digits and letters into ASCII.
    """
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and strip (for display of user input)."""
    return _SPACE.sub(" ", text).strip()


def sentences(text: str) -> list[str]:
    """Split Chinese prose after 。；！？ keeping the delimiter; empty pieces dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def numbers(text: str) -> list[str]:
    """Every number written in digits (full-width digits folded to ASCII first)."""
    return _NUMBER.findall(unicodedata.normalize("NFKC", text))


def language(text: str) -> str:
    """"zh", "en" or "mixed": English words with no Chinese → en; both → mixed."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if latin == 0:
        return "zh"
    if cjk == 0:
        return "en"
    return "mixed" if latin >= 2 or cjk < 6 else "zh"
