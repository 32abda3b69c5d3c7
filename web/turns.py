"""Server-issued turn ids: proof that a question and answer are what this server answered.

Why: the conversation lives in the browser, and a 👍/👎 event sends it back. Without a proof, a
client could store any question and answer it likes as feedback. Each turn the server answers gets
``turn_id = "t1.<nonce>.<mac>"``, an HMAC-SHA256 over the turn's question, answer, citations, found,
route and lang; feedback is recorded only for a turn whose id matches its content. Nothing about the
question is kept on the server to do this.

The key: ``ASSISTANT_TURN_SECRET`` if set (several machines behind one proxy must share it); else a
random key kept in the feedback database (replicas on one machine share it, and ids survive
restarts); else, if that database is unusable, a key for this process only (feedback cannot be
saved then anyway).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets

SIGNED = ("q", "answer", "citations", "found", "route", "lang")
VERSION = "t1"


class NotIssued(ValueError):
    """The turn has no id, or its id does not match its content: not this server's answer."""


def _canonical(nonce: str, turn: dict) -> bytes:
    fields = {k: turn.get(k) for k in SIGNED}
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"{VERSION}.{nonce}.{text}".encode("utf-8", "surrogatepass")


class TurnIds:
    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("a turn-id key needs at least 16 bytes")
        self._key = key

    def _mac(self, nonce: str, turn: dict) -> str:
        digest = hmac.new(self._key, _canonical(nonce, turn), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, turn: dict) -> str:
        """A new id for a turn this server has just answered."""
        nonce = secrets.token_urlsafe(9)
        return f"{VERSION}.{nonce}.{self._mac(nonce, turn)}"

    def check(self, turn: dict) -> str:
        """The turn's id if it is genuine; NotIssued otherwise."""
        turn_id = turn.get("turn_id")
        if not isinstance(turn_id, str) or turn_id.count(".") != 2:
            raise NotIssued("turn has no server-issued id")
        version, nonce, mac = turn_id.split(".")
        if version != VERSION or not hmac.compare_digest(mac, self._mac(nonce, turn)):
            raise NotIssued("turn id does not match the turn")
        return turn_id


def key_from_env() -> bytes | None:
    secret = os.environ.get("ASSISTANT_TURN_SECRET")
    return secret.encode() if secret else None


def random_key() -> bytes:
    return secrets.token_bytes(32)
