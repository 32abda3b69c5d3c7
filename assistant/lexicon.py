"""The query vocabulary (corpus/lexicon.yaml): what is asked, and the plan's words for it.

Chinese entries match as substrings of the folded question; English entries match whole words
(a trailing ``*`` matches any ending). Query planning reads ``aspects``, ``sets``, ``milestones``,
``measure_units`` and ``details``; retrieval reads ``expand``; the tokenizer reads ``terms`` and ``stopwords``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.corpus import CORPUS_DIR
from assistant.text import fold

LEXICON_FILE = CORPUS_DIR / "lexicon.yaml"
_LATIN = re.compile(r"[A-Za-z]")
# A milestone the question rules out: a negation a few characters before it, in the same clause
_NEGATION = re.compile(r"(?:不是|除了|除去|不包括|不含|不算|排除|并非|not|except)[^，。；？！,;?!]{0,4}$")


class _Matcher:
    """Finds any of a list of cue phrases in a question, Chinese or English."""

    def __init__(self, phrases: list[str]):
        self.chinese = sorted({fold(p) for p in phrases if not _LATIN.search(p)}, key=len, reverse=True)
        english = [p for p in phrases if _LATIN.search(p)]
        self.english = [(p, self._pattern(p)) for p in sorted(english, key=len, reverse=True)]

    @staticmethod
    def _pattern(phrase: str) -> re.Pattern:
        body = re.escape(phrase.lower()).replace(r"\*", r"\w*").replace(r"\ ", r"\s+")
        return re.compile(rf"(?<![a-z]){body}(?![a-z])")

    def find(self, question: str) -> list[str]:
        """Every phrase present (longest first; a shorter phrase inside a longer match is skipped)."""
        folded, lowered = fold(question), question.lower()
        hits: list[str] = []
        for p in self.chinese:
            if p in folded and not any(p in h for h in hits):
                hits.append(p)
        if self.english and _LATIN.search(question):  # most questions hold no English at all
            for p, pattern in self.english:
                if pattern.search(lowered) and not any(p in h for h in hits):
                    hits.append(p)
        return hits

    def remove(self, question: str) -> str:
        """The question with every cue phrase cut out (what is left is the topic). Overlapping
        cues ("负责哪些" and "哪些工作") are both removed."""
        text = unicodedata.normalize("NFKC", question).lower()
        if _LATIN.search(text):
            for _, pattern in self.english:
                text = pattern.sub(" ", text)
        cut = [False] * len(text)
        for p in self.chinese:
            start = text.find(p)
            while start >= 0:
                cut[start:start + len(p)] = [True] * len(p)
                start = text.find(p, start + 1)
        return "".join(" " if c else ch for ch, c in zip(text, cut))


@dataclass(frozen=True)
class Detail:
    name: str
    cues: _Matcher
    evidence: re.Pattern | None  # what satisfies it in a cited text; None: the plan never gives it
    anchors: tuple[str, ...] = ()  # the words it must stand next to in the cited text (津贴 for an amount)


class Lexicon:
    """Loaded once; every method is a pure function of the question."""

    def __init__(self, path: Path = LEXICON_FILE):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.aspect_cues = {name: _Matcher(words) for name, words in data["aspects"].items()}
        self.details = [
            Detail(name, _Matcher(d["cues"]), re.compile(d["evidence"]) if d.get("evidence") else None,
                   tuple(d.get("anchors", ())))
            for name, d in data["details"].items()
        ]
        self._places = {name: _Matcher(words) for name, words in data["places"].items()}
        self._chat = _Matcher(data["chat"])
        self._timeline_verbs = {fold(w) for w in data["timeline_verbs"]}
        self.follow_up = _Matcher(data["follow_up"])
        self.synonyms = {fold(k): v for k, v in data["synonyms"].items()}
        self.english = _Matcher(list(data["english"]))
        self._english_terms = {k.lower(): v for k, v in data["english"].items()}
        self.terms: list[str] = data["terms"]
        self.stopwords = frozenset(data["stopwords"])
        self.set_cues = {name: _Matcher(words) for name, words in data["sets"].items()}
        self.milestone_cues = {key: _Matcher(words) for key, words in data["milestones"].items()}
        self.measure_unit_cues = {unit: _Matcher(words) for unit, words in data["measure_units"].items()}
        cue_words = [w for group in ("aspects", "sets") for words in data[group].values() for w in words]
        # stop phrases of three characters or more (能不能, 有没有) are cut before words are split, so that
        # "厂能不能自己" reads as 厂 + 自己 rather than as the idiom 不能自己
        phrases = [w for w in data["stopwords"] if len(w) >= 3 and not _LATIN.search(w)]
        self._all_cues = _Matcher(cue_words + data["follow_up"] + phrases)

    def aspects(self, question: str) -> set[str]:
        """Which of lead / cooperating / timeline / number / quantity the question asks."""
        return {name for name, m in self.aspect_cues.items() if m.find(question)}

    def set_words(self, question: str) -> set[str]:
        """Which set cues the question holds: count, list, max, min, each, series, any_role, printed_only."""
        return {name for name, m in self.set_cues.items() if m.find(question)}

    def milestones(self, question: str, negated: bool = False) -> list[str]:
        """The timeline milestones a question names (启动, 完成, 全部完成, 全覆盖, 每年, 常态化, 达标, 制定方案), in
        order of mention; a milestone inside a longer one counts once (全部完成, not also 完成). With ``negated``,
        those it rules out instead ("不是“常态化开展”那种", "除了常态化的")."""
        found = [(key, cue) for key, m in self.milestone_cues.items() for cue in m.find(question)]
        found = [(k, c) for k, c in found if not any(c != c2 and c in c2 for _, c2 in found)]
        order = fold(question)
        ruled_out = lambda cue: bool(_NEGATION.search(order[:max(order.find(fold(cue)), 0)]))  # noqa: E731
        return list(dict.fromkeys(k for k, c in sorted(found, key=lambda kc: order.find(fold(kc[1])))
                                  if ruled_out(c) == negated))

    def milestone_words(self) -> set[str]:
        """Words that say when or how far, not what (启动, 全覆盖, 达到 …): never a question's topic."""
        return {p for m in self.milestone_cues.values() for p in m.chinese} | self._timeline_verbs

    def measure_unit(self, question: str) -> str | None:
        """The unit of measure a question limits itself to (%, 家, 万人 …), or None."""
        found = [(len(max(m.find(question), key=len)), unit) for unit, m in self.measure_unit_cues.items()
                 if m.find(question)]
        return max(found)[1] if found else None

    def asked_details(self, question: str) -> list[Detail]:
        return [d for d in self.details if d.cues.find(question)]

    def chat(self, question: str) -> bool:
        """Whether the question is a request the plan cannot serve (write a poem, tell a joke, the weather)."""
        return bool(self._chat.find(question))

    def places(self, question: str) -> list[str]:
        """Places other than Cixi the question names, by their Chinese name (Ningbo → 宁波)."""
        return [name for name, m in self._places.items() if m.find(question)]

    def expand(self, question: str) -> list[str]:
        """The plan's terms for the question's colloquial and English words."""
        folded = fold(question)
        extra = [t for key, terms in self.synonyms.items() if key in folded for t in terms]
        for phrase in self.english.find(question):
            extra += self._english_terms[phrase.lower()]
        return list(dict.fromkeys(extra))

    def expand_word(self, word: str, is_word) -> list[str]:
        """The plan's terms for one word of a question: its own entry, or an entry inside it when the word is no
        dictionary word of its own (孩子们 → 孩子's terms; but 老师傅 is a word, and not 老师)."""
        folded = fold(word)
        if folded in self.synonyms:
            return list(self.synonyms[folded])
        return [] if is_word(word) else self.expand(word)

    def cue_matcher(self) -> _Matcher:
        return self._all_cues

    def topic(self, question: str) -> str:
        """The question without its cue words: what it is about, not what it asks."""
        return self._all_cues.remove(question)
