"""Composing short, cited answers in the question's language from the evidence.

Names and numbers are quoted exactly as printed; each answer cites the clauses or annex rows it
quotes ([1], [2] … refer to ``citations``). When the plan does not answer, ``found`` is False and
the answer says what the plan does say nearest, and who leads that work where the annex says.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from assistant.evidence import Plan
from assistant.records import AnnexRow, Target, Units


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


class Writer:
    """Phrases answers; holds no state but the plan and the unit glossary."""

    def __init__(self, plan: Plan, units: Units):
        self.plan = plan
        self.units = units
        self.citations: list[Citation] = []

    # --- citations -------------------------------------------------------------------------
    def cite(self, source_id: str, text: str | None = None) -> str:
        """Register a citation (once per id) and return its marker."""
        for i, c in enumerate(self.citations, 1):
            if c.id == source_id:
                return f"[{i}]"
        if source_id in self.plan.annex:
            row = self.plan.annex[source_id]
            self.citations.append(Citation(row.id, row.title, text or row.render()))
        else:
            clause = self.plan.clauses[source_id]
            self.citations.append(Citation(clause.id, clause.title, text or clause.text))
        return f"[{len(self.citations)}]"

    def cite_sentences(self, clause_id: str, sentences: list[str]) -> str:
        return self.cite(clause_id, "".join(sentences))

    # --- unit names ------------------------------------------------------------------------
    def unit(self, name: str, english: bool) -> str:
        gloss = self.units.english(name) if english else ""
        return f"{name} ({gloss})" if gloss else name

    def unit_list(self, names: list[str], english: bool) -> str:
        return (", " if english else "、").join(self.unit(n, english) for n in names)

    # --- responsibility --------------------------------------------------------------------
    def row_answer(self, row: AnnexRow, aspects: set[str], english: bool) -> str:
        mark = self.cite(row.id)
        coops = row.cooperating_units
        inherited = row.lead_cell == "inherited"
        if english:
            parts = {
                "lead": f"lead unit {self.unit(row.lead, True)}"
                        + (" (a merged cell in the annex table, carried down from the row above)" if inherited else ""),
                "cooperating": f"cooperating units: {self.unit_list(coops, True)}" if coops
                               else "the annex lists no cooperating unit for this task",
                "timeline": f"timeline: {row.timeline}",
            }
            head = f"Task “{row.task}”"
        else:
            parts = {
                "lead": f"牵头单位：{row.lead}" + ("（附件表中为合并单元格，沿用上方单位）" if inherited else ""),
                "cooperating": f"配合单位：{self.unit_list(coops, False)}" if coops else "附件该项未列配合单位",
                "timeline": f"时间进度：{row.timeline}",
            }
            head = f"“{row.task}”"
        order = [a for a in ("lead", "cooperating", "timeline") if a in aspects]
        order += [a for a in ("lead", "cooperating", "timeline") if a not in order]
        if english:
            return f"{head}: {'; '.join(parts[a] for a in order)}. {mark}"
        return f"{head}——{'；'.join(parts[a] for a in order)}。{mark}"

    # --- unit look-up ----------------------------------------------------------------------
    def unit_tasks(self, unit: str, role: str, rows: dict[str, list[AnnexRow]], english: bool) -> str:
        lines = []
        role_names = {"lead": ("牵头", "leads"), "cooperating": ("配合", "cooperates on")}
        for r in ("lead", "cooperating"):
            if role not in (r, "any"):
                continue
            chosen = rows[r]
            if not chosen:
                lines.append(f"{unit} does not {role_names[r][1].split()[0]} any task in the annex." if english
                             else f"附件中没有由{unit}{role_names[r][0]}的任务。")
                continue
            lines.append(f"All annex tasks {unit} {role_names[r][1]}:" if english
                         else f"附件中由{unit}{role_names[r][0]}的全部任务：")
            for row in chosen:
                star = "*" if r == "lead" and row.lead_cell == "inherited" else ""
                lines.append(f"• {row.title}：{_short(row.task)}{star} {self.cite(row.id)}")
        if any(row.lead_cell == "inherited" for row in rows["lead"]) and role in ("lead", "any"):
            lines.append("* the lead cell is a merged cell in the annex table, carried down from the row above."
                         if english else "* 该行牵头单位一栏为附件表中的合并单元格，沿用上方单位。")
        return "\n".join(lines)

    # --- targets ---------------------------------------------------------------------------
    def target_answer(self, targets: list[Target], sentences: dict[str, str], english: bool) -> str:
        out = []
        for t in targets:
            mark = self.cite(t.source, sentences[t.id] if t.source not in self.plan.annex else None)
            when = _year_phrase(t, sentences[t.id], english)
            if english:
                out.append(f"the plan's target for {t.metric} is “{t.printed}”{when} {mark}")
            else:
                out.append(f"{t.metric}：“{t.printed}”{when}{mark}")
        if english:
            text = "; ".join(out) + "."
            return text[0].upper() + text[1:]
        return "；".join(out) + "。"

    # --- policy ----------------------------------------------------------------------------
    def quote(self, clause_id: str, sentences: list[str], english: bool) -> str:
        mark = self.cite_sentences(clause_id, sentences)
        title = self.plan.clauses[clause_id].title
        text = "".join(sentences)
        return f"The plan says ({title}): “{text}” {mark}" if english else f"{title}：“{text}”{mark}"

    def row_quote(self, row: AnnexRow, english: bool) -> str:
        mark = self.cite(row.id)
        if english:
            return (f"The annex ({row.title}) lists: “{row.task}” — timeline {row.timeline}; lead "
                    f"{self.unit(row.lead, True)}. {mark}")
        return f"{row.title}：“{row.task}”（时间进度：{row.timeline}；牵头单位：{row.lead}）{mark}"

    # --- refusals --------------------------------------------------------------------------
    def nearest(self, body: str, english: bool) -> str:
        return f"Nearest it says: {body}" if english else f"文件最接近的内容是：{body}"

    def responsible(self, row: AnnexRow | None, english: bool) -> str:
        if row is None:
            return ""
        mark = self.cite(row.id)
        if english:
            return f" The annex names the lead unit for this work: {self.unit(row.lead, True)} {mark}."
        return f"相关工作的牵头单位：{row.lead}{mark}。"


def _short(task: str, limit: int = 36) -> str:
    """A task's first phrase, for lists (the full text is in the citation)."""
    first = task.split("，")[0].split("。")[0]
    return first if len(first) <= limit else first[:limit] + "…"


def _year_phrase(t: Target, sentence: str, english: bool) -> str:
    if not t.year or t.year in t.printed or t.year not in sentence:
        return ""
    if t.year.isdigit():
        return f" (by {t.year})" if english else f"（{t.year} 年）"
    return f" ({t.year})" if english else f"（{t.year}）"
