"""Whether evidence answers a question, and what it leaves unanswered.

- ``supported``: the cited text states the question's concepts (coverage), or — for a quote of what the plan says,
  never for a unit's name or a figure — the dense model finds it the closest passage in meaning;
- ``names``: a figure answers only a question that names what it measures;
- ``unmet``: details the plan often leaves open (an amount, how to apply, another place, a name in quotes, a year
  it never names, a figure the question states) must be in the evidence, next to what was asked about;
- ``premises``: what a found answer must still correct;
- ``off_topic``: nothing of the plan in the question and no passage close in meaning.
"""
from __future__ import annotations

import re

from assistant.operators import metric_name, same_family
from assistant.reading import Query, coverage, named_years, years_in
from assistant.records import AnnexRow, Target, Units
from assistant.search import Hit
from assistant.text import fold
from assistant.tuning import METRIC_NAMED, WEIGHT_UNKNOWN_WORD, Thresholds

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Units of a number that say what kind of figure it is: a question's "3000 块" is corrected by a figure in 元.
UNIT_CLASS = {"万元": "money", "元": "money", "块": "money", "万人": "people", "万": "people", "人": "people",
              "个人": "people", "名": "people", "个月": "months", "个": "count", "家": "count", "所": "count",
              "场": "count", "次": "count", "项": "count", "%": "percent", "倍": "times"}
_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(万元|万人|万|元|人次|个人|人|名|个月|个|家|所|%|倍|场次|场|次|项)")

Why = tuple[str, str]  # (zh, en): a detail the plan does not give


class Judge:
    """Args:
        units: the unit alias table (any spelling → one name).
        subject: what a query is about by its own words (``Reader.subject``).
        words, idf, terms: the tokenizer's words of a text, each word's weight, and the plan's programme names
            (to tell what a figure measures).
        details: the lexicon's details a question may ask (money, contact), with the words an amount must
            stand next to.
        thresholds: coverage and dense-similarity levels that decide ``found`` (``assistant.tuning``).
    """

    def __init__(self, units: Units, subject, words, idf: dict[str, float], terms: frozenset[str], details: list,
                 thresholds: Thresholds = Thresholds()):
        self.units = units
        self.subject = subject
        self.words = words
        self.idf = idf
        self.terms = terms
        self._details = details
        self.t = thresholds

    def supported(self, q: Query, evidence: str, hits: list[Hit], source: str, meaning: bool = False) -> bool:
        """The evidence states the question's concepts. With ``meaning`` (a quote of what the plan says, never a
        unit's name or a figure), it may also be the passage the dense model finds closest in meaning, above
        ``dense_support``, while it states part of the concepts (a paraphrase shares few words)."""
        cov = coverage(q, evidence)
        if cov >= self.t.coverage_found:
            return True
        if not meaning or not any(h.dense for h in hits):
            return False
        closest = max(hits, key=lambda h: h.dense)
        return closest.passage.parent == source and closest.dense >= self.t.dense_support \
            and cov >= self.t.coverage_with_dense

    def names(self, q: Query, target: Target, figure: str) -> bool:
        """Whether the question asks about what a figure measures: most of the figure's metric (by word weight)
        is in the question. Asked about 最低工资标准 "每月多少钱", the 岗位津贴 amount is not named; asked about 青年
        技能大赛, the 技能之星 period is not. A question asking for a unit (百分之几, 多少钱) is not answered by a
        figure in another (a date, a count)."""
        if q.measure_unit and not any(same_family(q.measure_unit, u) for u in (target.unit,) if u):
            return False
        asked = fold(" ".join([q.topic, *q.expansions, *(a for c in q.concepts for a in c.alternatives)]))
        words = [w for w in self.words(metric_name(target.metric)) if len(w) > 1]
        weights = [self.idf.get(w, WEIGHT_UNKNOWN_WORD) for w in words]
        if not words:
            return True
        named = [w for w in words if fold(w) in asked]
        share = sum(wt for w, wt in zip(words, weights) if w in named) / sum(weights)
        if share >= METRIC_NAMED or any(w in self.terms for w in named):  # a programme's own name: 法律进企业
            return True
        # or the question names the programme of the task that sets the figure ("小三级"工会 → the 85% 达标 of
        # the task "加强“小三级”工会组织建设", a figure the register calls 基层工会星级达标率)
        return any(c.word in self.terms and fold(c.word) in fold(figure) for c in q.concepts)

    def unmet(self, q: Query, evidence: str) -> list[Why]:
        """Details the question asks that the evidence does not give."""
        unmet: list[Why] = []
        near = self.fragments_about(q, evidence)
        for d in q.details:
            pieces = self.fragments_about(q, evidence, d.anchors) if d.anchors else near
            if d.evidence is None or not any(d.evidence.search(f) for f in pieces):
                unmet.append({"money": ("具体金额", "the amount"),
                              "contact": ("办理渠道（App、网址、电话或地址）",
                                          "how or where to apply (app, website, phone or address)")}[d.name])
        unmet += [(f"{p}的相关政策", f"anything about {p}") for p in q.places
                  if not any(fold(p) in fold(f) for f in near)]
        unmet += [(f"“{name}”", f"“{name}”") for name in q.quoted]
        stated_numbers = set(_NUMBER.findall(evidence))
        if q.unknown_years and not any(n in stated_numbers for n, _ in q.numbers):
            unmet.append(("所问年份的目标或安排", "any target or plan for the year asked"))
        money = next((d.anchors for d in self._details if d.name == "money"), ())
        for n, u in q.numbers:
            kind = UNIT_CLASS.get(u)
            # a figure of the same kind corrects the question's, but only one standing next to what was asked
            # about ("2500 元" of 最低工资 is not corrected by the 500 元 of 岗位津贴)
            pieces = self.fragments_about(q, evidence, money) if kind == "money" else \
                self.fragments_stating(q, evidence, window=1)
            stated = {(m, UNIT_CLASS.get(v)) for m, v in _FIGURE.findall(" ".join(pieces))}
            if not any(n == m for m, _ in stated) and not any(k == kind for _, k in stated):
                unmet.append((f"“{n}{u}”这个数", f"the figure {n} {u}"))
        return unmet

    def fragments_stating(self, q: Query, evidence: str, window: int = 0) -> list[str]:
        """The comma-delimited pieces of the evidence that state any of what the question is about, with
        ``window`` pieces after each (a figure often follows its subject: "…岗位津贴，最长不超过 36 个月")."""
        subject = self.subject(q) or q.concepts
        pieces = [p for p in re.split(r"[，,；;。]", evidence) if p.strip()]
        hits = [i for i, p in enumerate(pieces) if any(fold(a) in fold(p) for c in subject for a in c.alternatives)]
        return [pieces[j] for j in sorted({j for i in hits for j in range(i, min(i + window + 1, len(pieces)))})]

    @staticmethod
    def fragments_about(q: Query, evidence: str, anchors: tuple[str, ...] = ()) -> list[str]:
        """The comma-delimited pieces of the evidence that state the question's most specific concept (among
        those holding an anchor word, when given): an amount or a place must stand next to what was asked
        about, not elsewhere in the sentence."""
        pieces = [p for p in re.split(r"[，,；;。]", evidence) if p.strip()]
        def form(c) -> str | None:  # the concept as the evidence writes it: its own word first
            return next((a for a in c.alternatives if fold(a) in fold(evidence)), None)

        anchored = [c for c in q.concepts if any(w in c.word for w in anchors)]
        stated = sorted((c for c in (anchored if anchors else q.concepts) if form(c)), key=lambda c: -c.weight)
        if not stated:
            return [] if anchored else pieces  # the thing paid (最低工资标准) is not in the evidence at all
        word = fold(form(stated[0]))
        return [p for p in pieces if word in fold(p)] or pieces

    def off_topic(self, q: Query, hits: list[Hit]) -> bool:
        """Nothing of the plan in the question's words, no unit, and no passage close in meaning."""
        if q.known_weight > 0 or q.units or q.places:
            return False
        top_dense = max((h.dense for h in hits[:5]), default=0.0)
        return top_dense < self.t.dense_off_topic

    def premises(self, q: Query, texts: list[str], row: AnnexRow | None) -> tuple[list[str], tuple[str, str] | None]:
        """What a found answer must still correct: the figures and years the question states that the cited text
        does not (a false premise: "每月 3000 块" when it says 500 元、1000 元), and the unit the annex names when
        the question named another as lead."""
        stated = set(_NUMBER.findall(" ".join(texts)))
        premise = [f"{n}{u}" for n, u in q.numbers if n not in stated]
        covered = stated | set(years_in(" ".join(texts)))  # "2021-2025 年全覆盖" covers "2021到2025年期间"
        # only years the question writes out: "从2019到2025年" does not claim anything of 2021–2024
        premise += [f"{y}年" for y in dict.fromkeys(named_years(q.question)) if y not in covered and not q.borrowed]
        leads = [u for u, role in q.roles if role == "lead"]
        if "lead" in q.aspects and q.unknown_units:  # "…是由市人大常委会牵头的吧？"
            leads += q.unknown_units
        lead = None
        if row is not None and leads and not any(self.units.canonical(x) in leads for x in row.lead_units):
            lead = (leads[0], row.lead)
        return list(dict.fromkeys(premise)), lead
