"""The 原文 tab: the whole plan, readable, with an anchor on every clause, annex item and row.

Citations link here (``#src-m22``, ``#src-a19.4``), so any quote can be checked in context. The
text is the engine's own parse of corpus/plan.txt (page-break line breaks removed); the annex is
the reviewed table, with † on cells the printed table left blank.
"""
from __future__ import annotations

from assistant.corpus import group_titles
from web.html import INHERITED_NOTE, anchor, cell, esc

TITLE = "新时代慈溪产业工人队伍建设改革实施方案"


def _clause(c) -> str:
    if c.id == "notice":
        return f'<section id="{anchor(c.id)}" class="doc-notice"><p>{esc(c.text)}</p></section>'
    if c.number:
        head, _, rest = c.text.partition("。")
        return (f'<section id="{anchor(c.id)}" class="doc-measure"><p><b>{esc(head)}。</b>{esc(rest)}'
                f' <span class="doc-id">{esc(c.id)}</span></p></section>')
    if c.id == "intro":
        return f'<section id="{anchor(c.id)}"><h2>{esc(TITLE)}</h2><p>{esc(c.text)}</p></section>'
    return f'<section id="{anchor(c.id)}"><h3>{esc(c.title)}</h3><p>{esc(c.text)}</p></section>'


def _annex(plan) -> str:
    out = [f'<section id="src-annex"><h3>附件：《{esc(TITLE)}》重点任务责任分工</h3>',
           f'<p class="legend">{esc(INHERITED_NOTE)}</p>']
    items: dict[int, list] = {}
    for row in plan.annex.values():
        items.setdefault(row.item, []).append(row)
    titles = group_titles(list(plan.clauses.values()))
    group = None
    for item, rows in items.items():
        first = rows[0]
        if first.group != group:
            group = first.group
            out.append(f"<h4>{esc(group)}{esc(titles.get(group, ''))}</h4>")
        measure = plan.clauses.get(f"m{first.measure}")
        link = f' <a class="src-link" href="#{anchor(measure.id)}">对应{esc(measure.title)}</a>' if measure else ""
        out.append(f'<div id="{anchor(f"a{item}")}" class="doc-item"><h5>{item}. {esc(first.item_title)}{link}</h5>'
                   '<div class="table-wrap"><table class="duties doc-annex"><colgroup><col class="w-task"><col class="w-time">'
                   '<col class="w-lead"><col class="w-coop"></colgroup><thead><tr><th>责任分解</th><th>时间进度</th>'
                   "<th>牵头单位</th><th>配合单位</th></tr></thead><tbody>")
        for r in rows:
            out.append(f'<tr id="{anchor(r.id)}"><td data-label="责任分解 Task">{esc(r.task)} <span class="doc-id">{esc(r.id)}</span></td>'
                       f'<td data-label="时间进度 Timeline">{cell(r, "timeline")}</td>'
                       f'<td data-label="牵头单位 Lead unit">{cell(r, "lead")}</td>'
                       f'<td data-label="配合单位 Cooperating units">{cell(r, "cooperating")}</td></tr>')
        out.append("</tbody></table></div></div>")
    out.append("</section>")
    return "".join(out)


def document_html(plan) -> str:
    """The plan from letterhead to annex; group headings are inserted where the measures change group."""
    parts, group = [], None
    for c in plan.clauses.values():
        if c.number and group is None:
            parts.append('<h3 id="src-measures">二、主要举措</h3>')
        if c.number and c.group != group:
            group = c.group
            parts.append(f"<h4>{esc(c.group)}{esc(c.group_title)}</h4>")
        parts.append(_clause(c))
    return f'<article class="doc">{"".join(parts)}{_annex(plan)}</article>'
