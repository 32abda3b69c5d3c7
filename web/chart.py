"""The milestone chart: the annex's year-by-year percentage targets (2019 → 2020 → 2025).

The series come straight from the target register (``assistant.plan.targets``): rows whose source
is an annex row and whose value is a percentage tied to a year. Nothing is interpolated; a printed
end state that is not a number ("2025 年全覆盖") is named in the line's label, not drawn as 100 %.

Chinese labels need a CJK font. Debian's fonts-noto-cjk provides "Noto Sans CJK"; if matplotlib
cannot find one, the chart falls back to ASCII labels (row ids) rather than drawing boxes.
"""
from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("web")

_YEAR_SUFFIX = re.compile(r"（[^（）]*(?:\d{4}|起|每年)[^（）]*）$")
_YEARS = re.compile(r"\d{4}(?:-\d{4})?")
_CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans", "Noto Serif CJK", "WenQuanYi",
              "Droid Sans Fallback", "AR PL")
_lock = threading.Lock()
_cache: dict[str, str] = {}


@dataclass
class Series:
    source: str  # annex row id, e.g. a1.1
    label: str  # short task name
    points: list[tuple[int, float]] = field(default_factory=list)
    printed: list[str] = field(default_factory=list)  # the source's own words for each point
    at_least: set[int] = field(default_factory=set)  # years printed as "… 以上"
    end_state: str = ""  # a non-numeric milestone of the same row, e.g. 2025 年全覆盖


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def milestone_series(plan) -> list[Series]:
    """One series per annex row with percentage milestones in at least one year."""
    series: dict[str, Series] = {}
    for t in plan.targets:
        if t.source not in plan.annex or not t.year.isdigit():
            continue
        value = _number(t.value)
        if t.unit == "%" and value is not None:
            s = series.setdefault(t.source, Series(t.source, _YEAR_SUFFIX.sub("", t.metric)))
            s.points.append((int(t.year), value))
            s.printed.append(t.printed)
            if t.comparator == "以上":
                s.at_least.add(int(t.year))
    for t in plan.targets:  # the latest end state printed in words (全覆盖 …), for the same rows
        if t.source in series and _YEARS.fullmatch(t.year) and _number(t.value) is None and t.unit != "%":
            series[t.source].end_state = f"{t.year} 年{t.value}"
    for s in series.values():
        s.points.sort()
    return list(series.values())


def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for wanted in _CJK_NAMES:
        hit = sorted(n for n in names if n.startswith(wanted))
        if hit:
            return hit[0]
    # A font cache built before the fonts were installed does not list them: look on disk.
    for path in font_manager.findSystemFonts():
        if "CJK" in Path(path).name or "wqy" in path.lower():
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
    return None


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_png(plan, path: Path | None = None) -> str:
    """Draw the chart to a PNG file (once per process) and return its path."""
    with _lock:
        if "png" in _cache and Path(_cache["png"]).exists():
            return _cache["png"]
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        font = cjk_font()
        if font is None:
            log.warning("no CJK font found (install fonts-noto-cjk): chart labels fall back to row ids")
        rc = {"font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False}
        data = milestone_series(plan)
        labelled: set[tuple[int, float]] = set()  # one value label per point, where lines meet
        with plt.rc_context(rc):
            fig, ax = plt.subplots(figsize=(8.4, 5.6), dpi=110)
            for s in data:
                xs, ys = zip(*s.points)
                name = f"{s.source} {_short(s.label)}" if font else s.source
                if s.end_state and font:
                    name += f"（{s.end_state}）"
                line, = ax.plot(xs, ys, marker="o", linewidth=2, label=name)
                for x, y in s.points:
                    if (x, y) in labelled:
                        continue
                    labelled.add((x, y))
                    ax.annotate(f"{'≥' if x in s.at_least else ''}{y:g}%", (x, y), textcoords="offset points", xytext=(6, -3), fontsize=8,
                                color=line.get_color())
            years = sorted({x for s in data for x, _ in s.points} | {2019, 2020, 2025})
            ax.set_xticks(years)
            ax.set_xlim(min(years) - 0.4, max(years) + 0.9)
            ax.set_ylim(0, 105)
            ax.set_ylabel("%")
            ax.grid(alpha=0.3)
            ax.set_title("附件中的年度百分比目标 · Annex milestones (%)" if font else "Annex milestones (%) by year")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
            fig.tight_layout()
            if path is None:
                folder = tempfile.mkdtemp(prefix="cixi-chart-")
                atexit.register(shutil.rmtree, folder, ignore_errors=True)
            out = path or Path(folder) / "milestones.png"
            fig.savefig(out)
            plt.close(fig)
        _cache["png"] = str(out)
        return str(out)
