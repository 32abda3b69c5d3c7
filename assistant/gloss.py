"""English glosses for Chinese quotes: the figures in Western form (8 万 → 80,000) and the milestones of a
timeline (2019 年启动 → 2019: start), from corpus/english.yaml.

A gloss is only given when every word of the piece is in the glossary: it may state nothing the quote does not.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.corpus import CORPUS_DIR
from assistant.records import Target

ENGLISH_FILE = CORPUS_DIR / "english.yaml"
TITLES_FILE = CORPUS_DIR / "titles_en.yaml"
_YEARS = re.compile(r"(20\d\d)(?:\s*-\s*(20\d\d))?\s*年?")
_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万(元|人次|人)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def western(number: str, wan: bool) -> str:
    """"8", wan → "80,000"; "5.6", wan → "56,000"; "1.2" → "1.2"."""
    value = float(number) * (10_000 if wan else 1)
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


class Glossary:
    """Loaded once; pure functions of a text afterwards."""

    def __init__(self, path: Path = ENGLISH_FILE, titles: Path = TITLES_FILE):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.phrases = sorted(data["milestones"].items(), key=lambda kv: -len(kv[0]))
        self.units = data["units"]
        self.comparators = data["comparators"]
        t = yaml.safe_load(titles.read_text(encoding="utf-8"))
        self.clause_titles = {k: (v["zh"], v["en"]) for k, v in t["clauses"].items()}
        self.annex_titles = {int(k): (v["zh"], v["en"]) for k, v in t["annex"].items()}

    def numbers(self, text: str) -> str:
        """Every figure in 万 as a Western number: "超过 8 万" → "80,000"; "" when there is none."""
        out = []
        for n, unit in _WAN.findall(text):
            word = self.units.get(f"万{unit}" if unit else "", "") if unit else ""
            out.append(f"{western(n, True)} {word}".strip())
        return ", ".join(out)

    def milestone(self, piece: str) -> str | None:
        """"2020 年达到 35%" → "2020: reach 35%"; None when a word is not in the glossary."""
        years = [f"{a}–{b}" if b else a for a, b in _YEARS.findall(piece)]
        rest = _YEARS.sub(" ", piece)
        rest = _WAN.sub(lambda m: f" {western(m.group(1), True)} {self.units.get('万' + (m.group(2) or ''), '')} ", rest)
        words = []
        i = 0
        while i < len(rest):
            if not _CJK.match(rest[i]):
                words.append(rest[i])
                i += 1
                continue
            for zh, en in self.phrases:
                if rest.startswith(zh, i):
                    words.append(f" {en} ")
                    i += len(zh)
                    break
            else:
                return None
        body = re.sub(r"\s+", " ", "".join(words)).strip(" ,")
        if body.startswith("by ") and years:
            body = body[3:]
        return f"{', '.join(years)}: {body}" if years and body else body or (", ".join(years) or None)

    def timeline(self, timeline: str) -> str | None:
        """Every milestone glossed, "; "-joined; None unless all of them can be."""
        pieces = [p.strip() for p in re.split(r"[，,；;]", timeline) if p.strip()]
        glossed = [self.milestone(p) for p in pieces]
        return "; ".join(glossed) if glossed and all(glossed) else None

    def target(self, t: Target) -> str | None:
        """A target's figure in English: "over 80,000", "500 yuan", "36 months at most"."""
        try:
            float(t.value.replace("-", ""))
        except ValueError:
            return self.milestone(t.value) if _CJK.search(t.value) else None
        wan = t.unit.startswith("万")
        value = western(t.value, wan) if "-" not in t.value else t.value
        unit = self.units.get(t.unit, t.unit if t.unit == "%" else "")
        figure = f"{value}{unit}" if unit == "%" else f"{value} {unit}".strip()
        how = self.comparators.get(t.comparator, "")
        if how == "or more":
            return f"{figure} or more"
        return f"{how} {figure}".strip()

    def clause_title(self, clause_id: str, number: int | None) -> str:
        """"Measure 22 · 完善产业工人住房保障 (Improve housing support …)": the plan's words kept, the English added."""
        zh, en = self.clause_titles.get(clause_id, (clause_id, ""))
        return f"Measure {number} · {zh} ({en})" if number else f"{zh} ({en})"

    def annex_title(self, item: int) -> str:
        zh, en = self.annex_titles.get(item, ("", ""))
        return f"Annex item {item} · {zh} ({en})"
