"""Reading a question: its language, what it asks (route and aspects), what it is about (topic),
which units it names, and which details it wants that the plan may not give.

Follow-ups ("那配合单位呢？", "and by when?") borrow the topic, or the aspects, of earlier turns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from assistant.lexicon import Lexicon
from assistant.records import Units
from assistant.text import fold, language
from assistant.tokenizer import Tokenizer
from assistant.limits import MAX_QUESTION_CHARS
from assistant.tuning import (SHORT_FOLLOW_UP_CHARS, SHORT_FOLLOW_UP_WORDS, WEAK_TOPIC, WEIGHT_SINGLE_CHAR,
                              WEIGHT_UNKNOWN_WORD)

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
_QUESTION_WORD = re.compile(r"多[大少久长]|什么|啥|哪|几|怎么|如何|是否|\b(how|what|which|when|who|whom)\b", re.IGNORECASE)


class Route(str, Enum):
    RESPONSIBILITY = "responsibility"  # lead / cooperating units / timeline of a task → annex rows
    UNIT_LOOKUP = "unit_lookup"  # every task a unit leads or cooperates on → the full list
    TARGET = "target"  # numbers → the target register
    POLICY = "policy"  # what the plan says → best sentences of the best clauses


@dataclass(frozen=True)
class Concept:
    """One thing the question is about, and the plan's words that count as saying it."""

    word: str
    alternatives: tuple[str, ...]
    weight: float


@dataclass
class Query:
    question: str  # as asked (squashed)
    lang: str  # zh | en | mixed
    route: Route
    aspects: set[str]
    topic: str  # text to search with
    expansions: list[str]  # the plan's terms for the question's words
    concepts: list[Concept]
    units: list[str]  # canonical unit names mentioned
    details: list = field(default_factory=list)  # lexicon Details asked
    places: list[str] = field(default_factory=list)
    unknown_years: list[str] = field(default_factory=list)  # years the plan never mentions
    follow_up: bool = False
    untranslated: list[str] = field(default_factory=list)  # English words the lexicon cannot map

    @property
    def english(self) -> bool:
        return self.lang != "zh"

    @property
    def role(self) -> str:
        """For unit look-ups: lead, cooperating, or any."""
        lead, coop = "lead" in self.aspects, "cooperating" in self.aspects
        return "lead" if lead and not coop else "cooperating" if coop and not lead else "any"


class QueryParser:
    def __init__(self, lexicon: Lexicon, units: Units, tokenizer: Tokenizer, vocabulary_idf: dict[str, float],
                 plan_years: set[str]):
        self.lexicon = lexicon
        self.units = units
        self.tokenizer = tokenizer
        self.idf = vocabulary_idf
        self.max_idf = max(vocabulary_idf.values(), default=1.0)
        self.plan_years = plan_years

    def topic_words(self, text: str) -> list[str]:
        """Content words of a text: cue words, unit names and stopwords removed."""
        text = self.lexicon.topic(text)
        for u in self.units.find(text):
            for s in (*self.units.units[u].printed, *self.units.units[u].aliases):
                text = text.replace(s, " ")
        return self.tokenizer.words(text)

    def _concepts(self, text: str) -> list[Concept]:
        """Chinese content words, plus English phrases the lexicon can translate; an English word
        it cannot translate is left to the dense model."""
        concepts = []
        for phrase in self.lexicon.english.find(text):
            alts = tuple(self.lexicon.expand(phrase))
            weight = max((self.idf.get(t, 0.0) for a in alts for t in self.tokenizer.words(a)), default=0.0)
            concepts.append(Concept(phrase, alts, weight or 1.0))
        for w in dict.fromkeys(self.topic_words(text)):
            if w.isascii() and w.isalpha():
                continue  # English words: covered by the phrases above or judged by the dense model
            alts = (w, *self.lexicon.expand(w))
            if w in self.idf:
                weight = self.idf[w]
            elif len(w) == 1 or w.isdigit():
                weight = WEIGHT_SINGLE_CHAR
            elif len(alts) > 1:  # a colloquial word: as specific as the plan's words for it
                weight = max((self.idf.get(t, 0.0) for a in alts[1:] for t in self.tokenizer.words(a)),
                             default=0.0) or 1.0
            else:
                weight = WEIGHT_UNKNOWN_WORD
            concepts.append(Concept(w, alts, weight))
        return concepts

    def _untranslated(self, text: str) -> list[str]:
        """English content words no lexicon phrase covers: only the dense model can read them."""
        phrases = " ".join(self.lexicon.english.find(text)).lower()
        return [w for w in self.topic_words(text) if w.isascii() and w.isalpha() and w not in phrases]

    def parse(self, question: str, history: list[str] | None = None) -> Query:
        question = question[:MAX_QUESTION_CHARS]
        aspects = self.lexicon.aspects(question)
        words = self.topic_words(question)
        topic, follow_up = question, False
        previous = self._resolve_history(history or [])
        if previous is not None:
            short = len(fold(question)) <= SHORT_FOLLOW_UP_CHARS if language(question) == "zh" \
                else len(question.split()) <= SHORT_FOLLOW_UP_WORDS
            refers_back = short and (bool(self.lexicon.follow_up.find(question)) or "呢" in question)
            weak_topic = sum(c.weight for c in self._concepts(question)) < WEAK_TOPIC \
                and not self.units.find(question)  # "市总工会牵头哪些任务？" stands on its own
            asks = bool(_QUESTION_WORD.search(question))  # "那到2025年要推广到多大范围？" asks about the old topic
            if refers_back and not aspects - {"list"} and not weak_topic and not asks:  # "那尘肺病呢？": new topic
                aspects, follow_up = previous.aspects, True
            elif weak_topic or (refers_back and aspects):  # "那配合单位呢？", "什么时候完成？": same topic
                topic, follow_up = f"{previous.topic} {question}", True
                aspects = aspects or previous.aspects
        own_units = self.units.find(question)
        units = own_units or (self.units.find(topic) if follow_up else [])
        query = Query(
            question=question, lang=language(question), route=Route.POLICY, aspects=aspects,
            topic=topic, expansions=self.lexicon.expand(topic), concepts=self._concepts(topic),
            units=units, details=self.lexicon.asked_details(question),
            places=self.lexicon.places.find(topic),
            unknown_years=[y for y in _YEAR.findall(question) if y not in self.plan_years],
            follow_up=follow_up, untranslated=self._untranslated(topic))
        query.route = self._route(query, bool(words), bool(own_units))
        return query

    def _resolve_history(self, history: list[str]) -> Query | None:
        """The last earlier question, itself resolved against the (at most two) turns before it."""
        turns = [t for t in history[-3:] if isinstance(t, str) and t.strip()]
        return self.parse(turns[-1], turns[:-1]) if turns else None

    @staticmethod
    def _route(q: Query, has_topic: bool, names_unit: bool) -> Route:
        roles = {"lead", "cooperating"} & q.aspects
        if names_unit and (roles or "list" in q.aspects) and (
                not has_topic or ("list" in q.aspects and roles)):
            return Route.UNIT_LOOKUP
        if roles:
            return Route.RESPONSIBILITY
        if {"number", "quantity"} & q.aspects:
            return Route.TARGET
        if "timeline" in q.aspects:
            return Route.RESPONSIBILITY
        return Route.POLICY
