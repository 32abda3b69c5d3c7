"""The query plan: a question split into asks, each with the operator that answers it.

The question is normalised (``assistant.normalize``: width, script, dialect, numerals, typos), split where it asks
several things ("…有什么政策？谁牵头？"), and each part is read (``assistant.reading``). A part that cannot stand on
its own borrows the topic of the part before it, or of the previous question (a follow-up, which the answer then
names). Each part then gets its operator: one annex row, a timeline's series, a figure, a quote, or a set of rows or
figures to list, count, compare, add up or take the largest of.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum

from assistant.lexicon import Lexicon
from assistant.limits import MAX_QUESTION_CHARS
from assistant.normalize import Normalized, Normalizer
from assistant.reading import FIGURE, QUESTION_WORD, _YEAR, Concept, Query, Reader, ordinal_row
from assistant.records import Units
from assistant.text import fold, language
from assistant.tokenizer import Tokenizer
from assistant.tuning import BORROWED_WEIGHT, STRONG_TOPIC, WEAK_TOPIC

_WHICH = re.compile(r"哪|的那|\bwhich\b|\bwhat is the (highest|largest|lowest|smallest|biggest)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[？?！!。；;])")
_JOIN = re.compile(r"[，,、]|和|并且|另外|还有|以及|同时|\band\b|\balso\b|\bplus\b", re.IGNORECASE)
# Things a comparison names are joined by 和、与 … (a comma separates the question's clauses, not its things).
_ENTITY_SPLIT = re.compile(r"[、]|和|与|跟|及|以及|还是|或者|或|\band\b|\bor\b|\bvs\.?|\bversus\b", re.IGNORECASE)
# A clause that only asks to confirm the premise before it ("…3000 块，是真的吗？")
_CONFIRM = re.compile(r"^(这|那)?(是)?(真的)?(吗|吧|对吧|对不对|是不是|是吗|对吗|没错吧|是这样吗|行不行|中不中|好不好|行吗|可以吗)"
                      r"[?？]?$")
# A question about the units themselves, not one unit's tasks ("哪些部门牵头了任务", "牵头单位一共几个")
_UNITS_ASKED = re.compile(r"(哪些|哪几个|哪几家|几个|几家|多少个|多少家)(部门|单位|机关)|(部门|单位)(有|是|都有|都是|分别是|包括|"
                          r"一共有|共有|一共|共)?(哪些|几个|几家|多少个|多少家)|(部门|单位)[^，,。？?]{0,4}列出来|\b(which|how many|list the|list all) (units|departments|bureaus|offices)\b",
                          re.IGNORECASE)
_REFERS_BACK = re.compile(r"呢[？?]?$|^(那|那么|还有|另外|这个(?!方案|文件|政策)|这项|该项|它|之后|然后|以后|此后)|又"
                          r"|^(and|what about|how about|then)\b|\b(it|its|that|this|they|them|those|these)\b", re.IGNORECASE)


class Op(str, Enum):
    ROW = "row"  # lead, cooperating units or timeline of one annex task
    SERIES = "series"  # every milestone of one task's timeline
    TARGET = "target"  # a figure the plan sets
    CLAUSE = "clause"  # what the plan says about something
    ROWS = "rows"  # annex rows chosen by unit and role, year, milestone, topic → list or count
    TARGETS = "targets"  # targets chosen by name, year, unit of measure, topic → list, compare, largest, smallest


class Reduce(str, Enum):
    LIST = "list"
    COUNT = "count"
    MAX = "max"
    MIN = "min"
    SUM = "sum"  # 加起来一共
    DIFF = "diff"  # 差了多少
    UNITS = "units"  # the distinct units that lead (or cooperate on) the rows chosen: "哪些部门当过牵头单位"


@dataclass
class Ask:
    """One thing to answer, and how."""

    op: Op
    query: Query
    reduce: Reduce = Reduce.LIST
    entities: list[Query] = field(default_factory=list)  # TARGETS: the figures named, one query each

    def describe(self) -> dict:
        q = self.query
        return {"op": self.op.value, "reduce": self.reduce.value, "part": q.question, "topic": q.topic.strip(),
                "aspects": sorted(q.aspects), "sets": sorted(q.sets), "units": q.roles or q.units, "years": q.years,
                "milestones": list(q.milestones), "not_milestones": list(q.not_milestones), "excluded": q.excluded,
                "measure_unit": q.measure_unit, "refs": q.refs, "borrowed": q.borrowed,
                "concepts": [(c.word, round(c.weight, 2)) for c in q.concepts],
                "entities": [e.question for e in self.entities]}


@dataclass
class QueryPlan:
    question: str  # as asked
    normalized: Normalized
    lang: str
    asks: list[Ask]

    @property
    def follow_up(self) -> str | None:
        """The earlier question the first ask continues, if any."""
        return self.asks[0].query.borrowed if self.asks else None


class QueryParser:
    """Question (and history) → ``QueryPlan``.

    Args:
        lexicon, units, tokenizer: the query vocabulary, the unit alias table, the plan's tokenizer.
        normalizer: what turns a question as typed into the plan's writing.
        vocabulary_idf, plan_years, plan_text: see ``Reader``.
        passages: the plan's sentences and annex rows (whether the plan states two topics together).
    """

    def __init__(self, lexicon: Lexicon, units: Units, tokenizer: Tokenizer, normalizer: Normalizer,
                 vocabulary_idf: dict[str, float], plan_years: set[str], plan_text: str, passages: list[str]):
        self.lexicon = lexicon
        self.units = units
        self.normalize = normalizer
        self.reader = Reader(lexicon, units, tokenizer, vocabulary_idf, plan_years, plan_text, normalizer.vocabulary)
        self._passages = [fold(p) for p in passages]  # sentences and annex rows: what the plan states together
        self._terms = frozenset(lexicon.terms)  # the plan's programme names

    def plan(self, question: str, history: list[str] | None = None) -> QueryPlan:
        """Read a question (and, for follow-ups, the turns before it) into asks."""
        normalized = self.normalize(question[:MAX_QUESTION_CHARS])
        previous = self._previous(history or [])
        asks: list[Ask] = []
        for part in split_parts(normalized.text):
            q = self.reader.read(part)
            before = asks[-1].query if asks else previous
            if before is not None:
                q = self._continue(q, before, from_history=not asks)
            asks += _each(self._ask(q))
        asks = _merge([a for a in asks if _asks_something(a.query)] or asks[-1:]) \
            or [self._ask(self.reader.read(normalized.text))]
        return QueryPlan(question, normalized, language(normalized.text), asks)

    def _previous(self, history: list[str]) -> Query | None:
        """The last earlier question's last ask, itself read against the (at most two) turns before it."""
        turns = [t for t in history[-3:] if isinstance(t, str) and t.strip()]
        if not turns:
            return None
        last = self.plan(turns[-1], turns[:-1]).asks[-1].query
        return replace(last, question=turns[-1]) if last.borrowed is None else last

    def _continue(self, q: Query, before: Query, from_history: bool) -> Query:
        """How a part continues what came before it (the previous part, or the previous question):
        - no topic of its own ("谁牵头？", "2020年呢？", "什么时候完成？"): it borrows the topic before it;
        - it asks something about a topic too weak to stand alone — within one question any such part
          ("…2500元，啥时候开始执行？"), after an earlier question one that points back ("那…", "…呢", "又", "it")
          or that the plan states together with the earlier topic ("每年新建几家？"): it borrows the topic;
        - it points back and asks nothing ("那青年技能大赛呢？"): it keeps its topic and borrows what was asked;
        - anything else stands on its own, whatever came before."""
        if row := ordinal_row(q.question, before.refs):  # "第2条的配合单位呢？" after "附件第9项…"
            q = replace(q, refs=[row])
        if before.known_weight == 0 and not before.units and not before.refs:
            return q  # nothing of the plan to continue ("What's the capital of France?")
        own = self.reader.own_weight(q)
        back = bool(_REFERS_BACK.search(q.question.strip()))
        borrowed = before.question if from_history else None
        asks = bool(q.aspects or q.details)
        if from_history:  # "每年新建几家？" after 市级技能大师工作室: the plan states the two together
            weak = own < STRONG_TOPIC and (back or self._together(self.reader.subject(q), self.reader.subject(before)))
        else:  # within one question, a part asking something with a weak topic continues the part before
            weak = own < (STRONG_TOPIC if back else WEAK_TOPIC)
        if not q.units and (own == 0 or (asks and weak)):
            topic = _replace_years(before.topic, q.years) + " " + q.question
            own_words = {c.word for c in q.concepts}
            concepts = q.concepts + [replace(c, weight=c.weight * BORROWED_WEIGHT) for c in self.reader.concepts(topic)
                                     if c.word not in own_words]
            return replace(q, topic=topic, expansions=self.lexicon.expand(topic), concepts=concepts,
                           measure_unit=q.measure_unit or before.measure_unit,
                           aspects=q.aspects or before.aspects, sets=q.sets or before.sets,
                           units=before.units, roles=q.roles or before.roles, years=q.years or before.years,
                           milestones=q.milestones or before.milestones, borrowed=borrowed,
                           joined=not from_history, untranslated=self.reader.untranslated(topic))
        if back and not q.aspects and not q.details:  # "那尘肺病呢？", "那市财政局呢？"
            keep = before.sets if q.units else before.sets - {"list", "count"}  # a unit's list stays a list
            roles = [(u, before.roles[0][1]) for u in q.units] if q.units and before.roles else q.roles
            return replace(q, aspects=before.aspects, sets=q.sets | keep, roles=roles,
                           years=q.years or before.years, borrowed=borrowed)
        return q

    def _together(self, own: list[Concept], before: list[Concept]) -> bool:
        """Whether one passage of the plan states a part's own concepts together with the strongest concept of
        what came before: then the part reads as continuing it ("每年新建几家" with 技能大师工作室), else as a new
        question ("学技术去哪学" after 母婴室: no passage says both)."""
        if not own or not before:
            return False
        strongest = max(before, key=lambda c: c.weight)
        return any(any(fold(a) in p for a in strongest.alternatives)
                   and all(any(fold(a) in p for a in c.alternatives) for c in own) for p in self._passages)

    def _ask(self, q: Query) -> Ask:
        roles = {"lead", "cooperating"} & q.aspects
        sets = q.sets
        reduce = Reduce.SUM if "sum" in sets else Reduce.DIFF if "difference" in sets else \
            Reduce.COUNT if "count" in sets else Reduce.MAX if "max" in sets else \
            Reduce.MIN if "min" in sets else Reduce.LIST
        own = self.reader.own_weight(q)
        specific = max((c.weight for c in self.reader.subject(q)), default=0.0) >= WEAK_TOPIC
        if len(roles) == 1 and not (q.units or q.unknown_units or specific or q.borrowed or q.joined) \
                and _UNITS_ASKED.search(q.question):
            return Ask(Op.ROWS, q, Reduce.UNITS)  # the rows still filter by year, milestone or area
        if specific and roles and q.units and _UNITS_ASKED.search(q.question):
            # "市人社局牵头的住房租赁市场实施意见，配合单位有哪些？": units of one task are asked; the named unit
            # only says which task (and the lead it names is checked against the annex)
            return Ask(Op.ROW, q)
        if (q.units or q.unknown_units) and (roles or sets & {"list", "count", "any_role"}) and \
                (own == 0 or sets & {"list", "count"} or len(q.units) > 1):
            return Ask(Op.ROWS, q, reduce if reduce is Reduce.COUNT else Reduce.LIST)
        comparing = sets & {"max", "min", "each", "sum", "difference"} or \
            ("list" in sets and {"number", "quantity"} & q.aspects)
        entities = self._entities(q) if comparing and not roles else []
        which = bool(_WHICH.search(q.question))  # "哪个最多" compares; "最长能领多久" does not
        if not roles and (len(entities) > 1 or (sets & {"max", "min"} and which) or sets & {"sum", "difference"}):
            return Ask(Op.TARGETS, q, reduce, entities)  # "首席工人和技术能手哪个多", "…加起来一共多少个"
        slice_ = (q.years or q.milestones) and not roles and (
            (sets & {"list", "each"} and not specific)  # "母婴室…哪些地方…全覆盖" asks about 母婴室, not a slice
            or q.area)  # "党建这块2019年要达到什么比例": the area's milestones of that year
        if "count" in sets or slice_:
            return Ask(Op.ROWS, q, reduce if reduce is Reduce.COUNT else Reduce.LIST)
        if "series" in sets:
            return Ask(Op.SERIES, q)
        if roles:
            return Ask(Op.ROW, q)
        if sets & {"max", "min", "each"} and len(q.years) > 1 or \
                ("each" in sets and {"number", "quantity"} & q.aspects):  # "各几个？": every figure of the topic
            return Ask(Op.TARGETS, q, reduce, entities)
        if {"number", "quantity"} & q.aspects:
            return Ask(Op.TARGET, q)
        if "timeline" in q.aspects:
            return Ask(Op.ROW, q)
        if q.years and not q.unknown_years:  # "到2020年，实名制要做到哪一步？": that year's figure or milestone
            return Ask(Op.TARGET, q)
        return Ask(Op.CLAUSE, q)  # also "措施17讲什么", "正文第17条和附件第17项是一回事吗" (q.refs)

    def _entities(self, q: Query) -> list[Query]:
        """The figures a comparison names ("首席工人和技术能手哪个多"): each piece between 和、与 … that names
        something specific of its own. The question's frame after the last comma ("…，哪个要求高？") is no part
        of the last piece, and a bare head noun ("…的中心和基地": 基地) names nothing on its own."""
        pieces = [p.strip() for p in _ENTITY_SPLIT.split(q.question) if p and p.strip()]
        out = []
        for piece in pieces:
            clauses = [c for c in re.split(r"[，,]", piece) if c.strip()]
            if len(clauses) > 1 and QUESTION_WORD.search(clauses[-1]):
                piece = "，".join(clauses[:-1])
            concepts = [c for c in self.reader.concepts(piece) if c.known and c.word not in self.reader.milestone_words]
            if concepts and (sum(c.weight for c in concepts) >= WEAK_TOPIC
                             or any(c.word in self._terms for c in concepts)):  # 上林名匠: a name of the plan's
                out.append(replace(q, question=piece, topic=piece, expansions=self.lexicon.expand(piece),
                                   concepts=self.reader.concepts(piece)))
        return out


def split_parts(text: str) -> list[str]:
    """The asks of a question: sentences, and clauses joined by ，、和 / and when both sides hold a question
    word. A piece that asks nothing (a premise: "听说津贴每月 3000 块，") joins the piece after it."""
    pieces = []
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            pieces += _split_clauses(sentence.strip())
    parts: list[str] = []
    carry = ""
    for p in pieces:
        if QUESTION_WORD.search(p) or (FIGURE.search(p) and p is not pieces[-1]):
            parts.append(carry + p)
            carry = ""
        else:
            carry += p
    if carry:
        parts = parts[:-1] + [parts[-1] + carry] if parts else [carry]
    return parts


def _split_clauses(sentence: str) -> list[str]:
    """Clauses that each ask something; also a premise stating a figure ("…每年要培养1000人以上，") before a clause
    that asks something else ("我能不能报名？"), so the figure is checked on its own."""
    cuts = [m for m in _JOIN.finditer(sentence)]
    out, start = [], 0
    for m in cuts:
        left, right = sentence[start:m.start()], sentence[m.end():]
        premise = FIGURE.search(left) and not QUESTION_WORD.search(left) and QUESTION_WORD.search(right) \
            and not _CONFIRM.match(right.strip()) and m.group() in "，,"
        asks_both = QUESTION_WORD.search(left) and QUESTION_WORD.search(right) and len(fold(left)) >= 2 \
            and not _CONFIRM.match(right.strip())
        if asks_both or premise:
            out.append(sentence[start:m.start()].strip(" ，,、"))
            start = m.end()
    out.append(sentence[start:].strip())
    return [p for p in out if p]


def _each(ask: Ask) -> list[Ask]:
    """A list of named figures ("“技能之星”大赛和职工技能运动会分别多久办一次？") is one ask per figure: each is found
    (or found missing) on its own. Comparisons, sums and differences stay one ask over them all."""
    if ask.op is not Op.TARGETS or ask.reduce is not Reduce.LIST or len(ask.entities) < 2 \
            or len(ask.query.years) > 1:  # several years of one figure stay one ask (one figure per year)
        return [ask]
    q = ask.query
    return [Ask(Op.TARGET, replace(q, question=e.question, topic=e.topic, expansions=e.expansions,
                                   concepts=e.concepts, joined=q.joined or i > 0))
            for i, e in enumerate(ask.entities)]


def _merge(asks: list[Ask]) -> list[Ask]:
    """Consecutive row look-ups of one topic ("谁牵头？谁配合？什么时候完成？") become one ask."""
    out: list[Ask] = []
    for ask in asks:
        prev = out[-1] if out else None
        if prev and ask.query.joined and ask.op is Op.ROW and prev.op in (Op.ROW, Op.ROWS):
            prev.query.aspects |= ask.query.aspects  # "…几行任务，分别是哪些单位牵头的？": one list, with leads
            continue
        out.append(ask)
    return out


def _asks_something(q: Query) -> bool:
    """A part worth answering on its own: it names something of the plan or asks something ("你知道吗，…" does not)."""
    return bool(q.known_weight or q.aspects or q.sets - {"any_role", "printed_only"} or q.details or q.units
                or q.years or q.borrowed or q.joined or q.untranslated or q.chat)


def _replace_years(topic: str, years: list[str]) -> str:
    """A follow-up naming a year ("2020年呢？") asks about that year instead of the earlier one."""
    return _YEAR.sub(" ", topic) if years else topic
