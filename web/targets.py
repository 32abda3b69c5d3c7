"""The 目标 tab: every quantitative target of the plan as printed, and the milestone chart.

Numbers are shown in the source's own words (the ``printed`` column) next to the parsed value,
so a reader can see that "8 万" and "2万人次" were read correctly; each row links to its clause.
The chart is drawn when the tab is first opened, so matplotlib costs nothing at start-up.
"""
from __future__ import annotations

import gradio as gr

from web.chart import milestone_series, render_png
from web.html import esc, source_link
from web.sources import citation_title


def register_html(plan) -> str:
    rows = []
    for t in plan.targets:
        where = source_link(t.source, citation_title(plan, {"id": t.source}))
        value = f"{t.comparator} {t.value}{t.unit}".strip()
        rows.append(f'<tr><td class="t-id">{esc(t.id)}</td><td>{esc(t.metric)}</td>'
                    f'<td class="t-printed">“{esc(t.printed)}”</td><td class="t-value">{esc(value)}</td>'
                    f"<td>{esc(t.year)}</td><td>{where}</td></tr>")
    return (f'<p class="resp-count" data-count="{len(plan.targets)}">共 {len(plan.targets)} 条目标（正文与附件；'
            "附件重复正文的目标也各列一条）</p>"
            '<div class="table-wrap"><table class="targets"><thead><tr><th>编号</th><th>指标</th><th>原文</th>'
            "<th>数值</th><th>年份</th><th>出处</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>")


def chart_caption(plan) -> str:
    n = len(milestone_series(plan))
    return (f"附件中写明年份的百分比进度目标（{n} 项任务），取自下方目标表；只画原文给出的数字，"
            "「全覆盖」等文字目标写在图例括号里，不折算成 100%。")


def build(assistant, tab: gr.Tab) -> None:
    """Lay out the tab inside ``tab``; the chart renders on the tab's first opening."""
    plan = assistant.plan
    gr.Markdown(chart_caption(plan), elem_id="chart-caption")
    chart = gr.Image(label="年度进度 Milestones 2019 → 2020 → 2025", type="filepath", interactive=False,
                     elem_id="milestone-chart", height=520, buttons=["download"])
    gr.HTML(register_html(plan), elem_id="target-register")
    tab.select(lambda: render_png(plan), None, chart, api_visibility="private")
