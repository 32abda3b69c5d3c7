"""The milestone chart: the annex's year-by-year percentage targets (2019 → 2020 → 2025).

The series come straight from the target register (``assistant.plan.targets``): rows whose source
is an annex row and whose value is a percentage tied to a year. Nothing is interpolated; a printed
end state that is not a number ("2025 年全覆盖") is written at its year, not drawn as 100 %.

One small panel per task (small multiples), two columns: lines that share values can no longer
hide one another, every value label sits on its own line, and the figure stays legible when a
phone shrinks it to 390 px. The same data is given in words (``describe``) for the image's alt text.

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
        pairs = sorted(zip(s.points, s.printed))
        s.points, s.printed = [p for p, _ in pairs], [w for _, w in pairs]
    return list(series.values())


def describe(series: list[Series]) -> str:
    """The chart in words, each task with the source's own wording of its milestones."""
    parts = [f"{s.source} {s.label}：{'，'.join([*s.printed, *([s.end_state] if s.end_state else [])])}" for s in series]
    return (f"折线小图 {len(series)} 幅，附件中写明年份的百分比目标 · Small line charts of {len(series)} annex tasks' "
            "yearly percentage targets: " + "；".join(parts) + "。")


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


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


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
        years = sorted({x for s in data for x, _ in s.points} | {2019, 2020, 2025})
        columns = 2
        rows = -(-len(data) // columns)
        with plt.rc_context(rc):
            fig, axes = plt.subplots(rows, columns, figsize=(4.8, 2.0 * rows + 0.5), dpi=200, squeeze=False)
            for ax, s in zip(axes.flat, data):
                xs = [years.index(x) for x, _ in s.points]
                ys = [y for _, y in s.points]
                ax.plot(xs, ys, marker="o", markersize=4, linewidth=1.8, color="#1d4ed8")
                for (x, y), i in zip(s.points, xs):
                    ax.annotate(f"{'≥' if x in s.at_least else ''}{y:g}%", (i, y), textcoords="offset points",
                                xytext=(0, 5), ha="center", fontsize=9, color="#0f172a")
                if s.end_state and font:  # a target in words: written at its year, never drawn as a number
                    year, _, words = s.end_state.partition("年")
                    label = words.strip() if year.strip() == str(years[-1]) else f"{year.strip()}\n{words.strip()}"
                    ax.text(len(years) - 1, 52, label, ha="center",
                            va="center", fontsize=8, style="italic", color="#475569",
                            bbox={"boxstyle": "round,pad=0.25", "fc": "#f1f5f9", "ec": "#94a3b8", "lw": 0.6})
                title = f"{s.source} {s.label}" if font else s.source
                ax.set_title(_wrap(title, 14), fontsize=9, loc="left", pad=3)
                ax.set_xticks(range(len(years)), [str(y) for y in years], fontsize=8)
                ax.set_xlim(-0.4, len(years) - 0.6)
                ax.set_ylim(0, 118)
                ax.set_yticks([0, 50, 100], ["0", "50%", "100%"], fontsize=8)
                ax.grid(alpha=0.3, linewidth=0.5)
                for side in ("top", "right"):
                    ax.spines[side].set_visible(False)
            for ax in list(axes.flat)[len(data):]:
                ax.axis("off")
                if font:
                    ax.text(0, 0.5, "方框：文字目标（如全覆盖），\n不折算成数字。\n横轴按年份排列，\n间隔不按比例。", fontsize=8.5,
                            color="#475569", va="center", transform=ax.transAxes)
            fig.suptitle("附件中的年度百分比目标 · Annex milestones (%)" if font else "Annex milestones (%) by year",
                         fontsize=10)
            fig.tight_layout(h_pad=1.2, w_pad=1.0)
            if path is None:
                folder = tempfile.mkdtemp(prefix="cixi-chart-")
                atexit.register(shutil.rmtree, folder, ignore_errors=True)
            out = path or Path(folder) / "milestones.png"
            fig.savefig(out)
            plt.close(fig)
        _cache["png"] = str(out)
        return str(out)
