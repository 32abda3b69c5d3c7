"""The HTTP API for programs, on the chat's port: ``/api/…`` (this app's own JSON) and ``/v1/…``
(OpenAI's chat-completions protocol, so chat front-ends and evaluation harnesses plug in as they are).

Why a plain FastAPI router beside gradio rather than gradio's ``/ask`` event: no queue protocol, no
session, one request → one JSON answer (or a server-sent event stream), described in ``/openapi.json``.
The same limits hold as in the chat: the guard caps the body (``MAX_REQUEST_BYTES``), and every
question and history goes through ``assistant.limits``; bad input gets a 4xx with
``{"error": {"message", "type", "code"}}``, never a traceback. With ``ASSISTANT_API_KEY`` set, every
route but ``/api/health`` wants ``Authorization: Bearer <key>``. The models are in ``web.schemas``.
"""
from __future__ import annotations

import hmac
import json
import os
import time
import uuid

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException

from assistant.limits import (MAX_BATCH_QUESTIONS, MAX_HISTORY_TURNS, MAX_TURN_CHARS, InputError, check_question,
                              check_request)
from web.guard import error_body
from web.schemas import (ERRORS, KEYED, MODEL_ID, Answer, AskRequest, BatchRequest, BatchResponse, ChatCompletion,
                         ChatMessage, ChatRequest, ErrorBody, Health, ModelList)


class ApiError(HTTPException):
    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error"):
        super().__init__(status, message)
        self.code, self.kind = code, kind


def require_key(request: Request) -> None:
    """401 unless ASSISTANT_API_KEY is unset or the request carries it as a bearer token."""
    key = os.environ.get("ASSISTANT_API_KEY")
    if not key:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
        raise ApiError(401, "缺少或错误的 API key · missing or wrong API key (Authorization: Bearer <key>)",
                       "invalid_api_key")


def router(engine, assistant) -> APIRouter:
    """The routes, over the web app's ``Engine`` (``web.services``)."""
    api = APIRouter(responses=ERRORS)
    keyed = [Depends(require_key)]
    started = int(time.time())
    # answers are CPU work: one per core at a time, the rest wait in arrival order (anyio serves
    # waiters first come, first served), so no request starves behind later ones
    slots = anyio.CapacityLimiter(os.cpu_count() or 2)

    async def in_turn(fn, *args):
        return await anyio.to_thread.run_sync(fn, *args, limiter=slots)

    def answer(question: object, history: object) -> dict:
        start = time.perf_counter()
        try:
            check_request(question, history)  # the engine itself answers an empty question politely
            result = engine.ask(question, history).to_dict()
        except InputError as e:
            raise ApiError(400, str(e), "invalid_input") from e
        return {**result, "elapsed_ms": round((time.perf_counter() - start) * 1000, 1)}

    @api.post("/api/ask", response_model=Answer, dependencies=keyed, responses=KEYED, tags=["answers"])
    async def ask(body: AskRequest) -> dict:
        """Answer one question (with earlier questions as history, for follow-ups)."""
        return await in_turn(answer, body.question, body.history)

    @api.post("/api/ask/batch", response_model=BatchResponse, response_model_exclude_unset=True, dependencies=keyed,
              responses=KEYED, tags=["answers"])
    async def ask_batch(body: BatchRequest) -> dict:
        """Up to MAX_BATCH_QUESTIONS questions, answered in order; a question over the limits gets an
        ``error`` in its place and the others are answered."""
        if len(body.questions) > MAX_BATCH_QUESTIONS:
            raise ApiError(400, f"一次最多 {MAX_BATCH_QUESTIONS} 个问题 · at most {MAX_BATCH_QUESTIONS} questions per "
                                f"batch ({len(body.questions)} sent)", "batch_too_large")
        def answer_all() -> list[dict]:
            out = []
            for q in body.questions:
                echo = {} if q.id is None else {"id": q.id}
                try:
                    out.append({**echo, **answer(q.question, q.history)})
                except ApiError as e:
                    out.append({**echo, "question": q.question[:80], "error": e.detail})
            return out

        return {"answers": await in_turn(answer_all)}

    @api.get("/api/health", response_model=Health, tags=["service"])
    def health() -> dict:
        """Whether the index is loaded, and which corpus and model it holds (no key needed)."""
        from assistant.corpus import sha256
        from assistant.index import corpus_checksum

        manifest = assistant.index.manifest
        return {"status": "ok", "index_loaded": bool(assistant.index.passages),
                "index_current": manifest.get("corpus_sha256") == corpus_checksum(),
                "passages": len(assistant.index.passages), "corpus_sha256": manifest.get("corpus_sha256", ""),
                "plan_sha256": sha256(), "model": assistant.model, "built_at": manifest.get("built_at"),
                "llm_writer": engine.streams_model_text, "engine_workers": engine.pool.ready if engine.pool else 0}

    @api.get("/v1/models", response_model=ModelList, dependencies=keyed, responses=KEYED, tags=["openai"])
    def models() -> dict:
        """The one model: answers from 慈党发〔2019〕78号 with citations."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": started,
                                            "owned_by": "cixi-assistant"}]}

    @api.post("/v1/chat/completions", response_model=ChatCompletion, dependencies=keyed, tags=["openai"],
              responses={**KEYED, 200: {"content": {"text/event-stream": {}}, "description":
                                        "a chat.completion, or with stream=true server-sent chat.completion.chunk events"},
                         404: {"model": ErrorBody, "description": f"a model other than {MODEL_ID}"}})
    async def chat_completions(body: ChatRequest):
        """OpenAI-compatible chat: answers the last user message, earlier user messages as history.
        The reply carries the [n] markers and a short sources list; ``cixi`` holds the structured
        citations, ``found`` and ``route``."""
        if body.model != MODEL_ID:
            raise ApiError(404, f"model {body.model!r} does not exist; use {MODEL_ID!r}", "model_not_found")
        question, history = _conversation(body.messages)
        result = await in_turn(answer, question, history)
        reply, policy = reply_text(result), _policy(result)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if body.stream:
            usage = bool((body.stream_options or {}).get("include_usage"))
            return StreamingResponse(_chunks(completion_id, created, reply, policy, usage),
                                     media_type="text/event-stream", headers={"cache-control": "no-cache"})
        return {"id": completion_id, "object": "chat.completion", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}, "cixi": policy}

    @api.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @api.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(request: Request, rest: str):
        raise ApiError(404, f"没有这个接口 · no endpoint {request.method} {request.url.path} (see /docs)", "not_found")

    return api


def _text(content) -> str:
    """A message's text: a string, or OpenAI's list of content parts (text parts joined)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _conversation(messages: list[ChatMessage]) -> tuple[str, list[str]]:
    """The question (the last user message, checked as strictly as in the chat) and its history:
    earlier user messages within the limits, the last MAX_HISTORY_TURNS of them. A long or odd earlier
    message is left out rather than refused, so one bad turn does not break a front-end's whole chat."""
    users = [_text(m.content) for m in messages if m.role == "user"]
    if not users:
        raise ApiError(400, "没有用户消息 · the messages hold no user message to answer", "no_user_message")
    try:
        question = check_question(users[-1])
    except InputError as e:
        raise ApiError(400, str(e), "invalid_input") from e
    history = [u for u in users[:-1] if u.strip() and len(u) <= MAX_TURN_CHARS][-MAX_HISTORY_TURNS:]
    return question, history


def reply_text(result: dict) -> str:
    """The answer with its [n] markers, then one line per source, for chat front-ends."""
    lines = [result["answer"]]
    if result["citations"]:
        lines += ["", "来源 Sources:"] + [f"[{i}] {c['title']} ({c['id']})" for i, c in enumerate(result["citations"], 1)]
    return "\n".join(lines)


def _policy(result: dict) -> dict:
    return {k: result[k] for k in ("found", "route", "lang", "citations")}


async def _chunks(completion_id: str, created: int, reply: str, policy: dict, usage: bool):
    """OpenAI's chunk stream: the role, the text (a paragraph per chunk: the answer is complete
    before the first byte, so chunks only pace the display), the stop with ``cixi``, then [DONE]."""
    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    pieces = reply.split("\n")
    for i, piece in enumerate(pieces):
        yield chunk({"content": piece + ("\n" if i < len(pieces) - 1 else "")})
    yield chunk({}, "stop", cixi=policy)
    if usage:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": [], "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"


def install_error_handlers(app: FastAPI) -> None:
    """Every error of the API as ``{"error": {...}}`` JSON with a 4xx status; never a traceback."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, e: ApiError):
        headers = {"www-authenticate": "Bearer"} if e.status_code == 401 else None
        return JSONResponse(error_body(e.detail, e.code, e.kind), e.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError):
        return JSONResponse(error_body(_describe(e.errors()), "invalid_request"), 400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, e: HTTPException):
        return JSONResponse(error_body(str(e.detail), f"http_{e.status_code}"), e.status_code)

    @app.exception_handler(Exception)
    async def internal(request: Request, e: Exception):  # an engine failure: logged by uvicorn, not shown
        return JSONResponse(error_body("内部错误 · internal error", "internal_error", "server_error"), 500)


def _describe(errors: list[dict]) -> str:
    """A validation failure in one line: where, and what was expected."""
    if any(err.get("type") == "json_invalid" for err in errors):
        return "请求不是有效的 JSON · the request body is not valid JSON"
    parts = []
    for err in errors[:3]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "请求格式不对 · invalid request: " + "; ".join(parts)
