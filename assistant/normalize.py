"""What the user typed → the plan's own writing, before the question is read.

Five steps, each recorded so ``--explain`` can show it:
1. full-width → half-width (NFKC), so ２０２５ and ＡＢＣ read as 2025 and ABC;
2. traditional → simplified with OpenCC (``t2s``): 勞模創新工作室 → 劳模创新工作室;
3. dialect function words → Mandarin (corpus/dialect.yaml): 阿拉 → 我们, 喺 → 在, 啥子 → 什么;
4. counts and ordinals written in Chinese numerals → digits (cn2an): 三十来号人 → 30来号人, 第二条 → 第2条;
5. homophone typos → the plan's word with the same sound (pypinyin): 陈肺病 → 尘肺病, 学图制 → 学徒制.

Step 5 only replaces a stretch of 2–8 characters that is not itself a word (neither in the plan nor in jieba's
dictionary), starts and ends where jieba's tokens do, cuts through no plan word present in the question, sounds
exactly like a word of the plan (toneless pinyin, as a phone's pinyin keyboard produces), and keeps at least one
of that word's characters in place: a real word is never "corrected" into another. Failing an exact sound, a
stretch of 3+ characters may differ from a plan word by one character of a fuzzy sound (模糊音: in/ing, z/zh, n/l).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.corpus import CORPUS_DIR
from assistant.tuning import FUZZY_MIN_LEN

DIALECT_FILE = CORPUS_DIR / "dialect.yaml"
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_PARTICLES = "哦嘛呢啊呀哈啦吧喔咧"
MAX_TYPO_LEN = 8  # 技能大事工作事 (7) is one typo of 技能大师工作室


@dataclass
class Normalized:
    """The question as the engine reads it, and every change made to what was typed."""

    text: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (step, before, after)


@lru_cache(maxsize=4096)
def _syllables(text: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable per character, each character read alone (so a word in the plan and
    a typo are spelled by the same rule)."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(ch)[0] for ch in text)


# The fuzzy syllables of pinyin keyboards (模糊音), for speakers of southern dialects who do not tell them apart:
# zh/z, ch/c, sh/s, n/l, h/f and the nasal finals ang/an, eng/en, ing/in.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"), ("f", "h"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=4096)
def _fuzzy(syllables: tuple[str, ...]) -> tuple[str, ...]:
    """Each syllable with its fuzzy initial and final folded together."""
    def fold(s: str) -> str:
        for long, short in _FUZZY_INITIALS:
            if s.startswith(long):
                s = short + s[len(long):]
                break
        for long, short in _FUZZY_FINALS:
            if s.endswith(long):
                return s[: -len(long)] + short
        return s

    return tuple(fold(s) for s in syllables)


class Normalizer:
    """Callable: ``Normalizer(vocabulary, is_word)(text) → Normalized``.

    Args:
        vocabulary: the plan's words (with how often each occurs), the only words a typo may become.
        is_word: whether a string is a dictionary word (a real word is never treated as a typo).
        function_words: the tokenizer's stopwords (是, 的 …): a word followed by one of them is not a typo.
        cut: the tokenizer's segmentation of a run of characters; a typo starts and ends where a token does.
        dialect_file: the dialect table (corpus/dialect.yaml).
    """

    def __init__(self, vocabulary: dict[str, int], is_word: Callable[[str], bool], cut: Callable[[str], list[str]],
                 function_words: frozenset[str] = frozenset(), dialect_file: Path = DIALECT_FILE):
        import opencc

        self._t2s = opencc.OpenCC("t2s")
        data = yaml.safe_load(dialect_file.read_text(encoding="utf-8"))
        # keys as OpenCC writes them (嗰 → 𠮶), since the script step runs first; one pass over the text, the
        # Mandarin words themselves included, so 么时候 is not read inside 什么时候 nor inside its own output
        self._words = {self._t2s.convert(k): v for k, v in data["words"].items()}
        spellings = sorted({*self._words, *self._words.values()}, key=len, reverse=True)
        self._words_pattern = re.compile("|".join(map(re.escape, spellings)))
        final = {self._t2s.convert(k): v for k, v in data["final"].items()}
        self._final = [(re.compile(rf"{re.escape(k)}(?=[{_PARTICLES}]?(?:[？?。！!，,；;\s]|$))"), k, v)
                       for k, v in sorted(final.items(), key=lambda kv: -len(kv[0]))]
        self.vocabulary = {w: n for w, n in vocabulary.items() if 2 <= len(w) <= MAX_TYPO_LEN and _CJK_RUN.fullmatch(w)}
        self._is_word = is_word
        self._function_words = function_words
        self._cut = cut
        self._by_sound: dict[tuple[str, ...], list[str]] = {}
        self._by_fuzzy_sound: dict[tuple[str, ...], list[str]] = {}
        for w in self.vocabulary:
            self._by_sound.setdefault(_syllables(w), []).append(w)
            if len(w) >= FUZZY_MIN_LEN:
                self._by_fuzzy_sound.setdefault(_fuzzy(_syllables(w)), []).append(w)

    def __call__(self, text: str) -> Normalized:
        out = Normalized(text)
        self._step(out, "width", unicodedata.normalize("NFKC", out.text))
        self._step(out, "script", self._t2s.convert(out.text))
        self._dialect(out)
        self._step(out, "numerals", _CN_ORDINAL.sub(_digits, _CN_NUMBER.sub(_digits, out.text)))
        self._typos(out)
        return out

    @staticmethod
    def _step(out: Normalized, step: str, new: str) -> None:
        if new != out.text:
            out.changes.append((step, out.text, new))
            out.text = new

    def _dialect(self, out: Normalized) -> None:
        def replace(m: re.Match) -> str:
            value = self._words.get(m.group(), m.group())
            if value != m.group() and ("dialect", m.group(), value) not in out.changes:
                out.changes.append(("dialect", m.group(), value))
            return value

        text = self._words_pattern.sub(replace, out.text)
        for pattern, key, value in self._final:
            if pattern.search(text):
                out.changes.append(("dialect", key, value))
                text = pattern.sub(value, text)
        out.text = text

    def _typos(self, out: Normalized) -> None:
        pieces, last = [], 0
        for run in _CJK_RUN.finditer(out.text):
            fixed = self._fix_run(run.group(), out)
            pieces += [out.text[last:run.start()], fixed]
            last = run.end()
        out.text = "".join(pieces) + out.text[last:]

    def _fix_run(self, run: str, out: Normalized) -> str:
        """Left to right, the longest typo first; a stretch that is already a plan word is kept and skipped,
        and a window that cuts through a plan word present in the run is never a typo (评上技师: 上技 is not
        上级, because 技师 is there)."""
        words = self._plan_words_in(run)
        bounds, at = {0}, 0
        for token in self._cut(run):
            at += len(token)
            bounds.add(at)
        i, result = 0, []
        while i < len(run):
            for length in range(min(MAX_TYPO_LEN, len(run) - i), 1, -1):
                window = run[i:i + length]
                if window in self.vocabulary:
                    result.append(window)
                    i += length
                    break
                if i not in bounds or i + length not in bounds or \
                        any(a < i + length and i < b and not (i <= a and b <= i + length) for a, b in words):
                    continue
                word = self._sounds_like(window)
                if word:
                    out.changes.append(("typo", window, word))
                    result.append(word)
                    i += length
                    break
            else:
                result.append(run[i])
                i += 1
        return "".join(result)

    def _plan_words_in(self, run: str) -> list[tuple[int, int]]:
        """Spans of every plan word occurring in a run of Chinese characters."""
        spans = []
        for length in range(2, min(MAX_TYPO_LEN, len(run)) + 1):
            for i in range(len(run) - length + 1):
                if run[i:i + length] in self.vocabulary:
                    spans.append((i, i + length))
        return spans

    def _word_and_function_word(self, window: str) -> bool:
        """A word followed by a function word (工作是 = 工作 + 是) is not a typo of a plan word (工作室). Only after:
        before a word, a stopword such as 搞 or 会 is often the typo itself (搞技能 → 高技能, 会园 → 会员)."""
        return window[-1] in self._function_words and self._is_word(window[:-1])

    def _sounds_like(self, window: str) -> str | None:
        """The plan word a typo stands for, or None."""
        if self._is_word(window) or self._word_and_function_word(window):
            return None
        candidates = [w for w in self._by_sound.get(_syllables(window), ()) if _kept(window, w)]
        if not candidates and len(window) >= FUZZY_MIN_LEN:  # 母音室 (yin for ying) → 母婴室: one character off
            candidates = [w for w in self._by_fuzzy_sound.get(_fuzzy(_syllables(window)), ())
                          if _kept(window, w) == len(w) - 1]
        if not candidates:
            return None
        return max(candidates, key=lambda w: (_kept(window, w), self.vocabulary[w]))


# A Chinese numeral of two or more characters counting something ("三十来号人", "二十名", "三千块"); a single
# 一 or 两 is left alone, since it is usually a word (一定, 一线, 每两年), not a count.
_CN_NUMBER = re.compile(r"([零一二两三四五六七八九十百千]{2,}|[一二两三四五六七八九][百千])"
                        r"(?=[来多余几]?(?:万|[人名个家元块年月场次项倍岁号%]))")

# An ordinal of the plan's numbering: 第十七项, 第二条, 第一行 (第 + numeral + a counter of items, rows or clauses).
_CN_ORDINAL = re.compile(r"(?<=第)([零一二两三四五六七八九十百]+)(?=[条项行个])")


def _digits(m: re.Match) -> str:
    import cn2an

    try:
        return str(int(cn2an.cn2an(m.group(1), "smart")))
    except (ValueError, KeyError):  # cn2an rejects odd runs such as 十十
        return m.group(1)


def _kept(typo: str, word: str) -> int:
    """Characters of ``word`` the typo kept in place (a substitution typo keeps the others)."""
    return sum(a == b for a, b in zip(typo, word))


def plan_vocabulary(texts: Iterable[str], words: Callable[[str], list[str]], extra: Iterable[str] = ()) -> dict[str, int]:
    """Every word of the plan with its count: what a typo may be corrected to."""
    counts: dict[str, int] = {}
    for text in texts:
        for w in words(text):
            counts[w] = counts.get(w, 0) + 1
    for w in extra:
        counts[w] = counts.get(w, 0) + 1
    return counts
