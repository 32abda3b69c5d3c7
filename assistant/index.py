"""The built index: passages with their BM25 tokens, their vectors in Chroma, and a manifest.

A build goes into a new Chroma collection in a store (``assistant.store``: a local folder, or a
Chroma server shared by several replicas) and goes live only when the store's pointer is switched to
it, last; a build that dies halfway leaves the previous index in use. An index whose manifest does
not match the corpus checksum, model or schema is stale and is rebuilt. The folder and the server
share this one code path; only where records, manifest and pointer are kept differs.
"""
from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.corpus import CORPUS_DIR
from assistant.passages import Passage
# IndexError_ lives in store (the lowest layer that raises it); callers import it from here.
from assistant.store import FolderStore, IndexError_, ServerStore, new_build_name, to_chroma

SCHEMA_VERSION = 1
DEFAULT_INDEX_DIR = Path(__file__).resolve().parent.parent / "index"
CORPUS_FILES = ("plan.txt", "annex.csv", "targets.csv", "units.yaml", "lexicon.yaml")
EMBED_BATCH = 16
MANIFEST_KEYS = ("schema", "corpus_sha256", "model")

Store = FolderStore | ServerStore


def corpus_checksum(corpus_dir: Path = CORPUS_DIR) -> str:
    """One sha256 over every corpus file the index depends on (text, curated data, vocabulary)."""
    h = hashlib.sha256()
    for name in CORPUS_FILES:
        h.update(name.encode())
        h.update((corpus_dir / name).read_bytes())
    return h.hexdigest()


def expected_manifest(model: str) -> dict:
    return {"schema": SCHEMA_VERSION, "corpus_sha256": corpus_checksum(), "model": model}


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

    location: str  # the build folder, or the server and collection
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


def _store(where: Store | Path | str) -> Store:
    """A bare path means the folder store (the default, and what older callers pass)."""
    return where if isinstance(where, (FolderStore, ServerStore)) else FolderStore(Path(where))


def _read(store: Store, build: str, model: str, embeddings) -> Index | None:
    """The build as an Index if it is intact and matches corpus, model and schema; else None."""
    try:
        manifest, records, collection = store.read(build, embedding_function(embeddings, model))
        if {k: manifest.get(k) for k in MANIFEST_KEYS} != expected_manifest(model):
            return None
        passages = [Passage(**r["passage"]) for r in records]
        tokens = [r["tokens"] for r in records]
        if collection.count() != len(passages) or manifest.get("passages") != len(passages):
            return None
    except Exception:  # noqa: BLE001 - any damage means "rebuild", never a crash
        return None
    return Index(store.where(build), manifest, passages, tokens, collection)


def open_index(where: Store | Path, model: str, embeddings) -> Index | None:
    """The live index if it exists, is intact and up to date; else None. An unreachable server is
    an ``IndexError_``, not a reason to rebuild."""
    store = _store(where)
    for _ in range(3):  # another process may switch the pointer (and sweep the old build) meanwhile
        live = store.live()
        if live is None:
            return None
        index = _read(store, live, model, embeddings)
        if index is not None or store.live() == live:
            return index
    return None


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, disable=None)


def build_index(where: Store | Path, model: str, embeddings, passages: list[Passage], tokenize) -> str:
    """Build a new index and make it live atomically. Returns where the live index is.

    If another process made an up-to-date build live while this one was running (replicas starting
    together), that one stays live and this one is dropped, so nobody's open index is swept away.
    """
    store = _store(where)
    with store.writing():
        before = store.live()
        _sweep(store, before)
        build = new_build_name()
        manifest = {**expected_manifest(model), "passages": len(passages),
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        records = [{"passage": p.to_dict(), "tokens": tokenize(p.search_text)} for p in passages]
        collection = store.create(build, embedding_function(embeddings, model), manifest)
        with _progress(len(passages), "building index") as bar:
            for i in range(0, len(passages), EMBED_BATCH):
                batch = passages[i:i + EMBED_BATCH]
                vectors = embeddings.embed_documents([p.search_text for p in batch])
                collection.add(embeddings=vectors, **to_chroma(records[i:i + EMBED_BATCH], i))
                bar.update(len(batch))
        now = store.live()
        if now != before and now is not None and _read(store, now, model, embeddings) is not None:
            store.drop(build)
            return store.where(now)
        store.commit(build, manifest, records)
        _sweep(store, build)
        return store.where(build)


def _sweep(store: Store, live: str | None) -> None:
    """Drop builds that started before the live one: older builds and builds killed halfway. Builds
    started later may still be running in another process, so they stay."""
    if live is None:
        return
    for build in store.builds():
        if build < live:
            store.drop(build)


def open_or_build(where: Store | Path, model: str, embeddings, passages: list[Passage], tokenize,
                  rebuild: bool = True, force: bool = False, quiet: bool = False) -> tuple[Index, bool]:
    """The live index, built first when it is missing or stale (or ``force``). Returns the index and
    whether this call built it. With ``rebuild=False`` a missing or stale index is an ``IndexError_``."""
    store = _store(where)
    index = None if force else open_index(store, model, embeddings)
    if index is not None:
        return index, False
    if not rebuild:
        raise IndexError_(f"no up-to-date index in {store.location}: run `python -m assistant build`")
    if not quiet:
        print(f"index in {store.location} is missing or stale: building it …", file=sys.stderr)
    build_index(store, model, embeddings, passages, tokenize)
    index = open_index(store, model, embeddings)
    if index is None:
        raise IndexError_(f"the index built in {store.location} could not be read back")
    return index, True
