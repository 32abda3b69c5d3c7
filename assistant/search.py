"""Hybrid retrieval: BM25 over jieba tokens and dense vectors from Chroma, fused by reciprocal rank.

BM25 carries Chinese questions that share the plan's words; the dense model carries English and
paraphrase. Reciprocal rank fusion needs no score calibration between the two.
"""
from __future__ import annotations

from dataclasses import dataclass

from rank_bm25 import BM25Okapi

from assistant.index import Index
from assistant.passages import Passage

from assistant.tuning import BM25_WEIGHT, DENSE_WEIGHT, RRF_K


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score
    bm25: float  # raw BM25 score (0 when no query token matched)
    dense: float  # cosine similarity


class HybridSearch:
    """Ranks every passage of an index for a question."""

    def __init__(self, index: Index, embeddings, tokenize, mode: str = "hybrid"):
        self.index = index
        self.embeddings = embeddings
        self.tokenize = tokenize
        self.mode = mode  # "hybrid" | "bm25" | "dense" (the latter two for evaluation)
        self.bm25 = BM25Okapi(index.tokens)

    def search(self, text: str, extra_terms: list[str] = (), dense_text: str | None = None,
               dense: bool = True) -> list[Hit]:
        """All passages, best first. ``extra_terms`` (lexicon expansions) feed BM25 only;
        ``dense=False`` skips the embedding model (lexical ranking only) in hybrid mode."""
        passages = self.index.passages
        fused = [0.0] * len(passages)
        bm25_scores = [0.0] * len(passages)
        dense_scores = [0.0] * len(passages)
        if self.mode in ("hybrid", "bm25"):
            tokens = self.tokenize(text) + [t for term in extra_terms for t in self.tokenize(term)]
            if tokens:
                bm25_scores = list(self.bm25.get_scores(tokens))
                order = sorted(range(len(passages)), key=lambda i: -bm25_scores[i])
                for rank, i in enumerate(order):
                    if bm25_scores[i] > 0:
                        fused[i] += BM25_WEIGHT / (RRF_K + rank + 1)
        if self.mode == "dense" or (self.mode == "hybrid" and dense):
            vector = self.embeddings.embed_query(dense_text or text)
            for rank, (i, sim) in enumerate(self.index.dense_ranking(vector)):
                dense_scores[i] = sim
                fused[i] += DENSE_WEIGHT / (RRF_K + rank + 1)
        order = sorted(range(len(passages)), key=lambda i: -fused[i])
        return [Hit(passages[i], fused[i], bm25_scores[i], dense_scores[i]) for i in order]
