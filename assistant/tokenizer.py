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
        """BM25 tokens: search mode, so long words also yield their parts."""
        return self._kept(self._jieba.cut_for_search(self._normal(text)))

    def words(self, text: str) -> list[str]:
        """Whole words (jieba's accurate mode), stopwords dropped: the concepts of a question."""
        return self._kept(self._jieba.cut(self._normal(text)))

    def general_idf(self, words: Iterable[str]) -> dict[str, float]:
        """How specific each word is in general Chinese: jieba's own IDF table (from a large general corpus),
        read once for the words asked. A word the table lacks is as specific as the table's rarest."""
        from jieba.analyse.tfidf import DEFAULT_IDF

        wanted, found, top = set(words), {}, 0.0
        with open(DEFAULT_IDF, encoding="utf-8") as f:
            for line in f:
                word, _, value = line.partition(" ")
                if word in wanted:
                    found[word] = float(value)
        top = max(found.values(), default=1.0)
        return {w: found.get(w, top) for w in wanted}

    def segment(self, text: str) -> list[str]:
        """jieba's accurate-mode segmentation of a text as it is (no filtering): where words start and end."""
        return self._jieba.lcut(text)

    def is_word(self, text: str) -> bool:
        """Whether jieba's dictionary (with the plan's vocabulary) holds ``text`` as a word."""
        if not self._jieba.initialized:
            self._jieba.initialize()
        return self._jieba.FREQ.get(text, 0) > 0

    @staticmethod
    def _normal(text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower()

    def _kept(self, tokens: Iterable[str]) -> list[str]:
        kept = (t.strip() for t in tokens)
        return [t for t in kept if t and t not in self.stopwords and _KEEP.search(t)]
