"""Chinese-aware tokens for BM25: jieba with the plan's own vocabulary loaded."""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

_KEEP = re.compile(r"[\w+·]")  # a token must hold a letter, digit, CJK character, + or ·


class Tokenizer:
    """Splits Chinese with jieba (search mode, so 住房公积金 also yields 公积金) and English on words.

    ``words`` are added to jieba's dictionary so unit names (市人力社保局) and programme names
    (上林名匠, 技能之星) stay whole; ``stopwords`` are dropped.
    """

    def __init__(self, words: Iterable[str] = (), stopwords: Iterable[str] = ()):
        import jieba  # imported here: its dictionary load is the slow part of start-up

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        for w in words:
            self._jieba.add_word(w.replace(" ", ""), freq=50000)
        self.stopwords = frozenset(stopwords)

    def __call__(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text).lower()
        tokens = []
        for tok in self._jieba.cut_for_search(text):
            tok = tok.strip()
            if tok and tok not in self.stopwords and _KEEP.search(tok):
                tokens.append(tok)
        return tokens

    def words(self, text: str) -> list[str]:
        """Whole words (jieba's accurate mode), stopwords dropped: the concepts of a question."""
        text = unicodedata.normalize("NFKC", text).lower()
        out = []
        for tok in self._jieba.cut(text):
            tok = tok.strip()
            if tok and tok not in self.stopwords and _KEEP.search(tok):
                out.append(tok)
        return out
