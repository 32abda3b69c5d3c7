"""The web chat for the policy assistant: four tabs over one ``Assistant``.

- 对话 Chat (``web.chat``): cited answers, sources beside them, 👍/👎 feedback;
- 责任分工 (``web.tables``): the annex table, filterable, CSV download;
- 目标 (``web.targets``): the target register and the milestone chart;
- 原文 (``web.document``): the whole plan, every clause and annex row anchored for citations.

The web layer only calls ``Assistant.ask`` and reads ``assistant.plan`` / ``assistant.units``;
it holds no answering logic. ``app.py`` at the repository root serves it through ``web.server``
(the guard in front, the HTTP API of ``web.api`` beside it, on one port).
"""
from __future__ import annotations

import os

import gradio as gr

from web import chat, style, tables, targets
from web.document import document_html
from web.services import Engine, Feedback

# events run at once: one per core (measured: 2, 4 and 8 gave the same throughput on 2 cores, the
# engine being CPU-bound; the engine needs no lock, see web.services)
QUEUE_CONCURRENCY = int(os.environ.get("ASSISTANT_WEB_WORKERS") or os.cpu_count() or 2)
QUEUE_MAX = 256  # waiting events beyond this are refused with "queue full" instead of piling up

HEADER = """<div id="app-header"><h1>慈溪产业工人队伍建设改革 · 政策助手</h1>
<p>慈党发〔2019〕78号《新时代慈溪产业工人队伍建设改革实施方案》· 离线运行，答案只来自原文并标注出处</p></div>"""


def create_app(assistant, store, engine: Engine | None = None) -> tuple[gr.Blocks, dict]:
    """Build the Blocks app; returns it with the keyword arguments gradio 6 takes when the app is
    mounted (theme, CSS, head script) rather than in ``gr.Blocks``. One ``engine`` may be shared
    with the HTTP API (``web.api``)."""
    engine, feedback = engine or Engine(assistant), Feedback(store)
    with gr.Blocks(title="慈溪产业工人政策助手 · Cixi plan assistant") as demo:
        gr.HTML(HEADER)
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("对话 Chat", id="chat"):
                chat.build(demo, assistant, engine, feedback)
            with gr.Tab("责任分工", id="duties"):
                tables.build(assistant)
            with gr.Tab("目标", id="targets") as targets_tab:
                targets.build(assistant, targets_tab)
            with gr.Tab("原文", id="source"):
                gr.HTML(document_html(assistant.plan), elem_id="document")
    demo.queue(default_concurrency_limit=QUEUE_CONCURRENCY, max_size=QUEUE_MAX)
    return demo, {"theme": style.theme(), "css": style.CSS, "head": style.HEAD}
