"""Hybrid search: BM25 over jieba tokens and dense vectors from Chroma, fused by reciprocal rank.

BM25 carries Chinese questions that share the plan's words; the dense model carries English and paraphrase.
Reciprocal rank fusion needs no score calibration between the two. In ``DenseUse.AUTO`` the embedding model is
asked only when the question's own words do not already find a passage stating nearly all of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from rank_bm25 import BM25Okapi

from assistant.index import Index
from assistant.passages import Passage
from assistant.reading import Query, coverage
from assistant.tuning import BM25_WEIGHT, DENSE_WEIGHT, LEXICAL_ENOUGH, RRF_K, WEAK_TOPIC


class Mode(str, Enum):
    HYBRID = "hybrid"
    BM25 = "bm25"  # dense model off (for evaluation)
    DENSE = "dense"  # BM25 off (for evaluation)


class DenseUse(str, Enum):
    AUTO = "auto"  # only when the words alone do not find a passage stating the question
    ALWAYS = "always"


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score
    bm25: float  # raw BM25 score (0 when no query token matched)
    dense: float  # cosine similarity (0 when the dense model was not asked)


class HybridSearch:
    """Ranks every passage of an index for a question."""

    def __init__(self, index: Index, embeddings, tokenize, mode: Mode = Mode.HYBRID, dense: DenseUse = DenseUse.AUTO):
        self.index = index
        self.embeddings = embeddings
        self.tokenize = tokenize
        self.mode = Mode(mode)
        self.dense = DenseUse(dense)
        self.bm25 = BM25Okapi(index.tokens)

    def run(self, query: Query) -> list[Hit]:
        """Ranked passages for one part of a question (lexical first; dense when it can add something)."""
        if self.mode is Mode.HYBRID and self.dense is DenseUse.AUTO and not query.untranslated:
            hits = self.rank(query.topic, query.expansions, dense=False)
            if hits and hits[0].bm25 > 0 and query.weight >= WEAK_TOPIC \
                    and coverage(query, hits[0].passage.search_text) >= LEXICAL_ENOUGH:
                return hits  # the words already find a passage stating (nearly) all of the question
        return self.rank(query.topic, query.expansions)

    def rank(self, text: str, extra_terms: list[str] = (), dense: bool = True) -> list[Hit]:
        """All passages, best first. ``extra_terms`` (lexicon expansions) feed BM25 only; ``dense=False``
        skips the embedding model (lexical ranking only) in hybrid mode."""
        passages = self.index.passages
        fused = [0.0] * len(passages)
        bm25_scores = [0.0] * len(passages)
        dense_scores = [0.0] * len(passages)
        if self.mode in (Mode.HYBRID, Mode.BM25):
            tokens = self.tokenize(text) + [t for term in extra_terms for t in self.tokenize(term)]
            if tokens:
                bm25_scores = list(self.bm25.get_scores(tokens))
                order = sorted(range(len(passages)), key=lambda i: -bm25_scores[i])
                for rank, i in enumerate(order):
                    if bm25_scores[i] > 0:
                        fused[i] += BM25_WEIGHT / (RRF_K + rank + 1)
        if self.mode is Mode.DENSE or (self.mode is Mode.HYBRID and dense):
            vector = self.embeddings.embed_query(text)
            for rank, (i, sim) in enumerate(self.index.dense_ranking(vector)):
                dense_scores[i] = sim
                fused[i] += DENSE_WEIGHT / (RRF_K + rank + 1)
        order = sorted(range(len(passages)), key=lambda i: -fused[i])
        return [Hit(passages[i], fused[i], bm25_scores[i], dense_scores[i]) for i in order]

