"""What a client may make the server do: the one ASGI layer in front of the chat and the API.

Why a layer of our own: gradio 6.31 serves routes this app has no use for and that reach out or
take in more than they should. ``GET /gradio_api/file=<http URL>`` makes the server fetch the URL
(after a DNS look-up and, for private hosts, a DNS-over-HTTPS query to a public resolver);
``POST /gradio_api/upload`` stores anonymous files of any size; an event payload may name a file
(``{"path": "http://…", "meta": {"_type": "gradio.FileData"}}``) that gradio then downloads or copies.
The page limits what it sends, but a client need not use the page. So, before gradio sees a request:

- no route fetches a URL: ``file=`` may only name a local path, ``proxy=`` and uploads are refused,
  and payloads carrying file objects are refused (the app takes no files), as are payloads whose text
  is not Unicode or nests deeper than ``MAX_JSON_DEPTH``;
- every request body has a size limit (``assistant.limits.MAX_REQUEST_BYTES``; the chat's events
  carry the conversation, see ``CHAT_REQUEST_BYTES``), refused with 413 before it is read in full;
- every response carries a Content-Security-Policy that lets the page load nothing but the app's own
  origin (plus ``data:`` images), so even a rendered remote image would not load.

Refusals are JSON ``{"error": {"message", "type", "code"}}`` with a 4xx status, the shape OpenAI's
clients read. ``refuse_remote_fetches`` also switches off gradio's URL downloader (``safehttpx``)
for the whole process, in case a path this layer does not know about reaches it.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

from assistant.limits import MAX_REQUEST_BYTES

log = logging.getLogger("web.guard")

# Measured: the largest answer turn the page stores is 19.6 KB (a unit's full task list); the page
# keeps 40 turns, so a real conversation stays under 785 KB. The chat's events carry it; nothing else does.
CHAT_REQUEST_BYTES = 2 * MAX_REQUEST_BYTES
MAX_JSON_DEPTH = 32  # the chat's payload nests 6 deep; gradio walks payloads recursively

CSP = "; ".join([
    "default-src 'self'",
    # gradio's page boots from inline scripts, and gr.HTML renders its templates with new Function()
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
REFUSED_PREFIXES = ("/gradio_api/upload", "/upload")  # upload and upload_progress: no feature takes files
EVENT_PREFIXES = ("/gradio_api/queue/join", "/gradio_api/call/", "/gradio_api/run/", "/gradio_api/api/")

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(message: str, code: str, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "code": code}}


def _is_url(target: str) -> bool:
    """A ``file=`` target that is not a plain local path: a URL, a scheme, or a network path."""
    t = target.strip().replace("\\", "/")
    head = t.split("/", 1)[0]
    return t.startswith("//") or "://" in t or ":" in head


def check_path(method: str, path: str) -> None:
    """Refuse routes that fetch a URL or take files (the path as the router will see it)."""
    decoded = path
    for _ in range(3):  # a target may arrive percent-encoded more than once
        decoded = unquote(decoded)
    if decoded.startswith(REFUSED_PREFIXES):
        raise Refused(403, "uploads_disabled", "上传已关闭 · this app accepts no file uploads")
    for segment in ("/proxy=", "/file="):
        at = decoded.find(segment)
        if at < 0:
            continue
        if segment == "/proxy=" or _is_url(decoded[at + len(segment):]):
            raise Refused(403, "remote_fetch_disabled",
                          "本服务不代取任何网址 · this server fetches no URLs for clients")


def check_payload(body: bytes) -> None:
    """Refuse JSON bodies that name files (gradio would download or copy them), nest absurdly, or
    hold text that is not Unicode (a lone surrogate, ``"\\ud83d"``, which JSON allows and every
    later step that writes UTF-8 would fail on)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return  # not JSON: the route answers it with its own 4xx
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise Refused(400, "payload_too_deep", f"请求嵌套过深 · request nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict):
            meta = node.get("meta")
            if isinstance(meta, dict) and str(meta.get("_type", "")).startswith("gradio."):
                raise Refused(400, "files_disabled", "本服务不接受文件 · this app accepts no files in requests")
            for key, value in node.items():
                _check_text(key)
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(400, "invalid_text", "请求含有无效字符 · the request holds text that is not valid Unicode "
                                           "(a lone surrogate)") from None


def body_limit(path: str) -> int:
    return CHAT_REQUEST_BYTES if path.startswith(EVENT_PREFIXES) else MAX_REQUEST_BYTES


class Guard:
    """ASGI middleware: path and payload checks, body size limits, security headers (see module doc)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        method, path = scope["method"], scope["path"]
        try:
            check_path(method, path)
            limit = body_limit(path)
            headers = dict(scope["headers"])
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                raise _too_large(limit)
            if length is not None or b"transfer-encoding" in headers:
                body = await _read_body(receive, limit)
                if method in ("POST", "PUT", "PATCH"):
                    check_payload(body)
                receive = _replay(body, receive)
        except Refused as e:
            log.warning("refused %s %s: %s", method, path[:120], e.code)
            await _send_json(send, e.status, error_body(e.message, e.code))
            return
        await self.app(scope, receive, send)


def _too_large(limit: int) -> Refused:
    return Refused(413, "request_too_large", f"请求太大（上限 {limit // 1024} KB）· request body too large "
                                             f"(the limit is {limit} bytes)")


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(400, "client_disconnected", "client disconnected")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the real channel (for disconnects on long responses)."""
    sent = False

    async def replay() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_headers(send: Send) -> Send:
    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            names = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped


async def _send_json(send: Send, status: int, body: dict) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})  # never read the rest of a refused body
    await send({"type": "http.response.body", "body": data})


def refuse_remote_fetches() -> None:
    """Make gradio's URL downloader (``safehttpx``: DNS look-up, DNS-over-HTTPS, then GET) refuse.

    Every URL gradio fetches on a client's behalf goes through ``safehttpx.async_validate_url``
    or ``safehttpx.get``; with these replaced, none can reach the network even by a route the
    ``Guard`` does not know."""
    import safehttpx

    async def refuse(*args, **kwargs):
        log.warning("refused a remote fetch: %r", args[:1])
        raise PermissionError("remote fetches are disabled in this app")

    safehttpx.async_validate_url = refuse
    safehttpx.get = refuse
