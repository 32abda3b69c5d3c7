"""Turning ranked passages into evidence: the best annex rows, clauses, sentences and targets for a question,
re-ranked by how much of the question each states (concept coverage)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.corpus import Clause
from assistant.operators import in_year, metric_name, same_family
from assistant.records import AnnexRow, Target
from assistant.reading import Query, coverage, covered
from assistant.search import Hit
from assistant.tuning import (MEASURE_SHARE, RERANK_POOL, TARGET_METRIC_WEIGHT, TARGET_NUMBER_BONUS,
                              TARGET_UNIT_BONUS, TARGET_YEAR_BONUS, TIE_MARGIN)


_DATE_LEAD = re.compile(r"^\s*(到|至|截至)?\s*20\d\d\s*年\S{0,2}$")


@dataclass(frozen=True)
class Plan:
    """Everything the answers draw on, by id."""

    clauses: dict[str, Clause]
    annex: dict[str, AnnexRow]
    targets: list[Target]

    def group_title(self, group: str) -> str:
        """（三） → 运用互联网促进产业工人队伍建设, as the main text prints it."""
        return next((c.group_title for c in self.clauses.values() if c.group == group), "")

    def rows_of_measure(self, number: int) -> list[AnnexRow]:
        return [r for r in self.annex.values() if r.measure == number or r.see_also == f"m{number}"]

    def source_text(self, source_id: str) -> str:
        if source_id in self.annex:
            return self.annex[source_id].render()
        return self.clauses[source_id].text


def parent_scores(hits: list[Hit]) -> dict[str, float]:
    """Best passage score per cited parent (clause or annex row), in ranking order."""
    scores: dict[str, float] = {}
    for h in hits:
        scores.setdefault(h.passage.parent, h.score)
    return scores


def best_parent(plan: Plan, query: Query, hits: list[Hit], pool: int = RERANK_POOL) -> str:
    """Among the ``pool`` best-ranked clauses and rows, the one whose text covers most of the
    question; ties go to the main text (it says more than the annex row that implements it),
    then to rank. A light lexical re-ranker: fusion finds candidates, coverage picks."""
    candidates = list(parent_scores(hits))[:pool]

    def key(item: tuple[int, str]) -> tuple:
        rank, pid = item
        texts = [plan.source_text(pid)] if pid in plan.annex else plan.clauses[pid].sentences
        return (-round(max(coverage(query, t) for t in texts), 1), pid in plan.annex, rank)

    return min(enumerate(candidates), key=key)[1]


def best_rows(plan: Plan, query: Query, hits: list[Hit]) -> list[tuple[AnnexRow, float]]:
    """Annex rows ranked by their own score plus the score of the measure they implement, so a
    question phrased like the main text still finds the annex row for it."""
    parents = parent_scores(hits)
    ranked = []
    for row in plan.annex.values():
        measure = parents.get(f"m{row.measure}", 0.0)
        also = parents.get(row.see_also, 0.0) if row.see_also else 0.0
        score = parents.get(row.id, 0.0) + MEASURE_SHARE * max(measure, also)
        score *= 0.5 + coverage(query, f"{row.item_title} {row.task} {row.timeline}")
        ranked.append((row, score))
    return sorted(ranked, key=lambda p: -p[1])


def best_sentences(plan: Plan, query: Query, hits: list[Hit], clause_id: str, limit: int = 2,
                   prefer: re.Pattern | None = None) -> tuple[list[str], str]:
    """Up to ``limit`` sentences of one clause (in document order) and the single best one, chosen
    by coverage, then by sentences matching ``prefer`` (e.g. a date when a date is asked), then rank."""
    clause = plan.clauses[clause_id]
    rank = {h.passage.text: i for i, h in enumerate(hits) if h.passage.parent == clause_id}
    body = [s for s in clause.sentences if not (clause.number and s.startswith(f"{clause.number}. ")
                                                and len(s) < 40)] or list(clause.sentences)

    def key(s: str) -> tuple:
        return (-round(coverage(query, s), 2), not (prefer and prefer.search(s)), rank.get(s, 999))

    scored = sorted(body, key=key)
    chosen = [s for s in scored[:limit] if coverage(query, s) > 0] or scored[:1]
    if prefer and not any(prefer.search(s) for s in chosen):
        dated = [s for s in scored if prefer.search(s)]
        chosen = (chosen[: limit - 1] + dated[:1]) if dated else chosen
    return [s for s in clause.sentences if s in chosen], scored[0]


def best_targets(plan: Plan, query: Query, hits: list[Hit], limit: int = 3,
                 avoid: frozenset[str] = frozenset()) -> list[tuple[Target, float]]:
    """Targets ranked by how well their metric and wording cover the question, then by the rank of
    the clause or row stating them. A question naming a year ranks that year's figures first; ``avoid``
    holds figures an earlier part of the same question already gave ("…每年几家？到 2025 年呢？")."""
    parents = parent_scores(hits)
    top = max(parents.values(), default=1.0) or 1.0
    ranked = []
    for t in plan.targets:
        if t.id in avoid:
            continue
        context = fragment_with(plan, t)
        score = TARGET_METRIC_WEIGHT * coverage(query, f"{t.metric} {t.printed} {t.comparator}") + coverage(query, context)
        score += parents.get(t.source, 0.0) / top
        if "number" in query.aspects and any(ch.isdigit() for ch in t.value):
            score += TARGET_NUMBER_BONUS
        if query.years and any(in_year(t, int(y)) for y in query.years):  # 2022 lies in "2021-2025"
            score += TARGET_YEAR_BONUS
        if query.measure_unit and same_family(query.measure_unit, t.unit):
            score += TARGET_UNIT_BONUS
        if query.places and any(p in t.metric for p in query.places):
            score += TARGET_UNIT_BONUS  # "宁波市级的…": the figure named for that place
        ranked.append((t, score))
    ranked.sort(key=lambda p: -p[1])
    if not ranked:
        return []
    # the milestones of one timeline differ only by year, so one year the question itself names picks among
    # them: "2022 年…多少" is the 2021-2025 全覆盖 of the same row, not its 2019 50% that words like 达到 match
    # better (not a year carried over from an earlier question, nor a span such as "从2019干到2025年"; a
    # follow-up's own year counts: "2025年呢？")
    own = len(query.years) == 1 and (not query.borrowed or query.years[0] in query.question)
    year = int(query.years[0]) if own else None
    if year is not None and not in_year(ranked[0][0], year):
        best = ranked[0][0]
        dated = [p for p in ranked if p[0].source == best.source and metric_name(p[0].metric) == metric_name(best.metric)
                 and in_year(p[0], year)]
        if dated:
            ranked.remove(dated[0])
            ranked.insert(0, dated[0])
    # Greedy cover: a target from the same clause or row joins the answer only if it states a concept of the
    # question that the targets already chosen do not ("2 个…中心, 8 个…基地"), or states the question exactly
    # as well as the best does (劳模创新工作室: the 宁波市 20 家 and the 市级 50 家 both, not one of them).
    best = ranked[0][0]
    chosen = [ranked[0]]
    stated = covered(query, f"{best.metric} {best.printed}")
    for t, s in ranked[1:]:
        if t.source != best.source or len(chosen) >= limit:
            continue
        if year is not None and metric_name(t.metric) == metric_name(best.metric) and not in_year(t, year):
            continue  # another year's milestone of the same timeline
        new = covered(query, f"{t.metric} {t.printed}") - stated
        tie = abs(coverage(query, f"{t.metric} {t.printed}") - coverage(query, f"{best.metric} {best.printed}")) \
            <= TIE_MARGIN and t.value != best.value and metric_name(t.metric) != metric_name(best.metric)
        if any(c.weight >= 0.5 for c in new) or any(t.metric == c.metric for c, _ in chosen) or tie:
            chosen.append((t, s))
            stated |= new
    if "timeline" in query.aspects:  # "… and by when?": the last milestone of that clause or row is the deadline
        dated = [(t, s) for t, s in ranked if t.source == best.source and t.year[:4].isdigit()]
        last = max(dated, key=lambda p: p[0].year, default=None)
        if last and all(last[0] is not t for t, _ in chosen):
            chosen.append(last)
    return chosen


def sentence_with(plan: Plan, target: Target) -> str:
    """The sentence (main text) or rendered row (annex) that states a target."""
    if target.source in plan.annex:
        return plan.annex[target.source].render()
    for s in plan.clauses[target.source].sentences:
        if target.printed in s:
            return s
    return plan.clauses[target.source].text


def fragment_with(plan: Plan, target: Target) -> str:
    """The comma-delimited part of the stating sentence around a target, with the sentence's
    lead-in ("到 2025 年，…"): what the number is about, without its neighbours' subjects."""
    sentence = sentence_with(plan, target)
    if target.source in plan.annex:
        return f"{plan.annex[target.source].task} {plan.annex[target.source].timeline}"
    parts = re.split(r"[，；、]", sentence)  # 、 too: "25 家、…20 家、…50 家" are three figures
    inside = [p for p in parts if target.printed in p or p in target.printed]
    lead_in = [parts[0]] if _DATE_LEAD.match(parts[0]) else []  # "到 2025 年，…" holds for every figure after it
    return " ".join(dict.fromkeys([*lead_in, *inside])) if inside else sentence
