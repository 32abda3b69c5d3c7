"""The HTTP API's request and response models (``web.api``): what ``/openapi.json`` and ``/docs`` describe.

Strict types (a number is not a question), no unknown fields on this app's own routes, OpenAI's
extra parameters allowed (and ignored) on ``/v1``. Lengths are checked by ``assistant.limits`` in
the routes, for the same bilingual messages as everywhere else.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from assistant.limits import MAX_BATCH_QUESTIONS

MODEL_ID = "cixi-policy"
EXAMPLE = "尘肺病防治攻坚行动由哪个部门牵头？"


class Citation(BaseModel):
    id: str = Field(description="clause (m1…m24, general, org …) or annex row (a1.1…a22.2)")
    title: str
    text: str = Field(description="the cited text, exactly as printed")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": EXAMPLE}, {"question": "那配合单位呢？", "history": [EXAMPLE]}]})
    question: StrictStr = Field(description="one question, Chinese or English (at most 2000 characters)")
    history: list[StrictStr] | None = Field(None, description="earlier questions of the conversation, oldest "
                                            "first, for follow-ups (at most 20, each at most 2000 characters)")


class Answer(BaseModel):
    """The same JSON as ``python -m assistant ask --json``."""
    model_config = ConfigDict(extra="allow")
    question: str
    answer: str = Field(description="the answer; [n] marks refer to citations[n-1]")
    found: bool = Field(description="false when the plan does not answer this (the answer then says so)")
    route: str = Field(description="policy | responsibility | target | unit_lookup | none")
    lang: str
    citations: list[Citation]
    facts: list[dict[str, Any]] = Field(description="the annex rows, targets or sentences the answer used")
    elapsed_ms: float


class BatchQuestion(AskRequest):
    id: StrictStr | StrictInt | None = Field(None, description="echoed in the answer")


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"questions": [{"id": 1, "question": EXAMPLE}, {"id": 2, "question": "住房公积金能交房租吗？"}]}]})
    questions: list[BatchQuestion] = Field(description=f"at most {MAX_BATCH_QUESTIONS}, answered in order")


class BatchAnswer(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: StrictStr | StrictInt | None = None
    error: str | None = Field(None, description="set instead of an answer when this question is over the limits")


class BatchResponse(BaseModel):
    answers: list[BatchAnswer] = Field(description="one per question, in order: the fields of Answer, or error")


class Health(BaseModel):
    status: Literal["ok"]
    index_loaded: bool
    index_current: bool = Field(description="the index was built from the corpus files now on disk")
    passages: int
    corpus_sha256: str = Field(description="checksum of the corpus files the index was built from")
    plan_sha256: str = Field(description="checksum of the document, corpus/plan.txt")
    model: str = Field(description="the embedding model")
    built_at: str | None
    llm_writer: bool = Field(description="answers are phrased by an LLM (ASSISTANT_LLM_BASE_URL)")
    engine_workers: int = Field(description="engine worker processes answering now (ASSISTANT_ENGINE_WORKERS)")


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """OpenAI's request; sampling parameters (temperature, top_p, max_tokens …) are accepted and ignored."""
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": MODEL_ID, "messages": [{"role": "user", "content": EXAMPLE}]}]})
    model: StrictStr = Field(MODEL_ID, description=f"'{MODEL_ID}'")
    messages: list[ChatMessage] = Field(min_length=1, description="the last user message is answered; earlier "
                                        "user messages are its history; system messages are ignored")
    stream: bool = False
    stream_options: dict[str, Any] | None = None


class Policy(BaseModel):
    """The structured answer beside the reply text."""
    found: bool
    route: str
    lang: str
    citations: list[Citation]


class ChatChoice(BaseModel):
    index: int
    message: dict[str, Any]
    finish_reason: str
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: dict[str, int] = Field(description="always 0: no model, no tokens")
    cixi: Policy


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


ERRORS = {400: {"model": ErrorBody, "description": "bad input (types, limits, not JSON)"},
          413: {"model": ErrorBody, "description": "request body over the limit"}}
KEYED = {401: {"model": ErrorBody, "description": "ASSISTANT_API_KEY is set and the bearer key is missing or wrong"}}
