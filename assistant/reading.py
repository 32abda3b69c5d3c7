"""Reading one part of a question: what it asks (aspects, set words), what it is about (concepts, each weighted
by how specific it is), which units and roles, years, milestones, units of measure, places and figures it names,
and which details it wants that the plan may not give. Also how much of a part a text states (``coverage``).

The part has been normalised already (``assistant.normalize``); splitting a question into parts and deciding how
each is answered is ``assistant.query``'s job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.lexicon import Lexicon
from assistant.records import Units
from assistant.text import fold, language
from assistant.tokenizer import Tokenizer
from assistant.tuning import PARTIAL_CREDIT, WEIGHT_SINGLE_CHAR, WEIGHT_UNKNOWN_WORD

# A year is 20xx not followed by a unit of money or count ("2000 元" is an amount, not a year).
_YEAR = re.compile(r"(?<![\d.])(20\d\d)(?![\d.])(?!\s*(?:万|元|块|人|名|个|家|所|%|场|次|项))")
_RANGE = re.compile(r"(20\d\d)\s*[-–—~至到]\s*(20\d\d)")
# A figure the question states: a number with its unit, or a bare number of 3+ digits that is no year ("涨到2500了")
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万元|万人|万|元|块|个人|人|名|个月|个|家|所|%|倍|场|次|项)"
                     r"|(?<![\d.])(?!20\d\d(?!\d))(\d{3,})(?![\d.])()")
FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(万元|万人|万|元|块|个人|人|名|个月|家|所|%|倍|场|次|项)")
_QUOTED = re.compile(r"[“「『\"']([^”」』\"']{2,20})[”」』\"']")
_CJK = re.compile(r"[\u4e00-\u9fff]")
QUESTION_WORD = re.compile(r"多[大少久长]|什么|啥|咋|哪|几|怎么|如何|是否|是不是|有没有|能不能|可不可以|会不会|要不要|行不行"
                           r"|谁|吗|吧|呢|对不对"
                           r"|\b(how|what|which|when|who|whom|whose|where|is|are|does|do|can)\b", re.IGNORECASE)
# "哪个目标高", "哪一项更多": which … is higher / more (max), lower / fewer (min)
_WHICH_MORE = re.compile(r"哪[个一项类种]*[^，,。？?]{0,6}(高|多|大|长)")
_WHICH_LESS = re.compile(r"哪[个一项类种]*[^，,。？?]{0,6}(低|少|小|短)")
# References to the plan's own numbering: 措施17, 第17条, 正文第17条, measure 17; 附件第17项, annex item 17
_MEASURE_REF = re.compile(r"措施\s*(\d{1,2})|(?:正文)?第\s*(\d{1,2})\s*条|measure\s+(\d{1,2})", re.IGNORECASE)
_ITEM_REF = re.compile(r"附件[里中的]?\s*第?\s*(\d{1,2})\s*项|annex\s+item\s+(\d{1,2})", re.IGNORECASE)
# One task of an annex item by its place in the item: 附件第9项的第1条 (a9.1)
_ROW_REF = re.compile(r"附件[里中的]?\s*第?\s*(\d{1,2})\s*项\s*(?:的|里|中|里面|中的)?\s*第\s*(\d{1,2})\s*(?:条|行|个|项)")
# A bare ordinal opening a part ("第2条的配合单位呢？"): after a question about an annex item, that item's task
_ORDINAL = re.compile(r"^(?:那|那么)?\s*第\s*(\d{1,2})\s*(?:条|行|个)")
# A body named the way the plan names its units (市公安局, 市民政局): if the plan does not list it, it is not in the plan
_UNIT_LIKE = re.compile(r"市[\u4e00-\u9fff]{1,6}?(?:局|常委会|委员会|委|办公室|办|中心)")
# "职业教育方面", "党建那块", "运用互联网这一大块": the question names an area of the plan
# Things the question rules out of a set: "除了X", "不包括X", "X不算" (X: up to the next punctuation)
_EXCLUDED = re.compile(r"(?:除了|除去|不包括|不含|不算)([^，,。？?！!、；;]{2,20})|([^，,。？?！!、；;]{2,20}?)(?:不算|除外)")
_AREA = re.compile(r"方面|那块|这块|那一块|这一块|一大块|部分|板块|领域|那一项|相关的|有关的")


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
    milestones: tuple[str, ...] = ()  # 启动, 完成, 全部完成, 全覆盖, 每年, 常态化, 达标, 制定方案 (any of them)
    not_milestones: tuple[str, ...] = ()  # milestones ruled out: "不是“常态化开展”那种"
    excluded: list[str] = field(default_factory=list)  # things ruled out of a set: "人才培养标准不算"
    measure_unit: str | None = None  # %, 家, 万人 …
    details: list = field(default_factory=list)  # lexicon Details asked (money, contact, place)
    places: list[str] = field(default_factory=list)
    unknown_years: list[str] = field(default_factory=list)  # years the plan never mentions
    numbers: list[tuple[str, str]] = field(default_factory=list)  # (number, unit) the question states
    quoted: list[str] = field(default_factory=list)  # names in quotes the plan never prints
    untranslated: list[str] = field(default_factory=list)  # English words the lexicon cannot map
    chat: bool = False  # a request the plan cannot serve (write a poem, the weather)
    refs: list[str] = field(default_factory=list)  # measures and annex items named by number: m17, item17
    unknown_units: list[str] = field(default_factory=list)  # bodies named like units the plan never lists
    area: bool = False  # the question names an area of the plan (…方面, …那块)
    borrowed: str | None = None  # the earlier question (history) this part continues
    joined: bool = False  # the part took its topic from the part before it in the same question

    @property
    def milestone(self) -> str | None:
        """The first milestone named, if any."""
        return self.milestones[0] if self.milestones else None

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


class Reader:
    """Reads one part of a question into a ``Query``.

    Args:
        lexicon, units, tokenizer: the query vocabulary, the unit alias table, the plan's tokenizer.
        vocabulary_idf: each word's weight (how specific it is to the plan, and in Chinese at large).
        plan_years: the years the plan names, a printed range (2021-2025) naming each year in it (any other year
            asked about is one it never mentions).
        plan_text: the plan itself (a quoted name it never prints is one it never names).
        vocabulary: the plan's own words (a cue inside one of them is part of the word).
    """

    def __init__(self, lexicon: Lexicon, units: Units, tokenizer: Tokenizer, vocabulary_idf: dict[str, float],
                 plan_years: set[str], plan_text: str, vocabulary: dict[str, int]):
        self.lexicon = lexicon
        self.units = units
        self.tokenizer = tokenizer
        self.idf = vocabulary_idf
        self.plan_years = plan_years
        self._plan = fold(plan_text)
        self.milestone_words = lexicon.milestone_words()
        # the plan's longer words, so that a cue inside one (最低 in 最低工资标准) is not read as a cue
        self._terms = sorted({w for w in [*vocabulary, *lexicon.synonyms] if len(w) >= 3}, key=len, reverse=True)
        self._phrase_keys = sorted((k for k in lexicon.synonyms if len(k) >= 2), key=len, reverse=True)
        cue = lexicon.cue_matcher()
        self._cue_terms = [w for w in self._terms if cue.find(w) and not cue.remove(w).isspace()]

    def read(self, part: str) -> Query:
        topic = part
        quoted = [t for t in _QUOTED.findall(part) if _CJK.search(t) and fold(t) not in self._plan]
        explicit = named_years(part)
        return Query(
            question=part, lang=language(part), aspects=self._aspects(part), sets=self._sets(part),
            topic=topic, expansions=self.lexicon.expand(topic), concepts=self.concepts(topic),
            units=self.units.find(part), roles=self._roles(part), years=years_in(part),
            milestones=tuple(self.lexicon.milestones(part)),
            not_milestones=tuple(self.lexicon.milestones(part, negated=True)), measure_unit=self.lexicon.measure_unit(part),
            details=self.lexicon.asked_details(part), places=self.lexicon.places(part),
            unknown_years=[y for y in dict.fromkeys(explicit) if y not in self.plan_years], chat=self.lexicon.chat(part),
            area=bool(_AREA.search(part)),
            numbers=[(a or b, u) for a, u, b, _ in _NUMBER.findall(_ITEM_REF.sub(" ", _MEASURE_REF.sub(" ", part)))],
            quoted=quoted, refs=_refs(part), unknown_units=self._unknown_units(part),
            excluded=[a or b for a, b in _EXCLUDED.findall(part)],
            untranslated=self.untranslated(topic))

    def concepts(self, text: str) -> list[Concept]:
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
            if (len(w) == 1 or re.fullmatch(r"[\d.]+%?", w)) and len(alts) == 1:
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

    def untranslated(self, text: str) -> list[str]:
        """English content words no lexicon phrase covers: only the dense model can read them."""
        phrases = " ".join(self.lexicon.english.find(text)).lower()
        return [w for w in self.topic_words(text) if w.isascii() and w.isalpha() and w not in phrases]

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

    def _without_terms(self, text: str) -> str:
        for w in self._terms:
            if w in text:
                text = text.replace(w, " ")
        return text

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
        if FIGURE.search(part) and not QUESTION_WORD.search(part):
            aspects.add("number")
        return aspects

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

    def _unknown_units(self, part: str) -> list[str]:
        """Names shaped like the plan's units (市公安局) that no unit of the plan has."""
        known = [(a, b) for a, b, _ in self.units.mentions(part)]
        return [m.group() for m in _UNIT_LIKE.finditer(part)
                if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in known)]

    def subject(self, q: Query) -> list[Concept]:
        """What a part is about by its own words: the plan's concepts, leaving out milestone words (完成, 启动,
        覆盖 of 全覆盖 …), which say when, not what."""
        cue = "".join(q.milestones)
        return [c for c in q.concepts if c.known and c.word not in cue
                and not all(a in self.milestone_words for a in c.alternatives)]

    def own_weight(self, q: Query) -> float:
        return sum(c.weight for c in self.subject(q))


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


def _refs(text: str) -> list[str]:
    """The annex tasks (a9.1), measures (m17) and annex items (item17) a part names by number."""
    rows = [f"a{a}.{b}" for a, b in _ROW_REF.findall(text)]
    text = _ROW_REF.sub(" ", text)
    refs = rows + [f"m{a or b or c}" for a, b, c in _MEASURE_REF.findall(text)]
    refs += [f"item{a or b}" for a, b in _ITEM_REF.findall(_MEASURE_REF.sub(" ", text))]
    return list(dict.fromkeys(refs))


def ordinal_row(part: str, before_refs: list[str]) -> str | None:
    """"第2条…呢" after a question naming an annex item (or one of its tasks): that item's second task."""
    m = _ORDINAL.match(part.strip())
    item = next((r[4:] if r.startswith("item") else r[1:].split(".")[0] for r in reversed(before_refs)
                 if r.startswith("item") or (r.startswith("a") and "." in r)), None)
    return f"a{item}.{m.group(1)}" if m and item else None


def named_years(text: str) -> list[str]:
    """The years a text writes out: a range's two ends, not the years between them ("从2019到2025年")."""
    return [*_YEAR.findall(_RANGE.sub(" ", text)), *(y for r in _RANGE.findall(text) for y in r)]


def years_in(text: str) -> list[str]:
    """The years a text names, a range ("2021-2025", "2021到2025年") counting every year inside it."""
    years = [y for y in _YEAR.findall(text)]
    for a, b in _RANGE.findall(text):
        years += [str(y) for y in range(int(a), int(b) + 1)]
    return list(dict.fromkeys(years))
