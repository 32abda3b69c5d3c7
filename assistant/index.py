"""The built index: passages with their BM25 tokens, their vectors in Chroma, and a manifest.

A build goes into a new Chroma collection in a store (``assistant.store``: a local folder, or a
Chroma server shared by several replicas) and goes live only when the store's pointer is switched to
it, last; a build that dies halfway leaves the previous index in use. An index whose manifest does
not match the corpus checksum, model or schema, or whose records are damaged (token lists included),
is rebuilt. Processes that start together queue on the store's build lock, so one builds and the
others open its build; only provably dead builds are swept (see ``assistant.store``). The folder and
the server share this one code path; only where records, manifest and pointer are kept differs.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, fields
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


@dataclass(eq=False)
class Index:
    """A live, verified index: passages with BM25 tokens and the Chroma collection of their vectors."""

    location: str  # the build folder, or the server and collection
    manifest: dict
    passages: list[Passage]
    tokens: list[list[str]]
    collection: object  # chromadb Collection
    reopen: Callable[[], Index | None] | None = field(default=None, repr=False)  # the live index, read again

    def __post_init__(self) -> None:
        self._closers: list[Callable[[], None]] = []  # what to release with this index (a private copy)
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._closers)

    def adopt(self, close: Callable[[], None]) -> None:
        self._closers.append(close)

    def close(self) -> None:
        _close_all(self._closers)

    def dense_ranking(self, query_vector: list[float]) -> list[tuple[int, float]]:
        """(passage position, cosine similarity) for every passage, best first. If the collection is
        gone (another replica rebuilt the index and swept the old build), the live one is reopened."""
        collection = self.collection
        try:
            return self._ranking(collection, query_vector)
        except Exception as e:
            from chromadb.errors import ChromaError

            if not isinstance(e, ChromaError) or self.reopen is None:
                raise
            return self._ranking(self._reopened(collection), query_vector)

    def _ranking(self, collection, query_vector: list[float]) -> list[tuple[int, float]]:
        res = collection.query(query_embeddings=[query_vector], n_results=len(self.passages), include=["distances"])
        pos = {p.id: i for i, p in enumerate(self.passages)}
        return [(pos[pid], 1.0 - d) for pid, d in zip(res["ids"][0], res["distances"][0])]

    def _reopened(self, failed) -> object:
        """Switch to the live build, which must hold the same passages (same corpus, model and schema,
        so it does unless someone tampered with it)."""
        with self._lock:
            if self.collection is failed:  # else another thread already reopened it
                fresh = self.reopen()
                if fresh is None or [p.id for p in fresh.passages] != [p.id for p in self.passages]:
                    if fresh is not None:
                        fresh.close()
                    raise IndexError_(f"the index at {self.location} is gone and no matching index is live; "
                                      f"restart this process to rebuild it.")
                old = list(self._closers)
                self._closers[:] = fresh._closers
                fresh._closers.clear()
                self.location, self.manifest, self.collection = fresh.location, fresh.manifest, fresh.collection
                _close_all(old)
            return self.collection


def _close_all(closers: list[Callable[[], None]]) -> None:
    while closers:
        try:
            closers.pop()()
        except Exception:  # noqa: BLE001 - releasing a temporary copy must never mask the real work
            pass


def _store(where: Store | Path | str, model: str) -> Store:
    """The store, scoped to this index version. A bare path means the folder store."""
    store = where if isinstance(where, (FolderStore, ServerStore)) else FolderStore(Path(where))
    return store.scoped(expected_manifest(model))


def _checked(records: list[dict]) -> tuple[list[Passage], list[list[str]]]:
    """Passages and their BM25 tokens, or ValueError. Every field must be a string and every passage
    must keep at least one token: an emptied or mistyped token list is damage (all of them empty
    made BM25 divide by zero on every question)."""
    passages, tokens = [], []
    for r in records:
        p, t = Passage(**r["passage"]), r["tokens"]
        if not all(isinstance(getattr(p, f.name), str) for f in fields(Passage)):
            raise ValueError(f"passage {p.id!r} has a field that is not text")
        if not isinstance(t, list) or not t or not all(isinstance(x, str) and x for x in t):
            raise ValueError(f"passage {p.id!r} has a damaged token list")
        passages.append(p)
        tokens.append(t)
    if not passages or len({p.id for p in passages}) != len(passages):
        raise ValueError("no passages, or passage ids repeat")
    return passages, tokens


def _read(store: Store, build: str, model: str, embeddings) -> Index | None:
    """The build as an Index if it is intact and matches corpus, model and schema; else None. A
    problem of the machine rather than the build (no read access, a full temporary folder, a lost
    server) is an ``IndexError_`` that names it: rebuilding would not help."""
    close = _nothing
    try:
        manifest, records, collection, close = store.read(build, embedding_function(embeddings, model))
        if {k: manifest.get(k) for k in MANIFEST_KEYS} != expected_manifest(model):
            raise ValueError("stale: built from another corpus, model or schema")
        passages, tokens = _checked(records)
        if collection.count() != len(passages) or manifest.get("passages") != len(passages):
            raise ValueError("passage counts disagree")
    except IndexError_:
        raise
    except Exception:  # noqa: BLE001 - any damage means "rebuild", never a crash
        close()
        return None
    index = Index(store.where(build), manifest, passages, tokens, collection)
    index.adopt(close)
    return index


def _nothing() -> None:
    pass


def open_index(where: Store | Path, model: str, embeddings) -> Index | None:
    """The live index if it exists, is intact and up to date; else None. An unreachable server or
    an unreadable folder is an ``IndexError_``, not a reason to rebuild."""
    store = _store(where, model)
    for _ in range(3):
        live = store.live()
        if live is None:
            return None
        index = _read(store, live, model, embeddings)
        if store.live() == live:  # it stayed live while we read it, so nobody swept it meanwhile
            if index is not None:
                index.reopen = functools.partial(open_index, store, model, embeddings)
            return index
        if index is not None:  # another process switched the pointer: read the new build
            index.close()
    return None


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="passage", file=sys.stderr, disable=None)


def build_index(where: Store | Path, model: str, embeddings, passages: list[Passage], tokenize) -> str:
    """Build a new index and make it live atomically (waiting for any other build in the same
    folder first). Returns where the live index is."""
    store = _store(where, model)
    with store.building():
        return _build(store, model, embeddings, passages, tokenize)


def _build(store: Store, model: str, embeddings, passages: list[Passage], tokenize) -> str:
    """The build itself, under ``store.building()``. If another replica made an up-to-date build
    live meanwhile (a server has no lock), that one stays live and this one is dropped."""
    before = store.live()
    store.sweep(before)
    build = new_build_name()
    manifest = {**expected_manifest(model), "passages": len(passages),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    records = [{"passage": p.to_dict(), "tokens": tokenize(p.search_text)} for p in passages]
    try:
        collection = store.create(build, embedding_function(embeddings, model), manifest)
        with _progress(len(passages), "building index") as bar:
            for i in range(0, len(passages), EMBED_BATCH):
                batch = passages[i:i + EMBED_BATCH]
                vectors = embeddings.embed_documents([p.search_text for p in batch])
                collection.add(embeddings=vectors, **to_chroma(records[i:i + EMBED_BATCH], i))
                store.heartbeat(collection, manifest)
                bar.update(len(batch))
        now = store.live()
        if now != before and now is not None:
            other = _read(store, now, model, embeddings)
            if other is not None:
                other.close()
                store.drop(build)
                return store.where(now)
        store.commit(build, manifest, records, collection)
    except BaseException:
        with contextlib.suppress(Exception):
            store.drop(build)  # a failed build is cleaned up at once, not left for later
        raise
    store.sweep(build)
    return store.where(build)


def open_or_build(where: Store | Path, model: str, embeddings, passages: list[Passage], tokenize,
                  rebuild: bool = True, force: bool = False, quiet: bool = False) -> tuple[Index, bool]:
    """The live index, built first when it is missing or stale (or ``force``). Returns the index and
    whether this call built it. With ``rebuild=False`` a missing or stale index is an ``IndexError_``.

    Processes that start together on an empty folder queue on its build lock: the first builds, the
    others wake up to find the index live and open it. Opening an intact index writes nothing (a
    read-only folder works), apart from sweeping builds that killed processes left behind.
    """
    store = _store(where, model)
    say = (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    index = None if force else open_index(store, model, embeddings)
    if index is not None:
        store.tidy(store.live())
        return index, False
    if not rebuild:
        raise IndexError_(f"no up-to-date index in {store.location}: run `python -m assistant build`")
    built = False
    with store.building(on_wait=lambda: say(f"another process is building the index in {store.location}: "
                                            f"waiting for it …")):
        index = None if force else open_index(store, model, embeddings)
        if index is None:
            say(f"building a fresh index in {store.location} …" if force else
                f"index in {store.location} is missing or stale: building it …")
            _build(store, model, embeddings, passages, tokenize)
            built = True
            index = open_index(store, model, embeddings)
    if index is None:
        raise IndexError_(f"the index built in {store.location} could not be read back")
    return index, built
