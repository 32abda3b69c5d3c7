"""The built index under ``index/``: dense vectors in Chroma, BM25 tokens as JSON, a manifest.

Layout: ``index/CURRENT`` names the live build folder ``index/build-*``; each build holds
``manifest.json``, ``passages.json`` (passages with their BM25 tokens) and ``chroma/``. A build is
written into a new folder and goes live only when CURRENT is atomically replaced, so a build that
dies halfway leaves the previous index in use. An index whose manifest does not match the corpus
checksum, model or schema is stale and is rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.corpus import CORPUS_DIR
from assistant.passages import Passage

SCHEMA_VERSION = 1
DEFAULT_INDEX_DIR = Path(__file__).resolve().parent.parent / "index"
COLLECTION = "plan_passages"
CORPUS_FILES = ("plan.txt", "annex.csv", "targets.csv", "units.yaml", "lexicon.yaml")
EMBED_BATCH = 16


class IndexError_(RuntimeError):
    """The index cannot be built or read; the message says what to do."""


def corpus_checksum(corpus_dir: Path = CORPUS_DIR) -> str:
    """One sha256 over every corpus file the index depends on (text, curated data, vocabulary)."""
    h = hashlib.sha256()
    for name in CORPUS_FILES:
        h.update(name.encode())
        h.update((corpus_dir / name).read_bytes())
    return h.hexdigest()


def expected_manifest(model: str) -> dict:
    return {"schema": SCHEMA_VERSION, "corpus_sha256": corpus_checksum(), "model": model}


def _chroma_client(path: Path):
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))


def embedding_function(embeddings, model: str):
    """Our langchain ``Embeddings`` as a chromadb embedding function (never Chroma's default,
    which would download a model)."""
    from chromadb.api.types import EmbeddingFunction
    from chromadb.utils.embedding_functions import register_embedding_function

    global _EF_CLASS
    if _EF_CLASS is None:
        @register_embedding_function
        class LangchainEmbeddingFunction(EmbeddingFunction):
            def __init__(self, embeddings=None, model: str = "") -> None:
                self.embeddings, self.model = embeddings, model

            def __call__(self, input):  # noqa: A002 - chromadb's parameter name
                if self.embeddings is None:
                    raise IndexError_("open the index through assistant.index to embed")
                return self.embeddings.embed_documents(list(input))

            def embed_query(self, input):  # noqa: A002
                return [self.embeddings.embed_query(t) for t in input]

            @staticmethod
            def name() -> str:
                return "assistant-langchain"

            def get_config(self) -> dict:
                return {"model": self.model}

            @staticmethod
            def build_from_config(config):
                return LangchainEmbeddingFunction(None, config.get("model", ""))

        _EF_CLASS = LangchainEmbeddingFunction
    return _EF_CLASS(embeddings, model)


_EF_CLASS = None


@dataclass
class Index:
    """A live, verified index: passages with BM25 tokens and the Chroma collection of their vectors."""

    path: Path
    manifest: dict
    passages: list[Passage]
    tokens: list[list[str]]
    collection: object  # chromadb Collection

    def dense_ranking(self, query_vector: list[float]) -> list[tuple[int, float]]:
        """(passage position, cosine similarity) for every passage, best first."""
        res = self.collection.query(query_embeddings=[query_vector], n_results=len(self.passages),
                                    include=["distances"])
        pos = {p.id: i for i, p in enumerate(self.passages)}
        return [(pos[pid], 1.0 - d) for pid, d in zip(res["ids"][0], res["distances"][0])]


def _live_dir(root: Path) -> Path | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return root / name if name else None


def open_index(root: Path, model: str, embeddings) -> Index | None:
    """The live index if it exists, is intact and matches corpus, model and schema; else None."""
    live = _live_dir(root)
    if live is None:
        return None
    try:
        manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
        if {k: manifest.get(k) for k in ("schema", "corpus_sha256", "model")} != expected_manifest(model):
            return None
        data = json.loads((live / "passages.json").read_text(encoding="utf-8"))
        passages = [Passage(**d["passage"]) for d in data]
        tokens = [d["tokens"] for d in data]
        if not (live / "chroma" / "chroma.sqlite3").is_file():
            return None
        client = _chroma_client(live / "chroma")
        collection = client.get_collection(COLLECTION, embedding_function=embedding_function(embeddings, model))
        if collection.count() != len(passages) or manifest.get("passages") != len(passages):
            return None
    except Exception:  # noqa: BLE001 - any damage means "rebuild", never a crash
        return None
    return Index(live, manifest, passages, tokens, collection)


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, disable=None)


def build_index(root: Path, model: str, embeddings, passages: list[Passage], tokenize) -> Path:
    """Build a new index folder and make it live atomically. Returns the live folder."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_dead_builds(root)
        build = root / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        build.mkdir()
        client = _chroma_client(build / "chroma")
        collection = client.create_collection(
            COLLECTION, embedding_function=embedding_function(embeddings, model),
            metadata={"hnsw:space": "cosine"})
        with _progress(len(passages), "building index") as bar:
            for i in range(0, len(passages), EMBED_BATCH):
                batch = passages[i:i + EMBED_BATCH]
                vectors = embeddings.embed_documents([p.search_text for p in batch])
                collection.add(ids=[p.id for p in batch], embeddings=vectors,
                               documents=[p.text for p in batch],
                               metadatas=[{"parent": p.parent, "kind": p.kind} for p in batch])
                bar.update(len(batch))
        data = [{"passage": p.to_dict(), "tokens": tokenize(p.search_text)} for p in passages]
        (build / "passages.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        manifest = {**expected_manifest(model), "passages": len(passages),
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        _fsync_tree(build)
        tmp = root / "CURRENT.tmp"
        tmp.write_text(build.name, encoding="utf-8")
        os.replace(tmp, root / "CURRENT")  # the commit point
        _remove_dead_builds(root)
        return build
    except OSError as e:
        raise IndexError_(
            f"cannot write the index under {root} ({e.strerror or e}). Free some disk space or make "
            f"the folder writable, or point ASSISTANT_INDEX_DIR at a writable folder, then run "
            f"`python -m assistant build`.") from e


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with p.open("rb") as f:
                os.fsync(f.fileno())


def _remove_dead_builds(root: Path) -> None:
    """Delete build folders that are not live (older builds and builds killed halfway)."""
    live = _live_dir(root)
    for p in root.glob("build-*"):
        if p != live and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
