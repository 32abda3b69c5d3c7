"""The searchable units: one passage per sentence of the main text, one per annex row.

Sentences (not whole clauses) are searched so that a long clause such as 一、总体要求 cannot hide
the one sentence that answers; every passage names its ``parent`` (clause or annex row id), which
is what answers cite.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from assistant.corpus import Clause
from assistant.records import AnnexRow


@dataclass(frozen=True)
class Passage:
    id: str  # m22#4, general#1, a19.4 …
    parent: str  # the clause or annex row cited for it
    kind: str  # "clause" | "annex"
    text: str  # the passage itself, as printed
    context: str  # heading prepended for search (measure or annex item title)

    @property
    def search_text(self) -> str:
        return f"{self.context}：{self.text}"

    def to_dict(self) -> dict:
        return asdict(self)


def clause_heading(clause: Clause) -> str:
    return clause.heading or clause.title


def make_passages(clauses: list[Clause], annex: list[AnnexRow]) -> list[Passage]:
    passages = [
        Passage(f"{c.id}#{i}", c.id, "clause", s, clause_heading(c))
        for c in clauses
        for i, s in enumerate(c.sentences, 1)
    ]
    passages += [Passage(r.id, r.id, "annex", f"{r.task}（{r.timeline}）", r.item_title) for r in annex]
    return passages
