"""The 目标 tab: every quantitative target of the plan as printed, and the milestone chart.

Numbers are shown in the source's own words (the ``printed`` column) next to the parsed value,
so a reader can see that "8 万" and "2万人次" were read correctly; each row links to its clause.
The chart is drawn when the tab is first opened, so matplotlib costs nothing at start-up.
"""
from __future__ import annotations

import re

import gradio as gr

from web.chart import describe, milestone_series, render_png
from web.html import esc, source_link
from web.sources import citation_title


def register_html(plan) -> str:
    rows = []
    for t in plan.targets:
        where = source_link(t.source, citation_title(plan, {"id": t.source}))
        value = f"{t.comparator} {t.value}{t.unit}".strip()
        rows.append(f'<tr><td class="t-id" data-label="编号 ID">{esc(t.id)}</td><td data-label="指标 Target">{esc(t.metric)}</td>'
                    f'<td class="t-printed" data-label="原文 As printed">“{esc(t.printed)}”</td>'
                    f'<td class="t-value" data-label="数值 Value">{esc(value)}</td>'
                    f'<td data-label="年份 Year">{esc(t.year)}</td><td data-label="出处 Source">{where}</td></tr>')
    return (f'<p class="resp-count" data-count="{len(plan.targets)}">共 {len(plan.targets)} 条目标（正文与附件；'
            "附件重复正文的目标也各列一条）</p>"
            '<div class="table-wrap"><table class="targets"><thead><tr><th>编号</th><th>指标</th><th>原文</th>'
            "<th>数值</th><th>年份</th><th>出处</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def chart_caption(plan) -> str:
    n = len(milestone_series(plan))
    return (f"附件中写明年份的百分比进度目标（{n} 项任务），每项一幅小图，取自下方目标表；只画原文给出的数字，"
            "「全覆盖」等文字目标写在方框里，不折算成 100%。图下的表格用原文的话列出同样的数据。")


def milestones_html(plan) -> str:
    """The chart's data as a table in the source's own words (also what narrow screens read best)."""
    series = milestone_series(plan)
    years = sorted({x for s in series for x, _ in s.points} | {2019, 2020, 2025})
    rows = []
    for s in series:
        by_year = {x: w for (x, _), w in zip(s.points, s.printed)}
        if s.end_state:  # "2025 年全覆盖", "2021-2025 年全覆盖": under the range's last year
            by_year.setdefault(int(re.findall(r"\d{4}", s.end_state)[-1]), s.end_state)
        cells = "".join(f'<td data-label="{y}">{esc(by_year.get(y, "—"))}</td>' for y in years)
        rows.append(f"<tr><th scope=\"row\">{source_link(s.source, s.source)} {esc(s.label)}</th>{cells}</tr>")
    head = "".join(f'<th scope="col">{y}</th>' for y in years)
    return ('<div class="table-wrap"><table class="milestones"><caption class="sr-only">图中数据 · Data in the chart'
            f'</caption><thead><tr><th scope="col">任务 Task</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


def build(assistant, tab: gr.Tab) -> None:
    """Lay out the tab inside ``tab``; the chart renders on the tab's first opening."""
    plan = assistant.plan
    gr.Markdown(chart_caption(plan), elem_id="chart-caption")
    with gr.Column(elem_id="milestones"):  # narrow screens show the table first (web/style.css)
        chart = gr.Image(label="年度进度 Milestones 2019 → 2020 → 2025", show_label=False, type="filepath", interactive=False,
                         elem_id="milestone-chart", buttons=["download"], alt_text=describe(milestone_series(plan)))
        gr.HTML(milestones_html(plan), elem_id="milestone-table")
    gr.HTML(register_html(plan), elem_id="target-register")
    tab.select(lambda: render_png(plan), None, chart, api_visibility="private")
