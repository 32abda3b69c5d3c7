"""The 责任分工 tab: the annex table, filterable by unit and role, group and keyword, with CSV export.

Union staff ask "what does my unit lead?"; the answer is a filter over ``assistant.plan.annex``
with unit names matched through ``assistant.units.canonical`` (市人社局 = 市人力社保局, 总工会 →
市总工会), the same rule the engine uses. Blank printed cells that carry a value down from the
row above are marked †, because a reader must know which names the table actually printed.
"""
from __future__ import annotations

import atexit
import csv
import hashlib
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import gradio as gr

from assistant.corpus import group_titles
from web.html import INHERITED_NOTE, cell, esc, has_inherited, marked, source_link

ROLES = [("牵头 lead", "lead"), ("配合 cooperating", "cooperating"), ("任一 either", "any")]
# CSV columns: annex field → header a reader understands (中文 + English).
CSV_COLUMNS = {"id": "编号 ID", "group": "主要举措 Group", "item": "附件项目 Annex item", "item_title": "项目名称 Item title",
               "measure": "对应措施 Measure", "task": "责任分解 Task", "timeline": "时间进度 Timeline",
               "timeline_cell": "时间进度出处 Timeline cell", "lead": "牵头单位 Lead unit",
               "lead_cell": "牵头单位出处 Lead unit cell", "cooperating": "配合单位 Cooperating units",
               "cooperating_cell": "配合单位出处 Cooperating units cell", "note": "备注 Note"}
CELL_STATES = {"printed": "原表印出 printed", "inherited": "合并单元格沿用上方 carried down from a merged cell",
               "empty": "原表空白 blank"}
COLUMN_LABELS = {"c-group": "主要举措 Group", "c-item": "项目 Item", "c-task": "责任分解 Task",
                 "c-time": "时间进度 Timeline", "c-lead": "牵头单位 Lead unit", "c-coop": "配合单位 Cooperating units"}
_UNSAFE = re.compile(r"[^\w（）()·-]+")  # \w covers Chinese
_EXPORT_DIR = Path(tempfile.mkdtemp(prefix="cixi-duties-"))  # CSV downloads, removed at exit
atexit.register(shutil.rmtree, _EXPORT_DIR, ignore_errors=True)


def unit_choices(assistant) -> list[tuple[str, str]]:
    """Canonical units named in the annex, busiest first, labelled with their task count."""
    count: Counter = Counter()
    for row in assistant.plan.annex.values():
        for name in {assistant.units.canonical(u) for u in (*row.lead_units, *row.cooperating_units)}:
            count[name] += 1
    return [(f"{name}（{n}）", name) for name, n in count.most_common()]


def resolve_unit(assistant, text: str | None) -> str:
    """What the user typed or picked → a canonical unit name ('' for no unit filter)."""
    text = (text or "").strip()
    if not text:
        return ""
    canon = assistant.units.canonical(text)
    if canon in assistant.units.units:
        return canon
    found = assistant.units.find(text)
    return found[0] if len(found) == 1 else text


def filter_rows(assistant, unit: str = "", role: str = "any", group: str = "", keyword: str = "") -> list:
    """Annex rows matching every given filter, in the table's order."""
    unit = resolve_unit(assistant, unit)
    keyword = (keyword or "").strip().lower()
    canon = assistant.units.canonical
    out = []
    for row in assistant.plan.annex.values():
        if group and row.group != group:
            continue
        if unit:
            leads = any(canon(u) == unit for u in row.lead_units)
            coops = any(canon(u) == unit for u in row.cooperating_units)
            if not {"lead": leads, "cooperating": coops}.get(role, leads or coops):
                continue
        if keyword:
            hay = " ".join((row.item_title, row.task, row.timeline, row.lead, row.cooperating, row.id)).lower()
            if keyword not in hay:
                continue
        out.append(row)
    return out


def _td(cls: str, body: str) -> str:
    """A cell with its column's name, which narrow screens show above the value (rows become cards)."""
    return f'<td class="{cls}" data-label="{COLUMN_LABELS[cls]}">{body}</td>'


def table_html(assistant, rows: list, unit: str = "", role: str = "any", keyword: str = "") -> str:
    """The filtered rows as an HTML table; group and item are printed once, like the merged cells
    of the original."""
    unit = resolve_unit(assistant, unit)
    terms = [t for t in (keyword.strip() if keyword else "",) if t]
    if unit in assistant.units.units:
        terms += assistant.units.units[unit].printed
    total = len(assistant.plan.annex)
    role_name = dict((v, k) for k, v in ROLES).get(role, "")
    summary = f"单位：{esc(unit)}（{esc(role_name)}）" if unit else "全部单位"
    head = (f'<p class="resp-count" data-count="{len(rows)}">共 <b>{len(rows)}</b> 项任务（附件共 {total} 项）'
            f' · {summary}{" · 关键词：" + esc(keyword) if keyword else ""}</p>')
    if not rows:
        return head + '<p class="resp-none">没有符合条件的任务。换个单位简称或关键词试试。</p>'
    titles = group_titles(list(assistant.plan.clauses.values()))
    body, last_group, last_item = [], None, None
    for r in rows:
        g = _td("c-group", f"{esc(r.group)}{esc(titles.get(r.group, ''))}") if r.group != last_group \
            else '<td class="c-group cont"></td>'
        i = _td("c-item", source_link(f"a{r.item}", f"附件 {r.item} · {r.item_title}")) \
            if (r.group, r.item) != last_item else '<td class="c-item cont"></td>'
        last_group, last_item = r.group, (r.group, r.item)
        task = f'{marked(r.task, terms)} <a class="row-id" href="#src-{esc(r.id)}">{esc(r.id)}</a>'
        body.append(f'<tr data-row="{esc(r.id)}">{g}{i}{_td("c-task", task)}{_td("c-time", cell(r, "timeline", terms))}'
                    f'{_td("c-lead", cell(r, "lead", terms))}{_td("c-coop", cell(r, "cooperating", terms))}</tr>')
    legend = f'<p class="legend">{esc(INHERITED_NOTE)}</p>' if has_inherited(rows) else ""
    return (head + '<div class="table-wrap"><table class="duties"><thead><tr><th>主要举措</th><th>项目</th>'
            "<th>责任分解</th><th>时间进度</th><th>牵头单位</th><th>配合单位</th></tr></thead><tbody>"
            + "".join(body) + "</tbody></table></div>" + legend)


def csv_name(unit: str = "", role: str = "any", group: str = "", keyword: str = "") -> str:
    """A file name that says what was exported: 责任分工-市总工会-牵头.csv, 责任分工-全部.csv."""
    role_word = {"lead": "牵头", "cooperating": "配合"}.get(role, "") if unit else ""
    parts = [_UNSAFE.sub("_", p.strip()).strip("_")[:30] for p in (unit, role_word, group, keyword)]
    return "-".join(["责任分工", *([p for p in parts if p] or ["全部"])]) + ".csv"


def write_csv(rows: list, name: str = "责任分工-全部.csv") -> str:
    """The rows as a UTF-8 CSV (with BOM, so spreadsheet programs read the Chinese) → its path.
    Each distinct export gets its own folder, so the file keeps its readable name."""
    digest = hashlib.sha1(("|".join(r.id for r in rows) + name).encode()).hexdigest()[:10]
    path = _EXPORT_DIR / digest / name
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{digest}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(CSV_COLUMNS.values())
            for r in rows:
                w.writerow([CELL_STATES.get(v, v) if k.endswith("_cell") else v
                            for k, v in ((k, getattr(r, k)) for k in CSV_COLUMNS)])
        os.replace(tmp, path)
    return str(path)


def build(assistant) -> None:
    """Lay out the tab inside the current gr.Tab and wire the filters."""
    titles = group_titles(list(assistant.plan.clauses.values()))
    groups = [("全部 all", "")] + [(f"{g}{t}", g) for g, t in titles.items()]
    all_rows = filter_rows(assistant)
    gr.Markdown("附件《新时代慈溪产业工人队伍建设改革实施方案》重点任务责任分工：每项任务的时间进度、牵头单位和配合单位。"
                "按单位（可输入简称，如「总工会」「人社局」）、角色、举措或关键词筛选。", elem_id="duties-intro")
    with gr.Row(elem_id="duties-filters"):
        unit = gr.Dropdown(unit_choices(assistant), value=None, allow_custom_value=True, filterable=True,
                           label="单位 Unit", elem_id="duties-unit", min_width=200)
        role = gr.Radio(ROLES, value="any", label="角色 Role", elem_id="duties-role", min_width=260)
        group = gr.Dropdown(groups, value="", label="主要举措 Group", elem_id="duties-group", min_width=200)
        keyword = gr.Textbox(label="关键词 Keyword", placeholder="如 技师、尘肺病、住房", elem_id="duties-keyword",
                             min_width=160)
    with gr.Row():
        download = gr.DownloadButton("下载 CSV（当前筛选）", value=write_csv(all_rows, csv_name()), size="sm",
                                     elem_id="duties-csv")
        reset = gr.Button("重置筛选 Reset", size="sm", elem_id="duties-reset")
    table = gr.HTML(table_html(assistant, all_rows), elem_id="duties-table")

    def update(u, r, g, k):
        rows = filter_rows(assistant, u, r, g, k)
        name = csv_name(resolve_unit(assistant, u), r, g, k)
        return table_html(assistant, rows, u, r, k), gr.DownloadButton(value=write_csv(rows, name))

    inputs, outputs = [unit, role, group, keyword], [table, download]
    for comp in (unit, role, group):
        comp.change(update, inputs, outputs, api_visibility="private")
    keyword.change(update, inputs, outputs, trigger_mode="always_last", api_visibility="private")
    reset.click(lambda: (None, "any", "", ""), None, inputs, api_visibility="private")
