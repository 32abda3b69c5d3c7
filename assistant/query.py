"""Reading a question into a query plan: one or more asks, each with the operator that answers it.

The question is normalised first (``assistant.normalize``: width, script, dialect, typos), then split where it
asks several things ("…有什么政策？谁牵头？"), and each part is read: its language, what it asks (aspects), what
it is about (topic and concepts), which units, roles, years, milestones and units of measure it names, and which
details it wants that the plan may not give. A part that cannot stand on its own borrows the topic of the part
before it, or of the previous question (a follow-up, which the answer then names).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum

from assistant.lexicon import Lexicon
from assistant.limits import MAX_QUESTION_CHARS
from assistant.normalize import Normalized, Normalizer
from assistant.records import Units
from assistant.text import fold, language
from assistant.tokenizer import Tokenizer
from assistant.tuning import BORROWED_WEIGHT, PARTIAL_CREDIT, STRONG_TOPIC, WEAK_TOPIC, WEIGHT_SINGLE_CHAR, WEIGHT_UNKNOWN_WORD

# A year is 20xx not followed by a unit of money or count ("2000 元" is an amount, not a year).
_YEAR = re.compile(r"(?<![\d.])(20\d\d)(?![\d.])(?!\s*(?:万|元|块|人|名|个|家|所|%|场|次|项))")
_RANGE = re.compile(r"(20\d\d)\s*[-–—~至到]\s*(20\d\d)")
# A figure the question states: a number with its unit, or a bare number of 3+ digits that is no year ("涨到2500了")
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万元|万人|万|元|块|个人|人|名|个月|个|家|所|%|倍|场|次|项)"
                     r"|(?<![\d.])(?!20\d\d(?!\d))(\d{3,})(?![\d.])()")
_QUOTED = re.compile(r"[“「『\"']([^”」』\"']{2,20})[”」』\"']")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUESTION_WORD = re.compile(r"多[大少久长]|什么|啥|咋|哪|几|怎么|如何|是否|是不是|有没有|能不能|可不可以|会不会|要不要|行不行"
                            r"|谁|吗|吧|呢|对不对"
                            r"|\b(how|what|which|when|who|whom|whose|where|is|are|does|do|can)\b", re.IGNORECASE)
_WHICH = re.compile(r"哪|的那|\bwhich\b|\bwhat is the (highest|largest|lowest|smallest|biggest)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[？?！!。；;])")
_JOIN = re.compile(r"[，,、]|和|并且|另外|还有|以及|同时|\band\b|\balso\b|\bplus\b", re.IGNORECASE)
# Things a comparison names are joined by 和、与 … (a comma separates the question's clauses, not its things).
_ENTITY_SPLIT = re.compile(r"[、]|和|与|跟|及|以及|还是|或者|或|\band\b|\bor\b|\bvs\.?|\bversus\b", re.IGNORECASE)
# "哪个目标高", "哪一项更多": which … is higher / more (max), lower / fewer (min)
_WHICH_MORE = re.compile(r"哪[个一项类种]*[^，,。？?]{0,6}(高|多|大|长)")
_WHICH_LESS = re.compile(r"哪[个一项类种]*[^，,。？?]{0,6}(低|少|小|短)")
# A clause that only asks to confirm the premise before it ("…3000 块，是真的吗？")
# "职业教育方面", "党建那块", "运用互联网这一大块": the question names an area of the plan
_AREA = re.compile(r"方面|那块|这块|那一块|这一块|一大块|部分|板块|领域|那一项|相关的|有关的")
_CONFIRM = re.compile(r"^(这|那)?(是)?(真的)?(吗|吧|对吧|对不对|是不是|是吗|对吗|没错吧|是这样吗|行不行|中不中|好不好|行吗|可以吗)"
                      r"[?？]?$")
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(万元|万人|万|元|块|个人|人|名|个月|家|所|%|倍|场|次|项)")
_REFERS_BACK = re.compile(r"呢[？?]?$|^(那|那么|还有|另外|这个(?!方案|文件|政策)|这项|该项|它|之后|然后|以后|此后)|又|^(and|what about|how about|then)\b"
                          r"|\b(it|its|that|this|they|them|those|these)\b", re.IGNORECASE)


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


@dataclass(frozen=True)
class Concept:
    """One thing the question is about, and the plan's words that count as saying it."""

    word: str
    alternatives: tuple[str, ...]
    weight: float
    known: bool  # the plan (or the lexicon's words for it) uses this word
    parts: tuple[str, ...] = ()  # the words a compound is made of (公共, 实训, 中心), for partial credit


@dataclass
class Query:
    """One part of a question, read."""

    question: str  # the part as the engine reads it (normalised)
    lang: str  # zh | en | mixed
    aspects: set[str]  # lead, cooperating, timeline, number, quantity
    sets: set[str]  # count, list, max, min, each, series, any_role, printed_only
    topic: str  # text to search with
    expansions: list[str]  # the plan's terms for the question's words
    concepts: list[Concept]
    units: list[str]  # canonical unit names mentioned
    roles: list[tuple[str, str]] = field(default_factory=list)  # (unit, lead | cooperating | any)
    years: list[str] = field(default_factory=list)  # years asked about (as written, 2019 …)
    milestone: str | None = None  # 启动, 完成, 全部完成, 全覆盖, 每年, 常态化, 达标
    measure_unit: str | None = None  # %, 家, 万人 …
    details: list = field(default_factory=list)  # lexicon Details asked (money, contact, place)
    places: list[str] = field(default_factory=list)
    unknown_years: list[str] = field(default_factory=list)  # years the plan never mentions
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (number, unit) the question states
    quoted: list[str] = field(default_factory=list)  # names in quotes the plan never prints
    untranslated: list[str] = field(default_factory=list)  # English words the lexicon cannot map
    chat: bool = False  # a request the plan cannot serve (write a poem, the weather)
    area: bool = False  # the question names an area of the plan (…方面, …那块)
    borrowed: str | None = None  # the earlier question (history) this part continues
    joined: bool = False  # the part took its topic from the part before it in the same question

    @property
    def english(self) -> bool:
        return self.lang != "zh"

    @property
    def role(self) -> str:
        """For unit look-ups: lead, cooperating, or any."""
        lead, coop = "lead" in self.aspects, "cooperating" in self.aspects
        return "lead" if lead and not coop else "cooperating" if coop and not lead else "any"

    @property
    def weight(self) -> float:
        return sum(c.weight for c in self.concepts)

    @property
    def known_weight(self) -> float:
        """Weight of the concepts the plan itself speaks of (unknown words say nothing about the plan)."""
        return sum(c.weight for c in self.concepts if c.known)


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
                "milestone": q.milestone, "measure_unit": q.measure_unit, "borrowed": q.borrowed,
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
    def __init__(self, lexicon: Lexicon, units: Units, tokenizer: Tokenizer, normalizer: Normalizer,
                 vocabulary_idf: dict[str, float], plan_years: set[str], plan_text: str, passages: list[str]):
        self.lexicon = lexicon
        self.units = units
        self.tokenizer = tokenizer
        self.normalize = normalizer
        self.idf = vocabulary_idf
        self.plan_years = plan_years
        self._plan = fold(plan_text)
        self._passages = [fold(p) for p in passages]  # sentences and annex rows: what the plan states together
        self._milestone_words = lexicon.milestone_words()
        # the plan's longer words, so that a cue inside one (最低 in 最低工资标准) is not read as a cue
        self._terms = sorted({w for w in [*normalizer.vocabulary, *lexicon.synonyms] if len(w) >= 3},
                             key=len, reverse=True)
        self._phrase_keys = sorted((k for k in lexicon.synonyms if len(k) >= 2), key=len, reverse=True)
        cue = lexicon.cue_matcher()
        self._cue_terms = [w for w in self._terms if cue.find(w) and not cue.remove(w).isspace()]

    # --- the plan -------------------------------------------------------------------------------
    def plan(self, question: str, history: list[str] | None = None) -> QueryPlan:
        """Read a question (and, for follow-ups, the turns before it) into asks."""
        normalized = self.normalize(question[:MAX_QUESTION_CHARS])
        previous = self._previous(history or [])
        asks: list[Ask] = []
        for part in split_parts(normalized.text):
            q = self.read(part)
            before = asks[-1].query if asks else previous
            if before is not None:
                q = self._continue(q, before, from_history=not asks)
            asks.append(self._ask(q))
        asks = _merge([a for a in asks if _asks_something(a.query)] or asks[-1:]) \
            or [self._ask(self.read(normalized.text))]
        return QueryPlan(question, normalized, language(normalized.text), asks)

    def _previous(self, history: list[str]) -> Query | None:
        """The last earlier question's last ask, itself read against the (at most two) turns before it."""
        turns = [t for t in history[-3:] if isinstance(t, str) and t.strip()]
        if not turns:
            return None
        last = self.plan(turns[-1], turns[:-1]).asks[-1].query
        return replace(last, question=turns[-1]) if last.borrowed is None else last

    # --- one part -------------------------------------------------------------------------------
    def read(self, part: str) -> Query:
        topic = part
        quoted = [t for t in _QUOTED.findall(part) if _CJK.search(t) and fold(t) not in self._plan]
        explicit = [y for y in _YEAR.findall(_RANGE.sub(" ", part))] + [y for r in _RANGE.findall(part) for y in r]
        return Query(
            question=part, lang=language(part), aspects=self._aspects(part), sets=self._sets(part),
            topic=topic, expansions=self.lexicon.expand(topic), concepts=self._concepts(topic),
            units=self.units.find(part), roles=self._roles(part), years=_years(part),
            milestone=self.lexicon.milestone(part), measure_unit=self.lexicon.measure_unit(part),
            details=self.lexicon.asked_details(part), places=self.lexicon.places(part),
            unknown_years=[y for y in dict.fromkeys(explicit) if y not in self.plan_years], chat=self.lexicon.chat(part),
            area=bool(_AREA.search(part)),
            numbers=[(a or b, u) for a, u, b, _ in _NUMBER.findall(part)], quoted=quoted,
            untranslated=self._untranslated(topic))

    def _term_spans(self, text: str) -> list[tuple[int, int]]:
        """Non-overlapping spans of the plan's longer words (3+ characters) holding a cue word, longest first."""
        taken: list[tuple[int, int]] = []
        for w in self._cue_terms:
            start = text.find(w)
            while start >= 0:
                end = start + len(w)
                if not any(a < end and start < b for a, b in taken):
                    taken.append((start, end))
                start = text.find(w, end)
        return sorted(taken)

    def _sets(self, part: str) -> set[str]:
        sets = self.lexicon.set_words(self._without_terms(part))
        if _WHICH_MORE.search(part):
            sets.add("max")
        elif _WHICH_LESS.search(part):
            sets.add("min")
        return sets

    def _aspects(self, part: str) -> set[str]:
        """What the part asks; a figure stated with no question word is a premise to check, so it asks a number."""
        aspects = self.lexicon.aspects(part)
        if _FIGURE.search(part) and not _QUESTION_WORD.search(part):
            aspects.add("number")
        return aspects

    def _without_terms(self, text: str) -> str:
        for w in self._terms:
            if w in text:
                text = text.replace(w, " ")
        return text

    def topic_words(self, text: str) -> list[str]:
        """Content words of a text: cue words, unit names and stopwords removed. A cue inside one of the plan's
        longer words is part of that word (最低 of 最低工资标准 stays)."""
        kept, last, pieces = self._term_spans(text), 0, []
        for a, b in kept:
            pieces += [self.lexicon.topic(text[last:a]), " ", text[a:b], " "]
            last = b
        text = "".join(pieces) + self.lexicon.topic(text[last:])
        for u in self.units.find(text):
            for s in (*self.units.units[u].printed, *self.units.units[u].aliases):
                text = text.replace(s, " ")
        return self.tokenizer.words(text)

    def _concepts(self, text: str) -> list[Concept]:
        """Chinese content words, plus English phrases the lexicon can translate; an English word it cannot
        translate is left to the dense model."""
        concepts = []
        for phrase in self.lexicon.english.find(text):
            alts = tuple(self.lexicon.expand(phrase))
            weight = max((self.idf.get(t, 0.0) for a in alts for t in self.tokenizer.words(a)), default=0.0)
            concepts.append(Concept(phrase, alts, weight or 1.0, True))
        places = set(self.lexicon.places(text))
        phrases, text = self._phrases(text)
        concepts += phrases
        for w in dict.fromkeys(self.topic_words(text)):
            if w.isascii() and w.isalpha():
                continue  # English words: covered by the phrases above or judged by the dense model
            if w in places or any(w.startswith(p) and len(w) <= len(p) + 1 for p in places):
                continue  # 宁波, 宁波市: a place is checked on its own (findings), it is not what is asked about
            alts = (w, *self.lexicon.expand_word(w, self.tokenizer.is_word))
            if (len(w) == 1 or re.fullmatch(r"[\d.]+", w)) and len(alts) == 1:
                weight, known = WEIGHT_SINGLE_CHAR, False  # 大, 进, 2025: too common to say what it is about
            elif w in self.idf:
                weight, known = self.idf[w], True
            elif len(alts) > 1:  # a colloquial word: as specific as the plan's words for it
                weight = max((self.idf.get(t, 0.0) for a in alts[1:] for t in self.tokenizer.words(a)),
                             default=0.0) or 1.0
                known = True
            else:
                weight, known = WEIGHT_UNKNOWN_WORD, fold(w) in self._plan  # a word the plan never uses
            parts = tuple(p for p in self.tokenizer(w) if p != w and len(p) >= 2) if len(w) >= 4 else ()
            concepts.append(Concept(w, alts, weight, known, parts))
        return concepts

    def _phrases(self, text: str) -> tuple[list[Concept], str]:
        """Colloquial phrases the lexicon knows that span several words ("喂娃" = 喂 + 娃 → 母婴室), as concepts of
        their own, and the text without them. A phrase must start and end where words do (老师 is not read inside
        老师傅)."""
        bounds, at = {0}, 0
        for token in self.tokenizer.segment(text):
            at += len(token)
            bounds.add(at)
        concepts, taken = [], [False] * len(text)
        for key in self._phrase_keys:
            start = text.find(key)
            while start >= 0:
                end = start + len(key)
                if start in bounds and end in bounds and not any(taken[start:end]) \
                        and not self.tokenizer.is_word(key):
                    taken[start:end] = [True] * len(key)
                    alts = tuple(self.lexicon.synonyms[key])
                    weight = max((self.idf.get(t, 0.0) for a in alts for t in self.tokenizer.words(a)), default=0.0)
                    concepts.append(Concept(key, (key, *alts), weight or 1.0, True))
                start = text.find(key, end)
        rest = "".join(" " if t else ch for ch, t in zip(text, taken))
        return concepts, rest

    def _untranslated(self, text: str) -> list[str]:
        """English content words no lexicon phrase covers: only the dense model can read them."""
        phrases = " ".join(self.lexicon.english.find(text)).lower()
        return [w for w in self.topic_words(text) if w.isascii() and w.isalpha() and w not in phrases]

    def _roles(self, part: str) -> list[tuple[str, str]]:
        """Each unit named with the role the words next to it give (牵头 → lead, 配合 → cooperating, 参与 →
        any); a unit with no role word of its own takes the role of the next one ("A 和 B 都配合")."""
        mentions = self.units.mentions(part)
        mentions = [m for k, m in enumerate(mentions) if m[2] not in {x[2] for x in mentions[:k]}]  # 市人社局（市人力社保局）
        roles: list[str | None] = []
        for k, (_, end, _) in enumerate(mentions):
            gap = part[end: mentions[k + 1][0] if k + 1 < len(mentions) else len(part)]
            roles.append(self._role_in(gap))
        for k in range(len(roles) - 2, -1, -1):
            if roles[k] is None:
                roles[k] = roles[k + 1]
        before = self._role_in(part[: mentions[0][0]]) if mentions else None  # "由谁牵头…": role word first
        return [(unit, role or before or "any") for (_, _, unit), role in zip(mentions, roles)]

    def _role_in(self, text: str) -> str | None:
        aspects = self.lexicon.aspects(text)
        if "any_role" in self.lexicon.set_words(text) or {"lead", "cooperating"} <= aspects:
            return "any"
        return "lead" if "lead" in aspects else "cooperating" if "cooperating" in aspects else None

    # --- how a part continues what came before ---------------------------------------------------
    def _continue(self, q: Query, before: Query, from_history: bool) -> Query:
        """How a part continues what came before it (the previous part, or the previous question):
        - no topic of its own ("谁牵头？", "2020年呢？", "什么时候完成？"): it borrows the topic before it;
        - it asks something about a topic too weak to stand alone — within one question any such part
          ("…2500元，啥时候开始执行？"), after an earlier question one that points back ("那…", "…呢", "又", "it")
          or that the plan states together with the earlier topic ("每年新建几家？"): it borrows the topic;
        - it points back and asks nothing ("那青年技能大赛呢？"): it keeps its topic and borrows what was asked;
        - anything else stands on its own, whatever came before."""
        if before.known_weight == 0 and not before.units:
            return q  # nothing of the plan to continue ("What's the capital of France?")
        own = self._own_weight(q)
        back = bool(_REFERS_BACK.search(q.question.strip()))
        borrowed = before.question if from_history else None
        asks = bool(q.aspects or q.details)
        if from_history:  # "每年新建几家？" after 市级技能大师工作室: the plan states the two together
            weak = own < STRONG_TOPIC and (back or self._together(self.subject(q), self.subject(before)))
        else:  # within one question, a part asking something with a weak topic continues the part before
            weak = own < (STRONG_TOPIC if back else WEAK_TOPIC)
        if not q.units and (own == 0 or (asks and weak)):
            topic = _replace_years(before.topic, q.years) + " " + q.question
            own_words = {c.word for c in q.concepts}
            concepts = q.concepts + [replace(c, weight=c.weight * BORROWED_WEIGHT) for c in self._concepts(topic)
                                     if c.word not in own_words]
            return replace(q, topic=topic, expansions=self.lexicon.expand(topic), concepts=concepts,
                           measure_unit=q.measure_unit or before.measure_unit,
                           aspects=q.aspects or before.aspects, sets=q.sets or before.sets,
                           units=before.units, roles=q.roles or before.roles, years=q.years or before.years,
                           milestone=q.milestone or before.milestone, borrowed=borrowed,
                           joined=not from_history, untranslated=self._untranslated(topic))
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

    def subject(self, q: Query) -> list[Concept]:
        """What a part is about by its own words: the plan's concepts, leaving out milestone words (完成, 启动,
        覆盖 of 全覆盖 …), which say when, not what."""
        cue = q.milestone or ""
        return [c for c in q.concepts if c.known and c.word not in cue
                and not all(a in self._milestone_words for a in c.alternatives)]

    def _own_weight(self, q: Query) -> float:
        return sum(c.weight for c in self.subject(q))

    # --- which operator answers a part ----------------------------------------------------------
    def _ask(self, q: Query) -> Ask:
        roles = {"lead", "cooperating"} & q.aspects
        sets = q.sets
        reduce = Reduce.SUM if "sum" in sets else Reduce.DIFF if "difference" in sets else \
            Reduce.COUNT if "count" in sets else Reduce.MAX if "max" in sets else \
            Reduce.MIN if "min" in sets else Reduce.LIST
        own = self._own_weight(q)
        if q.units and (roles or sets & {"list", "count", "any_role"}) and \
                (own == 0 or sets & {"list", "count"} or len(q.units) > 1):
            return Ask(Op.ROWS, q, reduce if reduce is Reduce.COUNT else Reduce.LIST)
        comparing = sets & {"max", "min", "each", "sum", "difference"} or \
            ("list" in sets and {"number", "quantity"} & q.aspects)
        entities = self._entities(q) if comparing and not roles else []
        which = bool(_WHICH.search(q.question))  # "哪个最多" compares; "最长能领多久" does not
        if not roles and (len(entities) > 1 or (sets & {"max", "min"} and which) or sets & {"sum", "difference"}):
            return Ask(Op.TARGETS, q, reduce, entities)  # "首席工人和技术能手哪个多", "…加起来一共多少个"
        specific = max((c.weight for c in self.subject(q)), default=0.0) >= WEAK_TOPIC
        slice_ = (q.years or q.milestone) and sets & {"list", "each"} and not roles \
            and (not specific or q.area)  # "母婴室…哪些地方…全覆盖" asks about 母婴室, not a slice of the annex
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
        return Ask(Op.CLAUSE, q)

    def _entities(self, q: Query) -> list[Query]:
        """The figures a comparison names ("首席工人和技术能手哪个多"): each piece between 和、，与 … that has a
        topic of its own."""
        pieces = [p.strip() for p in _ENTITY_SPLIT.split(q.question) if p and p.strip()]
        out = []
        for piece in pieces:
            concepts = [c for c in self._concepts(piece) if c.known and c.word not in self._milestone_words]
            if concepts and sum(c.weight for c in concepts) >= WEAK_TOPIC / 2:
                out.append(replace(q, question=piece, topic=piece, expansions=self.lexicon.expand(piece),
                                   concepts=self._concepts(piece)))
        return out


def coverage(query: Query, text: str) -> float:
    """Weighted share of the question's concepts that ``text`` states (any alternative counts). A compound the
    text does not state whole earns part of its weight for the parts it does state (公共实训中心 in
    区域性公共实训基地: 公共, 实训). A question with no concepts is covered by nothing."""
    total = query.weight
    if total == 0:
        return 0.0
    folded = fold(text)
    got = 0.0
    for c in query.concepts:
        if any(fold(a) in folded for a in c.alternatives):
            got += c.weight
        elif c.parts:
            got += c.weight * PARTIAL_CREDIT * sum(len(p) for p in c.parts if fold(p) in folded) / len(c.word)
    return got / total


def covered(query: Query, text: str) -> set[Concept]:
    """The question's concepts that ``text`` states."""
    folded = fold(text)
    return {c for c in query.concepts if any(fold(a) in folded for a in c.alternatives)}


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
        if _QUESTION_WORD.search(p) or (_FIGURE.search(p) and p is not pieces[-1]):
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
        premise = _FIGURE.search(left) and not _QUESTION_WORD.search(left) and _QUESTION_WORD.search(right) \
            and not _CONFIRM.match(right.strip()) and m.group() in "，,"
        asks_both = _QUESTION_WORD.search(left) and _QUESTION_WORD.search(right) and len(fold(left)) >= 2 \
            and not _CONFIRM.match(right.strip())
        if asks_both or premise:
            out.append(sentence[start:m.start()].strip(" ，,、"))
            start = m.end()
    out.append(sentence[start:].strip())
    return [p for p in out if p]


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


def _years(text: str) -> list[str]:
    years = [y for y in _YEAR.findall(text)]
    for a, b in _RANGE.findall(text):
        years += [str(y) for y in range(int(a), int(b) + 1)]
    return list(dict.fromkeys(years))


def _replace_years(topic: str, years: list[str]) -> str:
    """A follow-up naming a year ("2020年呢？") asks about that year instead of the earlier one."""
    return _YEAR.sub(" ", topic) if years else topic
