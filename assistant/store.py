"""Where built indexes live: a local folder (embedded Chroma) or a Chroma server shared by replicas.

Both stores keep each build in a new Chroma collection that is self-contained: passage text in
``documents``, the other passage fields and the BM25 tokens in ``metadatas``, the manifest in the
collection's metadata. Each names the live build with a pointer that is switched last, in one atomic
step — the ``CURRENT`` file in the folder, the metadata of a small pointer collection on the server —
so readers never see a half-built index. The folder also keeps ``manifest.json`` and
``passages.json`` beside each build (readable by eye, and what it reads back).
"""
from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from assistant.passages import Passage

COLLECTION = "plan_passages"
DISTANCE = {"hnsw": {"space": "cosine"}}
_PASSAGE_FIELDS = [f.name for f in fields(Passage) if f.name not in ("id", "text")]


class IndexError_(RuntimeError):
    """The index cannot be built or read; the message says what to do."""


def new_build_name() -> str:
    """Names sort in the order builds started (microseconds, UTC), so "older than live" is a
    string comparison."""
    return f"build-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}"


def to_chroma(records: list[dict], start: int) -> dict:
    """A batch of records ({"passage", "tokens"}) as the ids/documents/metadatas of ``Collection.add``."""
    return {
        "ids": [r["passage"]["id"] for r in records],
        "documents": [r["passage"]["text"] for r in records],
        "metadatas": [{**{k: r["passage"][k] for k in _PASSAGE_FIELDS}, "order": start + i,
                       "tokens": json.dumps(r["tokens"], ensure_ascii=False)} for i, r in enumerate(records)],
    }


def from_chroma(got: dict) -> list[dict]:
    """The records of a whole collection (``Collection.get``), in build order."""
    rows = sorted(zip(got["ids"], got["documents"], got["metadatas"]), key=lambda r: r[2]["order"])
    return [{"passage": {"id": pid, "text": text, **{k: meta[k] for k in _PASSAGE_FIELDS}},
             "tokens": json.loads(meta["tokens"])} for pid, text, meta in rows]


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


class FolderStore:
    """``root/CURRENT`` names the live ``root/build-*`` folder: ``manifest.json``, ``passages.json``
    and ``chroma/`` (an embedded Chroma holding the build collection)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.location = str(self.root)

    def live(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name or None

    def builds(self) -> list[str]:
        return [p.name for p in self.root.glob("build-*") if p.is_dir()]

    def where(self, build: str) -> str:
        return str(self.root / build)

    def create(self, build: str, embedding_function, manifest: dict):
        import chromadb

        (self.root / build).mkdir(parents=True)
        client = chromadb.PersistentClient(path=str(self.root / build / "chroma"), settings=_settings())
        return client.create_collection(COLLECTION, embedding_function=embedding_function,
                                        configuration=DISTANCE, metadata=manifest)

    def commit(self, build: str, manifest: dict, records: list[dict]) -> None:
        folder = self.root / build
        (folder / "passages.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        for p in folder.rglob("*"):
            if p.is_file():
                with p.open("rb") as f:
                    os.fsync(f.fileno())
        tmp = self.root / "CURRENT.tmp"
        tmp.write_text(build, encoding="utf-8")
        os.replace(tmp, self.root / "CURRENT")  # the commit point

    def read(self, build: str, embedding_function) -> tuple[dict, list[dict], object]:
        import chromadb

        folder = self.root / build
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        records = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        if not (folder / "chroma" / "chroma.sqlite3").is_file():  # never let Chroma create an empty one
            raise FileNotFoundError(folder / "chroma" / "chroma.sqlite3")
        client = chromadb.PersistentClient(path=str(folder / "chroma"), settings=_settings())
        return manifest, records, client.get_collection(COLLECTION, embedding_function=embedding_function)

    def drop(self, build: str) -> None:
        shutil.rmtree(self.root / build, ignore_errors=True)

    @contextmanager
    def writing(self):
        from chromadb.errors import InternalError  # what embedded Chroma raises for a full or read-only disk

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            yield
        except (OSError, InternalError) as e:
            reason = getattr(e, "strerror", None) or e
            raise IndexError_(
                f"cannot write the index under {self.root} ({reason}). Free some disk space or make the folder "
                f"writable, or point ASSISTANT_INDEX_DIR at a writable folder, then run `python -m assistant build`."
            ) from e


class ServerStore:
    """Collections ``plan_passages-build-*`` on a Chroma server; the metadata of the collection
    ``plan_passages-live`` names the live one."""

    POINTER = f"{COLLECTION}-live"
    PREFIX = f"{COLLECTION}-"

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IndexError_(f"the Chroma URL must look like http://host:port, not {url!r}")
        self.url = url
        self._host, self._ssl = parts.hostname, parts.scheme == "https"
        self._port = parts.port or (443 if self._ssl else 8000)
        self.location = url

    @cached_property
    def client(self):
        import chromadb

        try:
            return chromadb.HttpClient(host=self._host, port=self._port, ssl=self._ssl, settings=_settings())
        except Exception as e:  # noqa: BLE001 - chromadb raises ValueError, httpx errors, …
            raise IndexError_(f"cannot reach the Chroma server at {self.url} ({e}). Start it (e.g. `chroma run "
                              f"--path DIR --port N`) or unset ASSISTANT_CHROMA_URL to use a local folder.") from e

    def live(self) -> str | None:
        from chromadb.errors import NotFoundError

        try:
            pointer = self.client.get_collection(self.POINTER, embedding_function=None)
        except NotFoundError:
            return None
        return (pointer.metadata or {}).get("build") or None

    def builds(self) -> list[str]:
        return [c.name.removeprefix(self.PREFIX) for c in self.client.list_collections()
                if c.name.startswith(self.PREFIX + "build-")]

    def where(self, build: str) -> str:
        return f"{self.url} (collection {self.PREFIX + build})"

    def create(self, build: str, embedding_function, manifest: dict):
        return self.client.create_collection(self.PREFIX + build, embedding_function=embedding_function,
                                             configuration=DISTANCE, metadata=manifest)

    def commit(self, build: str, manifest: dict, records: list[dict]) -> None:
        """Records and manifest are already in the build collection: only the pointer moves."""
        pointer = self.client.get_or_create_collection(self.POINTER, embedding_function=None)
        pointer.modify(metadata={"build": build, "switched_at": datetime.now(timezone.utc).isoformat()})

    def read(self, build: str, embedding_function) -> tuple[dict, list[dict], object]:
        collection = self.client.get_collection(self.PREFIX + build, embedding_function=embedding_function)
        records = from_chroma(collection.get(include=["documents", "metadatas"]))
        return dict(collection.metadata or {}), records, collection

    def drop(self, build: str) -> None:
        from chromadb.errors import NotFoundError

        try:
            self.client.delete_collection(self.PREFIX + build)
        except NotFoundError:
            pass  # another replica swept it first

    @contextmanager
    def writing(self):
        import httpx

        try:
            yield
        except httpx.TransportError as e:
            raise IndexError_(f"lost the Chroma server at {self.url} while building the index ({e}); "
                              f"check that it is running, then run `python -m assistant build`.") from e


def make_store(index_dir: Path, chroma_url: str | None) -> FolderStore | ServerStore:
    """The server when a URL is given, else the folder."""
    return ServerStore(chroma_url) if chroma_url else FolderStore(index_dir)
