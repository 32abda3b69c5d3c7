"""What the plan says for each ask: the rows, targets or sentences that answer it, whether they really do
(``found``), and what the question asked that the plan does not give.

``found`` is decided by evidence, never by a model: the cited text must state the question's concepts (coverage),
or the dense model must find it very close in meaning while it still states part of them; and details the plan
often leaves open (an amount, a date, an app, another place, a year it never names, a name in quotes, a number
the question states) must be in the evidence. A finding holds data only; ``assistant.answer`` words it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from assistant.evidence import (Plan, best_parent, best_rows, best_sentences, best_targets, fragment_with,
                                parent_scores, sentence_with)
from assistant.operators import (RowFilter, RowMatch, extreme, group_twins, in_year, milestones,
                                 numeric, same_family, select_rows, select_targets)
from assistant.query import Ask, Op, Reduce
from assistant.reading import Query, coverage
from assistant.records import AnnexRow, Target
from assistant.judging import Judge, Why
from assistant.search import Hit
from assistant.text import fold
from assistant.tuning import IMPLEMENTING_ROW_COVERAGE, TARGET_METRIC_WEIGHT, WEAK_TOPIC

# A number a passage states, in digits or in words with what it counts ("每两年", "一个主题", "1-2 家")
_STATED_NUMBER = re.compile(r"\d|[一二两三四五六七八九十]+\s*[年个家名次倍项所人万条届]")
_DATE = re.compile(r"20\d\d\s*年")


@dataclass
class Finding:
    """The evidence for one ask."""

    ask: Ask
    found: bool
    kind: str  # row | series | target | targets | clause | rows | units | structure | refs | off_topic
    row: AnnexRow | None = None  # the task that answers (row, series) or names the unit to contact
    rows: list[RowMatch] = field(default_factory=list)  # rows: the complete selection
    groups: list[list[Target]] = field(default_factory=list)  # targets: each figure with its restatements
    best: list[list[Target]] = field(default_factory=list)  # the largest / smallest of the groups
    clause: str | None = None  # clause: the clause quoted (also a refusal's nearest text)
    sentences: list[str] = field(default_factory=list)
    unmet: list[Why] = field(default_factory=list)  # what the question asks that the plan does not give
    premise: list[str] = field(default_factory=list)  # figures the question states that the plan does not
    lead_premise: tuple[str, str] | None = None  # (unit the question says leads, the unit the annex names)
    place: tuple[str, str, str] | None = None  # (place asked, clause id, sentence): where the plan names that place
    scores: dict = field(default_factory=dict)
    why: str = ""

    @property
    def query(self) -> Query:
        return self.ask.query


class Resolver:
    """Runs each ask against the records and the ranked passages.

    Args:
        plan: the clauses, annex rows and targets by id.
        judge: whether evidence answers (``assistant.judging``).
    """

    def __init__(self, plan: Plan, judge: Judge):
        self.plan = plan
        self.judge = judge
        self.units = judge.units
        self.subject = judge.subject
        self.t = judge.t
        self._avoid: frozenset[str] = frozenset()

    def _place_note(self, finding: Finding) -> Finding:
        """For a question about another place (宁波, 浙江 …) the plan does not answer: the sentence of the plan that
        names that place and states most of the question, so the reader sees what the plan says about it."""
        q = finding.query
        missing = [p for p in q.places if any(p in z for z, _ in finding.unmet)]
        for place in missing:
            named = [(coverage(q, s), c.id, s) for c in self.plan.clauses.values() for s in c.sentences if place in s]
            if named:
                _, clause_id, sentence = max(named, key=lambda x: x[0])
                finding.place = (place, clause_id, sentence)
                break
        return finding

    def resolve(self, ask: Ask, hits: list[Hit], avoid: frozenset[str] = frozenset(),
                before: Finding | None = None) -> Finding:
        """The finding for one ask. ``avoid``: target ids an earlier part of the same question gave; ``before``:
        that part's finding. A part continuing a premise the plan does not contain ("每人奖10万元，啥时候发？") is
        not answered either: there is nothing for it to be about."""
        if ask.query.joined and before is not None and any("这个数" in z for z, _ in before.unmet):
            return Finding(ask, False, "clause", unmet=[z for z in before.unmet if "这个数" in z[0]],
                           why="continues a premise the plan does not contain")
        self._avoid = avoid if ask.query.joined else frozenset()
        if ask.query.chat and not (ask.op is Op.ROWS and ask.query.units):
            # (a request that frames a question over the annex's units is that question: "要写个 report：市总工会
            # 和市应急管理局同时出现在哪几条 task 里？")
            return Finding(ask, False, "off_topic", why="a request the plan cannot serve (write, chat, weather)")
        if ask.query.unknown_units and ask.op is Op.ROWS:  # "市公安局负责哪些任务？": the plan lists no such unit
            return Finding(ask, False, "rows" if ask.op is Op.ROWS else "clause",
                           unmet=[(f"“{u}”", f"“{u}”") for u in ask.query.unknown_units],
                           why="names a unit the plan does not list")
        if ask.query.refs and ask.op is Op.CLAUSE:
            return self._refs(ask)
        if ask.op is Op.ROW:
            finding = self._row(ask, hits, before)
        else:
            handler = {Op.SERIES: self._series, Op.TARGET: self._target, Op.TARGETS: self._targets,
                       Op.CLAUSE: self._clause, Op.ROWS: self._rows}[ask.op]
            finding = handler(ask, hits)
        if not finding.found and finding.kind != "rows" and self.judge.off_topic(ask.query, hits):
            return Finding(ask, False, "off_topic", scores=self._top_scores(ask.query, hits),
                           why="nothing in the plan speaks to the question's words, and the dense model finds no "
                               "passage close in meaning")
        return self._place_note(finding) if not finding.found and ask.query.places else finding

    # --- one annex task ------------------------------------------------------------------------
    def _row(self, ask: Ask, hits: list[Hit], before: Finding | None = None) -> Finding:
        q = ask.query
        ranked = [r for r, _ in best_rows(self.plan, q, hits)]
        named = [r for r in ranked if r.id in q.refs or f"item{r.item}" in q.refs or f"m{r.measure}" in q.refs]
        if named and not q.details:  # "附件第17项谁牵头": the number names the task; no words need to match
            row = named[0]
            return self._checked(Finding(ask, True, "row", row=row, scores=self._scores(q, row.render(), hits, row.id),
                                         why=f"annex row {row.id} is the one named by number ({', '.join(q.refs)})"))
        if q.joined and before is not None and before.found and before.clause in self.plan.clauses:
            # "…有没有机会出国学习交流？哪个部门配合？": the rows implementing the measure just quoted
            number = self.plan.clauses[before.clause].number
            implementing = [r for r in ranked if number and r in self.plan.rows_of_measure(number)
                            and coverage(q, r.render()) >= IMPLEMENTING_ROW_COVERAGE]
            if implementing:
                row = implementing[0]
                return self._checked(Finding(ask, True, "row", row=row, scores=self._scores(q, row.render(), hits, row.id),
                                             why=f"annex row {row.id} implements {before.clause}, quoted by the part before"))
        row = ranked[0]
        unmet = self.judge.unmet(q, row.render())
        if self.judge.supported(q, f"{row.item_title} {row.task} {row.timeline}", hits, row.id) and not unmet:
            return self._checked(Finding(ask, True, "row", row=row, scores=self._scores(q, row.render(), hits, row.id),
                                         why=f"annex row {row.id} states the question's concepts"))
        if not {"lead", "cooperating"} & q.aspects:  # "when …?" about something the annex does not list
            return self._clause(ask, hits, date_asked=True)
        if "lead" in q.aspects:  # the main text names a few leads itself (三、组织实施)
            finding = self._clause(ask, hits, lead_asked=True)
            if finding.found:
                return finding
        clause_id = next(p for p in parent_scores(hits) if p in self.plan.clauses)
        sentences, _ = best_sentences(self.plan, q, hits, clause_id)
        return Finding(ask, False, "row", clause=clause_id, sentences=sentences,
                       unmet=unmet or [("这项工作的牵头和配合单位", "which unit leads or cooperates on this")],
                       scores=self._scores(q, row.render(), hits, row.id),
                       why=f"best row {row.id} does not state the question's concepts")

    def _refs(self, ask: Ask) -> Finding:
        """Measures and annex items named by number: their titles (and, for an item, its rows and the measure it
        implements; the annex numbers its items differently from the measures)."""
        refs = [r for r in ask.query.refs if r in self.plan.clauses or r in self.plan.annex or
                any(f"item{row.item}" == r for row in self.plan.annex.values())]
        if not refs:
            return Finding(ask, False, "clause", unmet=[(f"编号为 {'、'.join(ask.query.refs)} 的内容",
                                                         f"anything numbered {', '.join(ask.query.refs)}")],
                           why="no measure or annex item has that number")
        return Finding(ask, True, "refs", scores={"refs": refs}, why="measures or annex items named by number")

    def _series(self, ask: Ask, hits: list[Hit]) -> Finding:
        q = ask.query
        row, _ = best_rows(self.plan, q, hits)[0]
        evidence = f"{row.item_title} {row.task} {row.timeline}"
        unmet = self.judge.unmet(q, row.render())
        found = self.judge.supported(q, evidence, hits, row.id) and not unmet
        return Finding(ask, found, "series", row=row, unmet=unmet, scores=self._scores(q, evidence, hits, row.id),
                       why=f"every milestone of annex row {row.id}" if found else f"best row {row.id} is not about it")

    # --- figures ------------------------------------------------------------------------------
    def _target(self, ask: Ask, hits: list[Hit]) -> Finding:
        q = ask.query
        ranked = best_targets(self.plan, q, hits, avoid=self._avoid)
        if ranked:
            best = ranked[0][0]
            chosen = [t for t, _ in ranked]
            evidence = " ".join(sentence_with(self.plan, t) for t in chosen)
            unmet = self.judge.unmet(q, evidence)
            figure = f"{self._heading(best.source)} {best.metric} {best.printed} {fragment_with(self.plan, best)}"
            if self.judge.supported(q, figure, hits, best.source) and self.judge.names(q, best, figure) and not unmet:
                row = self.plan.annex.get(best.source)
                series = row is not None and best.printed in row.timeline \
                    and sum(bool(m.years) for m in milestones(row.timeline)) > 1
                if series and "last" in q.sets:  # "最后呢？": the last milestone of the series
                    last = max((t for t in self.plan.targets if t.source == row.id and t.printed in row.timeline
                                and t.year[:4].isdigit()), key=lambda t: t.year[-4:])
                    return Finding(ask, True, "target", groups=[self._with_twins(last)],
                                   scores=self._scores(q, evidence, hits, row.id),
                                   why=f"the last milestone of annex row {row.id}")
                if series and not q.years:
                    # a milestone of a dated series, no year asked: the whole series answers ("各年度…多少")
                    return Finding(ask, True, "series", row=row, scores=self._scores(q, evidence, hits, row.id),
                                   why=f"target {best.id} is one milestone of annex row {row.id}'s timeline")
                groups = [self._with_twins(t) for t in chosen]
                return self._checked(Finding(ask, True, "target", groups=groups,
                                             scores=self._scores(q, evidence, hits, best.source),
                                             why=f"target {best.id} ({best.metric}) states the question's concepts"))
        return self._clause(ask, hits, number_asked="number" in q.aspects)

    def _targets(self, ask: Ask, hits: list[Hit]) -> Finding:
        """Several figures: the ones a comparison names, one per year asked, or all of a topic; then the
        largest, the smallest, a count, or the list."""
        q = ask.query
        years = [int(y) for y in q.years]
        pool = select_targets(self.plan.targets, None, q.measure_unit)
        if "每年" in q.milestones:  # "每年新建数量哪个多": the yearly figures, not the 2025 totals
            pool = [t for t in pool if t.year == "每年"] or pool
        in_years = [t for t in pool if not years or any(in_year(t, y) for y in years)]
        if len(years) > 1:  # "2019年和2020年的达标率分别是多少": one figure per year
            chosen = [self._best_named(q, [t for t in pool if in_year(t, y)], q) for y in years]
        else:
            chosen = [self._best_named(e, in_years, q) for e in ask.entities] if len(ask.entities) > 1 else []
            if None in chosen or not chosen:  # "三类公共实训基地里哪一类最多": the figures of the topic
                topical = self._topical(q, in_years)
                chosen = topical if len(topical) >= 2 or not chosen else chosen
        groups = [self._with_twins(g[0]) for g in group_twins(t for t in chosen if t is not None)]
        groups = [g for g in groups if not any(fold(x) in fold(g[0].metric) for x in q.excluded)]  # "…不算"
        if ask.reduce in (Reduce.MAX, Reduce.MIN) and groups:  # compare like with like: 元 with 元, not 个月
            units = [g[0].unit for g in groups]
            unit = max(units, key=lambda u: (sum(same_family(u, x) for x in units), -units.index(u)))
            groups = [g for g in groups if same_family(unit, g[0].unit)]
        if len(groups) < 2 and ask.reduce is Reduce.LIST or not groups:
            return self._target(replace(ask, op=Op.TARGET), hits)
        if ask.reduce in (Reduce.SUM, Reduce.DIFF):  # add or subtract only figures of one kind and with a value
            unit = groups[0][0].unit  # (个 and 所 are both counts of things: 6 个 + 2 所 + … = 32)
            groups = [g for g in groups if same_family(unit, g[0].unit) and numeric(g[0]) is not None]
            if len(groups) < 2 or (ask.reduce is Reduce.DIFF and len(groups) != 2):
                return self._target(replace(ask, op=Op.TARGET), hits)
        best = extreme(groups, largest=ask.reduce is not Reduce.MIN) if ask.reduce in (Reduce.MAX, Reduce.MIN) else []
        return Finding(ask, True, "targets", groups=groups, best=best,
                       scores={"figures": [g[0].id for g in groups]},
                       why=f"{len(groups)} figures match; reduce {ask.reduce.value}")

    def _topical(self, q: Query, pool: list[Target]) -> list[Target]:
        """The figures of a topic: those stating it, with the figures printed beside the best of them (the
        other two of "2 个…中心、8 个…基地、5 个…基地"). With no topic but a year or a unit of measure ("2025 年以
        百分比计的目标"), every figure those filters left."""
        if not self.subject(q) and (q.years or q.measure_unit):
            return list(pool)
        scored = sorted(((coverage(q, f"{t.metric} {t.printed} {fragment_with(self.plan, t)}"), t) for t in pool),
                        key=lambda p: -p[0])
        chosen = [t for c, t in scored if c >= self.t.coverage_found]
        if scored and scored[0][0] >= self.t.coverage_found:
            best = scored[0][1]
            chosen += [t for t in pool if t.source == best.source and t not in chosen
                       and same_family(best.unit, t.unit)]
        return chosen

    def _best_named(self, q: Query, pool: list[Target], whole: Query) -> Target | None:
        """The figure a name points at: its metric states the name best (the sentence around it counts less)."""
        scored = [(TARGET_METRIC_WEIGHT * coverage(q, f"{t.metric} {t.printed}")
                   + coverage(q, fragment_with(self.plan, t)), t) for t in pool]
        score, best = max(scored, key=lambda p: p[0], default=(0.0, None))
        if best is None or score < (TARGET_METRIC_WEIGHT + 1) * self.t.coverage_found:
            return None
        # the question as a whole must name what the figure measures ("…的中心和基地": 基地 alone names none, but
        # "市级综合性、区域性、专业性三类公共实训": 区域性 names 区域性公共实训基地 with the words it shares)
        if self.judge.names(q, best, "") or self.judge.names(whole, best, ""):
            return best
        # or the figure's own row names the entity's most specific word ("小三级工会达标率": a4.2's 小三级 tasks)
        strongest = max(self.subject(q), key=lambda c: c.weight, default=None)
        row = self.plan.annex.get(best.source)
        return best if strongest and row and any(fold(a) in fold(row.task) for a in strongest.alternatives) else None

    def _with_twins(self, target: Target) -> list[Target]:
        """A figure with every restatement of it (main text and annex), main text first."""
        twins = [t for g in group_twins(self.plan.targets) if target in g for t in g]
        return sorted(twins or [target], key=lambda t: t.source in self.plan.annex)

    # --- sets of rows ------------------------------------------------------------------------
    def _rows(self, ask: Ask, hits: list[Hit]) -> Finding:
        q = ask.query
        keep, area = None, self._area(q)
        subject = self.subject(q)
        if ask.reduce is Reduce.COUNT and not area and sum(c.weight for c in subject) >= WEAK_TOPIC:
            area = self._area(q, named=True)  # "“深化职业教育改革”这一项拆成了几条": that item's rows, no area word
        if ask.reduce is Reduce.COUNT and not (q.roles or q.years or q.milestones or area or q.measure_unit):
            return Finding(ask, True, "structure", why="a count of the plan's own parts (measures, groups, annex)")
        if area:  # the question names an area of the plan ("职业教育方面", "党建那块", "运用互联网这一大块")
            keep = lambda row: (row.group, row.item) in area or row.group in area  # noqa: E731
        elif subject and not q.roles and sum(c.weight for c in subject) >= WEAK_TOPIC:
            about = replace(q, concepts=subject)  # "…的人才培养和培训数量目标": the tasks that are about them
            keep = lambda row: coverage(about, f"{row.task} {row.timeline}") >= self.t.coverage_found  # noqa: E731
        f = RowFilter(units=tuple(q.roles), printed_only="printed_only" in q.sets,
                      years=tuple(int(y) for y in q.years), milestones=q.milestones, not_milestones=q.not_milestones,
                      measure_unit=q.measure_unit if q.measure_unit == "%" else None, keep=keep)
        matches = select_rows(self.plan.annex.values(), self.units, f)
        relaxed = []
        if not matches and f.keep is not None and not area:  # the topic's words were not the task's: drop them
            relaxed.append("topic")
            f = replace(f, keep=None)
            matches = select_rows(self.plan.annex.values(), self.units, f)
        timed = (f.years or f.milestones) and not f.units and ask.reduce is not Reduce.UNITS
        also = self._main_text_milestones(f, subject if f.keep else []) if timed else []
        if not matches and f.milestones and f.years:  # "从2021年开始…": 开始 may mean "from", not 启动
            relaxed += f.milestones
            f = replace(f, milestones=())
            matches = select_rows(self.plan.annex.values(), self.units, f)
        unmet = [(f"{y} 年的安排", f"anything planned for {y}") for y in q.unknown_years]
        found = bool(matches or also) and not unmet
        return Finding(ask, found, "units" if ask.reduce is Reduce.UNITS else "rows", rows=matches,
                       groups=[] if ask.reduce is Reduce.UNITS else [[t] for t in also], unmet=unmet,
                       scores={"filter": {"units": list(f.units), "printed_only": f.printed_only, "years": list(f.years),
                                          "milestones": list(f.milestones), "not_milestones": list(f.not_milestones),
                                          "measure_unit": f.measure_unit,
                                          "area": self._area_titles(area),
                               "topic": [c.word for c in self.subject(q)] if keep and not area else []},
                               "matches": len(matches), "dropped": relaxed},
                       why=f"{len(matches)} annex rows satisfy the filter")

    def _main_text_milestones(self, f: RowFilter, subject: list) -> list[Target]:
        """Figures of the main text for a time slice (the annex does not hold them all): set for the year asked,
        and stated with the milestone asked (母婴室 … 实现全覆盖, by 2025)."""
        out = []
        for t in self.plan.targets:
            if t.source in self.plan.annex:
                continue
            sentence = sentence_with(self.plan, t)
            if f.years and not any(in_year(t, y) for y in f.years):
                continue
            near = fragment_with(self.plan, t) + sentence[sentence.find(t.printed):][:40]
            if f.milestones and not any(m in near for m in f.milestones):
                continue
            if f.measure_unit and t.unit != f.measure_unit:
                continue
            if subject and not any(fold(a) in fold(f"{t.metric} {t.printed}") for c in subject for a in c.alternatives):
                continue
            out.append(t)
        return out if f.milestones or f.measure_unit else []

    def _area(self, q: Query, named: bool = False) -> set:
        """The groups （一）…（六） or annex items whose titles the question's subject names, when the question
        names an area ("职业教育方面", "党建那块") or ``named`` says a title is enough; else none."""
        subject = self.subject(q)
        if not subject or not (q.area or named):
            return set()
        topical = replace(q, concepts=subject)
        groups = {r.group for r in self.plan.annex.values()
                  if coverage(topical, self.plan.group_title(r.group)) >= self.t.coverage_found}
        items = {(r.group, r.item) for r in self.plan.annex.values() if coverage(topical, r.item_title) >= self.t.coverage_found}
        return groups | items

    def _area_titles(self, area: set) -> list[str]:
        """The areas as the plan titles them: "（二）提升产业工人技能素质", "附件 5 · 深化职业教育改革"."""
        rows = sorted(self.plan.annex.values(), key=lambda r: int(r.item))
        groups = [g for g in dict.fromkeys(r.group for r in rows) if g in area]
        items = [r for r in {(r.group, r.item): r for r in rows}.values() if (r.group, r.item) in area
                 and r.group not in area]
        return [f"{g}{self.plan.group_title(g)}" for g in groups] + [f"附件 {r.item} · {r.item_title}" for r in items]

    # --- what the plan says ------------------------------------------------------------------
    def _clause(self, ask: Ask, hits: list[Hit], number_asked: bool = False, date_asked: bool = False,
                lead_asked: bool = False) -> Finding:
        q = ask.query
        parent = best_parent(self.plan, q, hits)
        if parent in self.plan.annex:
            row = self.plan.annex[parent]
            evidence, clause, sentences = row.render(), None, []
        else:
            sentences, _ = best_sentences(self.plan, q, hits, parent, prefer=_DATE if date_asked else None)
            evidence, clause, row = "".join(sentences), parent, self._lead_row(q, hits, parent)
        unmet = self.judge.unmet(q, evidence)
        pieces = self.judge.fragments_stating(q, evidence, window=1) if clause else [evidence]  # an annex row is one task
        if number_asked and not unmet and not any(_STATED_NUMBER.search(f) for f in pieces):
            unmet.append(("具体数字", "the number"))  # "排第几": 走在宁波大市前列 gives no number
        if date_asked and not _DATE.search(evidence):
            unmet.append(("具体时间", "a date or deadline"))
        if lead_asked and "牵头" not in evidence:
            unmet.append(("牵头单位", "the lead unit"))
        found = self.judge.supported(q, evidence, hits, parent, meaning=clause is not None) and not unmet
        finding = Finding(ask, found, "clause", row=row if clause else self.plan.annex[parent], clause=clause,
                          sentences=sentences, unmet=unmet if found or unmet else [("这个问题", "this")],
                          scores=self._scores(q, evidence, hits, parent),
                          why=f"{parent} {'states' if found else 'does not state'} the question's concepts")
        return self._checked(finding) if found else finding

    def _lead_row(self, q: Query, hits: list[Hit], clause_id: str) -> AnnexRow | None:
        """The annex row that implements a measure, best matching the question (None if none)."""
        clause = self.plan.clauses[clause_id]
        if not clause.number:
            return None
        candidates = {r.id for r in self.plan.rows_of_measure(clause.number)}
        row = next((row for row, _ in best_rows(self.plan, q, hits) if row.id in candidates), None)
        if row is None or coverage(q, f"{row.item_title} {row.task}") < self.t.coverage_found:
            return None  # 措施24's rows are about 文体 and 卫生健康: no unit to name for 子女就学
        return row

    # --- judging -------------------------------------------------------------------------------
    def _heading(self, source: str) -> str:
        """The heading a passage of this source is searched with (annex item or measure title)."""
        if source in self.plan.annex:
            return self.plan.annex[source].item_title
        return self.plan.clauses[source].heading

    def _checked(self, finding: Finding) -> Finding:
        """A found answer with the premises it must correct (``Judge.premises``)."""
        texts = [finding.row.render()] if finding.row else []
        texts += [sentence_with(self.plan, t) for g in finding.groups for t in g] + finding.sentences
        row = finding.row or next((self.plan.annex.get(t.source) for g in finding.groups for t in g
                                   if t.source in self.plan.annex), None)
        finding.premise, finding.lead_premise = self.judge.premises(finding.query, texts, row)
        return finding

    def _scores(self, q: Query, evidence: str, hits: list[Hit], source: str) -> dict:
        hit = next((h for h in hits if h.passage.parent == source), None)
        return {"source": source, "coverage": round(coverage(q, evidence), 3),
                "bm25": round(hit.bm25, 3) if hit else 0.0, "dense": round(hit.dense, 3) if hit else 0.0}

    @staticmethod
    def _top_scores(q: Query, hits: list[Hit]) -> dict:
        return {"top": [(h.passage.parent, round(h.bm25, 2), round(h.dense, 3)) for h in hits[:3]]}
