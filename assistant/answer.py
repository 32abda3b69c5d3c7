"""All the answer's wording, refusals included: short, cited answers in the question's language.

Each answer leads with one plain sentence that answers (牵头的是…, 共 N 项, 文件没有写明…), then the exact quote
with its citation, then, where the annex names one, the unit to contact. Names and numbers are quoted exactly as
printed; [1], [2] … refer to ``Answer.citations``. English answers keep each Chinese quote and add its gist
(``assistant.gloss``): figures in Western form, years, unit names in English.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from assistant.evidence import Plan, sentence_with
from assistant.findings import Finding
from assistant.gloss import Glossary
from assistant.operators import items_of, milestones, numeric
from assistant.query import QueryPlan, Reduce
from assistant.records import AnnexRow, Target, Units
from assistant.text import sentences

_YES_NO = re.compile(r"吗|能不能|可不可以|是否|有没有|是不是|对吧|对不对|行不行|^(is|are|does|do|can|will|may)\b",
                     re.IGNORECASE)
MARKS = "①②③④⑤⑥"
FULL_TASKS_UP_TO = 10  # a list this short shows each task in full; a longer one shows each task's first phrase


@dataclass(frozen=True)
class Citation:
    id: str
    title: str
    text: str


@dataclass
class Answer:
    question: str
    answer: str
    found: bool
    route: str
    lang: str
    citations: list[Citation] = field(default_factory=list)
    facts: list[dict] = field(default_factory=list)
    trace: dict = field(default_factory=dict)  # how the answer was reached (``--explain``)

    def to_dict(self, trace: bool = False) -> dict:
        """The answer as JSON-ready data; the trace only when asked (it is long)."""
        d = asdict(self)
        if not trace:
            d.pop("trace")
        return d


class _Sources:
    """The citations of one answer, numbered in order of first use."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.citations: list[Citation] = []

    def cite(self, source_id: str, text: str | None = None) -> str:
        for i, c in enumerate(self.citations, 1):
            if c.id == source_id:
                if text and text not in c.text:  # quoted again, other sentences: the citation holds both
                    more = "".join(x for x in sentences(text) if x not in c.text)
                    self.citations[i - 1] = Citation(c.id, c.title, c.text + more)
                return f"[{i}]"
        if source_id in self.plan.annex:
            row = self.plan.annex[source_id]
            self.citations.append(Citation(row.id, row.title, text or row.render()))
        else:
            clause = self.plan.clauses[source_id]
            self.citations.append(Citation(clause.id, clause.title, text or clause.text))
        return f"[{len(self.citations)}]"


class Writer:
    """Words findings. Holds only the plan, the unit glossary and the English glossary; every answer's
    citations live in its own ``_Sources``."""

    def __init__(self, plan: Plan, units: Units, glossary: Glossary):
        self.plan = plan
        self.units = units
        self.gloss = glossary

    def write(self, qp: QueryPlan, findings: list[Finding]) -> tuple[str, list[Citation], list[dict]]:
        src = _Sources(self.plan)
        en = qp.lang != "zh"
        parts, facts = [], []
        self._single = len(findings) == 1
        for f in findings:
            text, fact = self._one(f, src, en)
            if parts and text == parts[-1]:
                continue  # two parts answered by the same words ("一共几条？分成几块？")
            parts.append(text)
            facts += fact
        if len(parts) > 1:
            parts = [f"{MARKS[i] if i < len(MARKS) else f'({i + 1})'} {p}" for i, p in enumerate(parts)]
        body = "\n".join(parts)
        if qp.follow_up:
            body = (f"Continuing from your question “{qp.follow_up}”: " if en else f"接上一问「{qp.follow_up}」：") + body
        return body, src.citations, facts

    def _one(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        if f.kind == "off_topic":  # one part of several: say so briefly, the other parts answer
            return (self.off_topic(en) if len(f.ask.query.question) == len(f.ask.query.topic) and f.ask is not None
                    and not f.ask.query.joined and self._single else
                    ("The plan does not speak to this part." if en else "文件没有涉及这一问。")), []
        if not f.found:
            return self.refusal(f, src, en), [{"clause": f.clause} if f.clause else asdict(f.row)] if f.clause or f.row else []
        words = {"row": self.row, "series": self.series, "target": self.target, "targets": self.targets,
                 "clause": self.clause, "rows": self.rows, "units": self.unit_set, "structure": self.structure,
                 "refs": self.refs}[f.kind]
        return words(f, src, en)

    # --- units --------------------------------------------------------------------------------
    def unit(self, name: str, en: bool) -> str:
        gloss = self.units.english(name) if en else ""
        return f"{name} ({gloss})" if gloss else name

    def unit_list(self, names: list[str], en: bool) -> str:
        """Units as the annex prints them (市住建局、市财政局); in English, their names follow in brackets."""
        printed = "、".join(names)
        glosses = [self.units.english(n) for n in names] if en else []
        return f"{printed} ({'; '.join(g or n for g, n in zip(glosses, names))})" if glosses and any(glosses) else printed

    def _title(self, source_id: str, en: bool) -> str:
        if source_id in self.plan.annex:
            row = self.plan.annex[source_id]
            return self.gloss.annex_title(row.item) if en else row.title
        clause = self.plan.clauses[source_id]
        return self.gloss.clause_title(clause.id, clause.number) if en else clause.title

    def _premises(self, f: Finding, en: bool) -> str:
        out = []
        if f.lead_premise:
            named, actual = f.lead_premise
            out.append(f"The annex names {self.unit(actual, True)} as lead unit, not {named}." if en
                       else f"附件写的牵头单位是{actual}，不是{named}。")
        if f.premise:
            shown = "、".join(f.premise)
            no = "No. " if _YES_NO.search(f.query.question.strip()) else ""
            out.append(f"{no}The plan does not state {', '.join(f.premise)}; it says:" if en
                       else f"{'不是。' if no else ''}文件没有写“{shown}”，文件写的是：")
        return " ".join(out)

    # --- one annex task -----------------------------------------------------------------------
    def row(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        row, asked = f.row, [a for a in ("lead", "cooperating", "timeline") if a in f.query.aspects] or ["lead"]
        mark = src.cite(row.id)
        inherited = row.lead_cell == "inherited"
        coops = row.cooperating_units
        if en:
            plain = {"lead": f"The lead unit is {self.unit(row.lead, True)}"
                             + (" (a merged cell in the annex table, carried down from the row above)." if inherited else "."),
                     "cooperating": f"The {len(coops)} cooperating unit(s): {self.unit_list(coops, True)}." if coops
                                    else "The annex lists no cooperating unit for this task.",
                     "timeline": f"Timeline: {row.timeline}{self._timeline_gloss(row.timeline)}."}
            rest = {"lead": f"lead unit {self.unit(row.lead, True)}",
                    "cooperating": f"cooperating units {self.unit_list(coops, True)}" if coops else "no cooperating unit",
                    "timeline": f"timeline {row.timeline}{self._timeline_gloss(row.timeline)}"}
            others = "; ".join(rest[a] for a in ("lead", "cooperating", "timeline") if a not in asked)
            text = " ".join(plain[a] for a in asked) + f" {self._title(row.id, True)}: “{row.task}”" \
                + (f" — {others}" if others else "") + f". {mark}"
        else:
            plain = {"lead": f"牵头的是{row.lead}" + ("（附件表中为合并单元格，沿用上方单位）。" if inherited else "。"),
                     "cooperating": f"配合单位有 {len(coops)} 个：{self.unit_list(coops, False)}。" if coops
                                    else "附件该项未列配合单位。",
                     "timeline": f"时间进度：{row.timeline}。"}
            rest = {"lead": f"牵头单位：{row.lead}", "cooperating": f"配合单位：{self.unit_list(coops, False)}" if coops
                    else "未列配合单位", "timeline": f"时间进度：{row.timeline}"}
            others = "；".join(rest[a] for a in ("lead", "cooperating", "timeline") if a not in asked)
            text = "".join(plain[a] for a in asked) + f"{row.title}：“{row.task}”" + (f"——{others}" if others else "") \
                + f"。{mark}"
        return _join(self._premises(f, en), text), [asdict(row), {"count": len(coops), "computed": True}]

    def refs(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        """What measures and annex items named by number are, each with its citation."""
        lines, facts = [], []
        for ref in f.scores["refs"]:
            if ref in self.plan.clauses:
                clause = self.plan.clauses[ref]
                mark = src.cite(ref, clause.sentences[0])
                lines.append(f"Measure {clause.number} is “{clause.heading}” {mark}" if en
                             else f"措施{clause.number}是“{clause.heading}”{mark}")
                facts.append({"clause": ref})
            elif ref in self.plan.annex:  # one task of an item, by its place in the item
                row = self.plan.annex[ref]
                n = ref.split(".")[1]
                coops = self.unit_list(row.cooperating_units, en) if row.cooperating_units else ""
                lines.append(f"Task {n} of annex item {row.item} ({self._title(ref, True)}): “{row.task}” — lead unit "
                             f"{self.unit(row.lead, True)}; cooperating units {coops or 'none'}; timeline "
                             f"{row.timeline} {src.cite(ref)}" if en else
                             f"附件第 {row.item} 项的第 {n} 条：“{row.task}”——牵头单位：{row.lead}；配合单位："
                             f"{coops or '未列'}；时间进度：{row.timeline}{src.cite(ref)}")
                facts.append(asdict(row))
            else:
                rows = [r for r in self.plan.annex.values() if f"item{r.item}" == ref]
                marks = "".join(src.cite(r.id) for r in rows)
                row = rows[0]
                lines.append(f"Annex item {row.item} is “{row.item_title}” ({len(rows)} task(s), under measure "
                             f"{row.measure}; lead unit {self.unit(row.lead, True)}) {marks}" if en else
                             f"附件第 {row.item} 项是“{row.item_title}”（{len(rows)} 项任务，对应措施{row.measure}；"
                             f"牵头单位：{row.lead}）{marks}")
                facts += [asdict(r) for r in rows] + [{"count": len(rows), "measure": row.measure, "computed": True}]
        return ("; ".join(lines) + ".") if en else ("；".join(lines) + "。"), facts

    def structure(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        """How many measures, groups, annex items and tasks the plan has, counted from the records."""
        measures = [c for c in self.plan.clauses.values() if c.number]
        groups = list(dict.fromkeys(c.group for c in measures))
        items = list(dict.fromkeys(r.item for r in self.plan.annex.values()))
        rows = len(self.plan.annex)
        titles = "；".join(f"{g}{self.plan.group_title(g)}" for g in groups)
        first, last = src.cite(measures[0].id), src.cite(measures[-1].id)  # the numbering runs 1 … 24
        rows_in_order = list(self.plan.annex)
        last_item = next(r for r in rows_in_order if self.plan.annex[r].item == items[-1])  # its number is printed there
        first_row, last_row = src.cite(rows_in_order[0]), src.cite(last_item)  # annex items 1 … 22
        if en:
            text = (f"The main text lists {len(measures)} measures ({first}…{last}) in {len(groups)} groups; the annex "
                    f"divides the work into {len(items)} items and {rows} tasks ({first_row}…{last_row}). Groups: {titles}.")
        else:
            text = (f"正文“二、主要举措”共 {len(measures)} 条措施（{first}…{last}），分为 {len(groups)} 大块：{titles}。"
                    f"附件《重点任务责任分工》列 {len(items)} 项举措、{rows} 项具体任务（{first_row}…{last_row}）。")
        facts = {"measures": len(measures), "groups": len(groups), "items": len(items), "count": rows,
                 "computed": True}
        return text, [facts]

    def series(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        row = f.row
        mark = src.cite(row.id)
        steps = milestones(row.timeline)
        if en:
            listed = "; ".join(f"{m.text}{self._gloss_piece(m.text)}" for m in steps)
            text = (f"{len(steps)} milestone(s) for “{row.task}”: {listed}. {mark} "
                    f"Lead unit: {self.unit(row.lead, True)}.")
        else:
            listed = "；".join(f"{MARKS[i] if i < len(MARKS) else ''}{m.text}" for i, m in enumerate(steps))
            text = f"“{row.task}”的时间进度共 {len(steps)} 个节点：{listed}。{mark}牵头单位：{row.lead}。"
        return text, [asdict(row), {"milestones": [m.text for m in steps], "count": len(steps), "computed": True}]

    # --- figures ------------------------------------------------------------------------------
    def _figure(self, group: list[Target], src: _Sources, en: bool) -> str:
        t = group[0]
        marks = "".join(src.cite(x.source, sentence_with(self.plan, x) if x.source not in self.plan.annex else None)
                        for x in group)
        when = _year_phrase(t, sentence_with(self.plan, t), en)
        if en:
            gist = self.gloss.target(t)
            extra = ", ".join(x for x in (gist, when) if x)
            return f"{t.metric}: “{t.printed}”" + (f" ({extra})" if extra else "") + f" {marks}"
        return f"{t.metric}：“{t.printed}”" + (f"（{when}）" if when else "") + marks

    def target(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        lines = [self._figure(g, src, en) for g in f.groups]
        text = ("; ".join(lines) + ".") if en else ("；".join(lines) + "。")
        return _join(self._premises(f, en), text), [asdict(g[0]) for g in f.groups]

    def targets(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        reduce = f.ask.reduce
        facts = [asdict(g[0]) for g in f.groups]
        if reduce in (Reduce.MAX, Reduce.MIN) and f.best:
            percent = f.best[0][0].unit == "%"
            word = ("highest" if percent else "largest") if reduce is Reduce.MAX else ("lowest" if percent else "smallest")
            zh = ("最高" if percent else "最多") if reduce is Reduce.MAX else ("最低" if percent else "最少")
            best = [self._figure(g, src, en) for g in f.best]
            others = [self._figure(g, src, en) for g in f.groups if g not in f.best]
            if en:
                head = (f"The {word} is " if len(best) == 1 else f"Equal {word}: ") + "; ".join(best) + "."
                text = head + (f" The others: {'; '.join(others)}." if others else "")
            else:
                head = (f"{zh}的是" if len(best) == 1 else f"并列{zh}：") + "；".join(best) + "。"
                text = head + (f"其余：{'；'.join(others)}。" if others else "")
            return text, facts + [{"reduce": reduce.value, "best": [g[0].id for g in f.best], "computed": True}]
        lines = [self._figure(g, src, en) for g in f.groups]
        if reduce in (Reduce.SUM, Reduce.DIFF):
            values = [numeric(g[0]) for g in f.groups]
            result = sum(values) if reduce is Reduce.SUM else abs(values[0] - values[1])
            shown = f"{result:g} {f.groups[0][0].unit}".strip()
            left_out = "、".join(f.query.excluded)
            if en:
                head = (f"Together {shown}" if reduce is Reduce.SUM else f"The difference is {shown}") + \
                    f" (computed from the figures below{', leaving out ' + left_out if left_out else ''}): "
            else:
                head = (f"合计 {shown}" if reduce is Reduce.SUM else f"相差 {shown}") + \
                    f"（由下列数字算出{'，不含' + left_out if left_out else ''}）："
            return head + ("; ".join(lines) if en else "；".join(lines)) + ("." if en else "。"), \
                facts + [{"reduce": reduce.value, "count": f"{result:g}", "computed": True}]
        if reduce is Reduce.COUNT:
            head = f"{len(lines)} figures: " if en else f"共 {len(lines)} 个目标："
            return head + ("; ".join(lines) if en else "；".join(lines)) + ("." if en else "。"), \
                facts + [{"count": len(lines), "computed": True}]
        return ("; ".join(lines) + ".") if en else ("；".join(lines) + "。"), facts

    # --- what the plan says ------------------------------------------------------------------
    def quote(self, clause_id: str, sentences: list[str], src: _Sources, en: bool) -> str:
        mark = src.cite(clause_id, "".join(sentences))
        text = "".join(sentences)
        return f"{self._title(clause_id, True)}: “{text}” {mark}" if en else \
            f"{self.plan.clauses[clause_id].title}：“{text}”{mark}"

    def row_quote(self, row: AnnexRow, src: _Sources, en: bool) -> str:
        mark = src.cite(row.id)
        if en:
            return (f"{self._title(row.id, True)}: “{row.task}” — timeline {row.timeline}"
                    f"{self._timeline_gloss(row.timeline)}; lead unit {self.unit(row.lead, True)}. {mark}")
        return f"{row.title}：“{row.task}”（时间进度：{row.timeline}；牵头单位：{row.lead}）{mark}"

    def contact(self, row: AnnexRow | None, src: _Sources, en: bool) -> str:
        if row is None:
            return ""
        mark = src.cite(row.id)
        return f"For details, contact: {self.unit(row.lead, True)} {mark}." if en else f"具体办理可咨询：{row.lead}{mark}。"

    def clause(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        q = f.query
        if f.clause is None:  # the best source is an annex row
            body, facts = self.row_quote(f.row, src, en), [asdict(f.row)]
        else:
            body, facts = self.quote(f.clause, f.sentences, src, en), [{"clause": f.clause, "sentences": f.sentences}]
            body = _join(body, self.contact(f.row, src, en))
        plain = ""
        if not f.premise and not f.lead_premise and _YES_NO.search(q.question.strip()):
            plain = "The plan addresses this." if en else "文件有相关规定。"
        return _join(self._premises(f, en), plain, body), facts

    # --- sets of rows -------------------------------------------------------------------------
    def rows(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        q, matches = f.query, f.rows
        what = self._row_filter_words(f, en)
        items = items_of(matches)
        if not matches and not f.groups:
            return (f"No annex task {what}." if en else f"附件中没有{what}的任务。"), [{"count": 0, "computed": True}]
        head = (f"{len(matches)} annex task(s) {what}, under {len(items)} item(s):" if en
                else f"附件中{what}的任务共 {len(matches)} 项，分属 {len(items)} 个举措：")
        lines = []
        for item, group in items.items():
            title = self.gloss.annex_title(item) if en else group[0].row.title
            entries = []
            for m in group:
                star = "*" if m.inherited else ""
                roles = "" if len(q.roles) != 1 or q.roles[0][1] != "any" else \
                    (f" ({next(iter(m.roles.values()))})" if en else
                     f"（{'牵头' if next(iter(m.roles.values())) == 'lead' else '配合'}）")
                steps = "；".join(x.text for x in m.milestones)
                when = (f" — {steps}" if en else f"（{steps}）") if steps else ""
                if {"lead", "cooperating"} & q.aspects and not q.roles:  # "分别是哪些单位牵头的"
                    when += f" — lead {self.unit(m.row.lead, True)}" if en else f"（牵头单位：{m.row.lead}）"
                task = m.row.task if len(matches) <= FULL_TASKS_UP_TO else _short(m.row.task)
                entries.append(f"{task}{star}{roles}{when} {src.cite(m.row.id)}")
            lines.append(f"• {title}: " + "; ".join(entries) if en else f"• {title}：" + "；".join(entries))
        inherited = sum(m.inherited for m in matches)
        note = ""
        if inherited:
            note = (f"* {inherited} of them rely on a merged cell of the annex table (value carried down from above)."
                    if en else f"* 其中 {inherited} 项的单位或进度沿用表中上方合并单元格。")
        if f.groups:  # the main text's figures for the same slice (母婴室 … 实现全覆盖)
            figures = [self._figure(g, src, en) for g in f.groups]
            lines.append(("• Main text: " + "; ".join(figures)) if en else ("• 正文另有：" + "；".join(figures)))
        text = "\n".join([head, *lines] + ([note] if note else []))
        return text, [asdict(m.row) for m in matches] + [{"count": len(matches), "items": len(items),
                                                          "inherited": inherited, "computed": True}]

    def unit_set(self, f: Finding, src: _Sources, en: bool) -> tuple[str, list[dict]]:
        """The distinct units in the role asked over the rows chosen, each with how many of them it has and
        their citations; a unit spelled two ways in the table (市人社局, 市人力社保局) counts once."""
        role = "lead" if "lead" in f.query.aspects else "cooperating"
        by_unit: dict[str, list] = {}
        for m in f.rows:
            for name in (m.row.lead_units if role == "lead" else m.row.cooperating_units):
                by_unit.setdefault(self.units.canonical(name), []).append(m.row)
        what = self._row_filter_words(f, en)
        ranked = sorted(by_unit.items(), key=lambda kv: -len(kv[1]))  # most tasks first; ties in table order

        def marks(rows: list) -> str:  # every row cited; a run of markers shown as its first…last
            cited = [src.cite(r.id) for r in rows]
            return "".join(cited) if len(cited) <= 3 else f"{cited[0]}…{cited[-1]}"
        if en:
            head = f"{len(ranked)} units act as {'lead' if role == 'lead' else 'cooperating'} unit of annex tasks" \
                   f"{' ' + what if what else ''} ({len(f.rows)} tasks counted):"
            lines = [f"• {self.unit(u, True)}: {len(rows)} task(s) {marks(rows)}"
                     for u, rows in ranked]
        else:
            head = f"附件中{what}任务的{'牵头' if role == 'lead' else '配合'}单位共 {len(ranked)} 个（按 {len(f.rows)} 项任务计）："
            lines = [f"• {u}：{len(rows)} 项 {marks(rows)}" for u, rows in ranked]
        return "\n".join([head, *lines]), [{"count": len(ranked), "units": {u: len(rows) for u, rows in ranked},
                                             "items": len(f.rows), "computed": True}]

    def _row_filter_words(self, f: Finding, en: bool) -> str:
        q = f.query
        role_zh = {"lead": "牵头", "cooperating": "配合", "any": "参与"}
        role_en = {"lead": "led by", "cooperating": "with cooperation from", "any": "involving"}
        parts = []
        if q.years:
            parts.append(f"with a milestone in {' or '.join(q.years)}" if en else f"{'、'.join(q.years)} 年")
        if q.milestones:
            parts.append(" or ".join(f"“{m}”" for m in q.milestones) if en else "或".join(f"“{m}”" for m in q.milestones))
        if q.not_milestones:
            parts.append(f"(not those only {' or '.join(q.not_milestones)})" if en
                         else f"（不含只写“{'”或“'.join(q.not_milestones)}”的）")
        if q.roles:
            if en:
                parts.append(" and ".join(f"{role_en[r]} {self.unit(u, True)}" for u, r in q.roles))
            else:
                parts.append("、".join(f"由{u}{role_zh[r]}" for u, r in q.roles))
        if "printed_only" in q.sets:
            parts.append("(printed cells only)" if en else "（仅计表中明确写出的单元格）")
        area = f.scores.get("filter", {}).get("area") or []
        if area:
            parts.append(f"under {'; '.join(area)}" if en else f"属于“{'、'.join(area)}”")
        topic = f.scores.get("filter", {}).get("topic") or []
        if topic:
            parts.append(f"about {'/'.join(topic)}" if en else f"与“{'、'.join(topic)}”相关")
        return " ".join(parts) if en else "".join(parts)

    # --- the plan does not say -----------------------------------------------------------------
    def off_topic(self, en: bool) -> str:
        if en:
            return ("I only answer questions about the 2019 Cixi plan for the industrial workforce (慈党发〔2019〕78号), "
                    "for example “Who leads the 尘肺病 prevention campaign?” or “How many high-skilled workers by 2025?”")
        return ("我只回答关于《新时代慈溪产业工人队伍建设改革实施方案》（慈党发〔2019〕78号）的问题，例如："
                "“尘肺病防治谁牵头？”“到 2025 年高技能人才目标是多少？”")

    def refusal(self, f: Finding, src: _Sources, en: bool) -> str:
        what = f.unmet or [("这个问题", "this")]
        head = ("The plan does not state " + "; nor ".join(e for _, e in what) + ".") if en else \
            ("文件没有写明" + "，也没有写明".join(z for z, _ in what) + "。")
        if f.place:  # another place: what the plan says of it, then Cixi's own rule, labelled as Cixi's
            place, clause_id, sentence = f.place
            head = _join(head, (f"Where the plan names {place}: " if en else f"文件提到{place}的地方：")
                         + self.quote(clause_id, [sentence], src, en),
                         "Cixi's own rule (not " + place + "'s):" if en else f"慈溪本市的规定（不是{place}的）：")
            nearest = self.quote(f.clause, f.sentences, src, en) if f.clause else self.row_quote(f.row, src, en)
            return _join(head, nearest)
        if f.kind in ("rows", "units") and not f.unmet:  # an empty set is said as one: "附件中没有由…牵头…的任务。"
            return self.rows(f, src, en)[0]
        if f.kind in ("rows", "units") or (f.clause is None and f.row is None):
            return head
        nearest = self.quote(f.clause, f.sentences, src, en) if f.clause else self.row_quote(f.row, src, en)
        text = _join(head, ("Nearest, the plan says — " if en else "文件最接近的内容是：") + nearest)
        if f.clause and f.row is not None:
            mark = src.cite(f.row.id)
            text = _join(text, f"The annex names the lead unit for this work: {self.unit(f.row.lead, True)} {mark}."
                         if en else f"相关工作的牵头单位：{f.row.lead}{mark}。")
        if f.kind == "row" and "lead" in f.query.aspects and f.clause:
            org = self.plan.clauses["org"]
            text = _join(text, self.quote("org", [org.sentences[0]], src, en))
        return text

    # --- glosses ------------------------------------------------------------------------------
    def _timeline_gloss(self, timeline: str) -> str:
        g = self.gloss.timeline(timeline)
        return f" ({g})" if g else ""

    def _gloss_piece(self, piece: str) -> str:
        g = self.gloss.milestone(piece)
        return f" ({g})" if g else ""


def _join(*pieces: str) -> str:
    return " ".join(p for p in pieces if p).strip()


def _short(task: str, limit: int = 36) -> str:
    """A task's first phrase, for lists (the full text is in the citation)."""
    first = task.split("，")[0].split("。")[0]
    return first if len(first) <= limit else first[:limit] + "…"


def _year_phrase(t: Target, sentence: str, en: bool) -> str:
    if not t.year or t.year in t.printed or t.year not in sentence:
        return ""
    if t.year.isdigit():
        return f"by {t.year}" if en else f"{t.year} 年"
    return t.year
