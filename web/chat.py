"""The chat tab: ask, watch the answer stream in, check every source beside it, rate it.

The tab only calls ``Engine.ask`` and draws what comes back (``web.conversation``); the
conversation lives in the browser (gr.BrowserState) as JSON turns, so answers and their sources
survive a new question and a page reload.
"""
from __future__ import annotations

import hashlib
import logging
import os

import gradio as gr

from assistant.corpus import sha256 as plan_sha256
from assistant.limits import MAX_QUESTION_CHARS, InputError, check_question
from web import conversation as conv
from web.feedback import MAX_COMMENT_CHARS
from web.html import esc, highlight_terms
from web.services import Engine, Feedback, NotIssued, answerable, earlier_questions, shown_question
from web.sources import panel

log = logging.getLogger("web")

EXAMPLES = [
    ("职工 · Workers", ["评上技师有啥补贴？", "住房公积金能交房租吗？"]),
    ("工会 · Union staff", ["尘肺病防治谁牵头？", "市总工会牵头哪些任务？"]),
    ("English", ["who leads the 尘肺病 action"]),
]

WELCOME = """<div class="welcome"><b>慈溪产业工人队伍建设改革 · 政策问答</b>
<p>我只依据 2019 年《新时代慈溪产业工人队伍建设改革实施方案》（慈党发〔2019〕78号）及其附件
《重点任务责任分工》回答：24 项措施、57 项任务的牵头和配合单位、时间进度和目标。每个回答都标出处 [1]，并列出所引原文全文。</p>
<p class="welcome-no">我不知道：这份文件以外的政策、2019 年以后的调整、文件没写的金额、申请渠道和办理地点——文件没写的，
我会直说。回答不是法律意见，办事请以主管部门为准。 · I answer in English too, only from this plan.</p></div>"""

PLACEHOLDER = "<b>问一个关于这份实施方案的问题</b><br>例如：住房公积金能交房租吗？尘肺病防治谁牵头？"


def browser_secret() -> str:
    """Key of the browser-side conversation (gradio sends it to the page, so it is no security
    boundary). By default it follows the plan text's checksum: chats survive restarts, and are
    dropped if the plan itself changes. ASSISTANT_BROWSER_SECRET overrides it."""
    return os.environ.get("ASSISTANT_BROWSER_SECRET") or hashlib.sha256(f"chat-v1:{plan_sha256()}".encode()).hexdigest()[:32]


def ask_meta() -> str:
    """Under the question box: a character counter, the busy state and the warning when a pasted
    question was cut at the limit (all kept up to date by the page script, web/page.js)."""
    return (f'<div id="ask-meta"><span id="ask-count" data-max="{MAX_QUESTION_CHARS}">0 / {MAX_QUESTION_CHARS}</span>'
            '<span id="ask-status" role="status" aria-live="polite"></span>'
            '<span id="ask-warn" role="alert"></span></div>')


def build(demo: gr.Blocks, assistant, engine: Engine, feedback: Feedback) -> None:
    """Lay out the chat tab inside the current gr.Tab and wire its events."""
    plan = assistant.plan
    turns = gr.BrowserState([], storage_key="cixi-plan-chat-v1", secret=browser_secret())
    pending = gr.State(None)  # the feedback row a comment will be attached to

    gr.HTML(WELCOME, elem_id="welcome")
    with gr.Row(elem_id="chat-row", equal_height=False):
        # DOM order is tab order: the question box comes right after the tabs, then the conversation
        # (shown above the box by CSS `order`), so Tab never walks every old answer's buttons first.
        with gr.Column(scale=3, min_width=320, elem_id="chat-col"):
            with gr.Row(elem_id="ask-row"):
                box = gr.Textbox(show_label=False, placeholder="输入问题，中文或英文 · Ask in Chinese or English",
                                 lines=1, max_lines=4, max_length=MAX_QUESTION_CHARS, scale=6,
                                 elem_id="ask-box")  # no autofocus: it scrolled the phone page to the box
                send = gr.Button("提问 Ask", variant="primary", scale=1, min_width=90, elem_id="ask-btn")
            gr.HTML(ask_meta(), elem_id="ask-meta-box")
            chatbot = gr.Chatbot(elem_id="chat", label="对话 Chat", height="62vh", min_height=360,
                                 feedback_options=["Like", "Dislike"], group_consecutive_messages=False,
                                 placeholder=PLACEHOLDER, buttons=[])  # copy: our button, plain text
            with gr.Group(visible=False, elem_id="feedback-box") as fb_box:
                fb_note = gr.Markdown(elem_id="feedback-note")
                fb_text = gr.Textbox(label="补充说明（可选）· Comment (optional)", lines=2, max_length=2000,
                                     elem_id="feedback-comment")
                with gr.Row():
                    fb_send = gr.Button("提交说明 Send", size="sm", elem_id="feedback-send")
                    fb_close = gr.Button("关闭 Close", size="sm", elem_id="feedback-close")
            example_buttons = []
            with gr.Column(elem_id="examples"):
                for label, questions in EXAMPLES:
                    with gr.Row(elem_classes="example-row"):
                        gr.HTML(f'<span class="ex-label">{label}</span>', elem_classes="ex-label-box")
                        for q in questions:
                            example_buttons.append(gr.Button(q, size="sm", elem_classes="example"))
            clear = gr.Button("新对话 New chat", size="sm", elem_id="new-chat")
        with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
            sources = gr.HTML(panel(plan, None, 0, []), elem_id="sources-panel")

    def view(items: list[dict]):
        return gr.Chatbot(value=conv.messages(items, assistant), feedback_value=conv.feedback_values(items))

    def side(items: list[dict], k: int | None = None) -> str:
        if not items:
            return panel(plan, None, 0, [])
        k = len(items) - 1 if k is None else k
        return panel(plan, items[k], k + 1, highlight_terms(items[k]["q"], assistant))

    def respond(question: str, stored, standalone: bool = False):
        """Answer at once (an extractive answer is complete when the engine returns); only an LLM
        writer's text is streamed. Everything the client sent is re-checked here: the question's
        type and length, and the stored conversation, whose turns only give the engine its history."""
        question = question.strip() if isinstance(question, str) else question
        items = answerable(conv.clean(stored))
        if question == "":
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        history = [] if standalone else earlier_questions(items)
        try:
            check_question(question)
            if engine.streams_model_text:  # an LLM writer: show its words as they come
                shown = conv.messages(items, assistant) + [{"role": "user", "content": esc(question)},
                                                           {"role": "assistant", "content": conv.PENDING}]
                yield shown, gr.skip(), gr.skip(), gr.Group(visible=False)
                text = ""
                for piece in engine.stream(question, history):
                    if isinstance(piece, str):
                        text += piece
                        shown[-1] = {"role": "assistant", "content": conv.streaming_html(text)}
                        yield shown, gr.skip(), gr.skip(), gr.skip()
                    else:
                        turn = conv.make_turn(piece)  # final: the guarded text or the extractive one
            else:
                turn = conv.make_turn(engine.ask(question, history))
            turn = feedback.issue(turn)  # the id that lets this answer be rated
        except InputError as e:  # what the client sent cannot be answered: say why
            turn = conv.error_turn(shown_question(question), str(e))
        except Exception:  # an engine failure must not take the page down
            log.exception("ask failed: %r", shown_question(question))
            turn = conv.error_turn(shown_question(question),
                                   "抱歉，出错了，请稍后再试。Sorry, something went wrong; please try again.")
        items = (items + [turn])[-conv.MAX_TURNS:]
        # the messages as a plain value, not view()'s gr.Chatbot(...): a component returned as an update
        # costs gradio ~30 ms of CPU per answer (it rebuilds the component's config and API schema), and
        # the thumbs already shown stay as they are (the new answer has none yet)
        yield conv.messages(items, assistant), side(items), items, gr.Group(visible=False)

    outputs = [chatbot, sources, turns, fb_box]  # not the box: the page empties it (web/page.js, clearSent)
    box.submit(respond, [box, turns], outputs, concurrency_id="ask", api_visibility="private")
    send.click(respond, [box, turns], outputs, concurrency_id="ask", api_visibility="private")
    def respond_example(question: str, stored):
        """An example is a question of its own, never a follow-up to what was asked before."""
        yield from respond(question, stored, standalone=True)

    for b in example_buttons:
        b.click(respond_example, [b, turns], outputs, concurrency_id="ask", api_visibility="private")

    def ask(question: str, history: list[str] | None = None) -> dict:
        """Answer one question about 慈党发〔2019〕78号; ``history`` lists earlier questions (for
        follow-ups). Returns the engine's answer: text with [n] markers, found, route, lang,
        citations (id, title, text) and facts; or ``{"error": message}`` for a question or history
        over the limits (assistant.limits), checked here whatever the client sent."""
        try:
            return engine.ask(question, history).to_dict()
        except InputError as e:
            return {"error": str(e)}

    gr.api(ask, api_name="ask", concurrency_id="ask")  # for programs: no browser state, no streaming

    def restore(stored):
        items = conv.clean(stored)
        return view(items), side(items)

    demo.load(restore, [turns], [chatbot, sources], api_visibility="private")

    def select(stored, data: gr.SelectData):
        items = conv.clean(stored)
        k = _turn_index(data.index)
        return side(items, k) if k is not None and k < len(items) else gr.skip()

    chatbot.select(select, [turns], [sources], api_visibility="private")

    def like(stored, data: gr.LikeData):
        items = conv.clean(stored)
        k = _turn_index(data.index)
        if k is None or k >= len(items):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        if data.liked not in (True, False):  # the thumb was clicked off again
            items[k]["feedback"] = None
            return items, gr.Group(visible=False), "", None, ""
        verdict = "up" if data.liked else "down"
        thumb = "「有用」" if data.liked else "「没用」"
        try:
            row = feedback.record(items[k], verdict)  # only a turn this server answered
        except NotIssued:
            items[k]["feedback"] = None
            note = ("这条回答无法评价（来自旧版本或已被改动），请重新提问后再评价。 · This answer cannot be rated "
                    "(it is from an older version or was changed); ask again to rate it.")
            return items, gr.Group(visible=True), note, None, ""
        items[k]["feedback"] = "Like" if data.liked else "Dislike"
        note = (f"已记录 {thumb}（第 {k + 1} 问）。想补充哪里好、哪里不对吗？ · Recorded. Add a comment if you like:"
                if row is not None else
                f"注意：{thumb} 暂时无法保存（已记入日志），不影响继续提问。 · Feedback could not be saved right now.")
        return items, gr.Group(visible=True), note, row, ""

    chatbot.like(like, [turns], [turns, fb_box, fb_note, pending, fb_text], api_visibility="private")

    def comment(row, text: str):
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            return "请先写几句说明，或点「关闭」。 · Type a comment first, or close.", gr.skip()
        if len(text) > MAX_COMMENT_CHARS:
            return (f"说明太长（{len(text)} 字，上限 {MAX_COMMENT_CHARS}），请删短一些。 · The comment is too long "
                    f"({len(text)} characters; the limit is {MAX_COMMENT_CHARS})."), gr.skip()
        if feedback.comment(row, text):
            return "谢谢！说明已保存。 · Thank you, saved.", ""
        return "注意：说明暂时无法保存（已记入日志）。 · The comment could not be saved.", gr.skip()

    fb_send.click(comment, [pending, fb_text], [fb_note, fb_text], api_visibility="private")
    fb_text.submit(comment, [pending, fb_text], [fb_note, fb_text], api_visibility="private")
    fb_close.click(lambda: (gr.Group(visible=False), None), None, [fb_box, pending], api_visibility="private")

    def new_chat():
        return view([]), side([]), [], gr.Group(visible=False)

    clear.click(new_chat, None, [chatbot, sources, turns, fb_box], api_visibility="private")
    chatbot.clear(new_chat, None, [chatbot, sources, turns, fb_box], api_visibility="private")  # its own bin icon


def _turn_index(index) -> int | None:
    """Chat message index (user, assistant, user, …) → turn number."""
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    return index // 2 if isinstance(index, int) else None
