"""Where built indexes live: a local folder (embedded Chroma) or a Chroma server shared by replicas.

Both stores keep each build in a new Chroma collection that is self-contained: passage text in
``documents``, the other passage fields and the BM25 tokens in ``metadatas``, the manifest in the
collection's metadata. Each names the live build with a pointer that is switched last, in one atomic
step — the ``CURRENT`` file in the folder, the metadata of a small pointer collection on the server —
so readers never see a half-built index. The folder also keeps ``manifest.json`` and
``passages.json`` beside each build (readable by eye, and what it reads back).

Only builds that are provably dead are swept. In the folder every build is written under one file
lock (``.build.lock``: one process builds, the others wait, and a killed builder's lock is released
by the kernel), so whoever holds it knows that no other build is being written. On a server, shared
across machines where no file lock reaches, a build in progress is marked ``state: building`` with a
heartbeat it renews per batch; it is swept only when finished and superseded, or silent for
``STALE_BUILD_S``. Readers of a folder never open the shared build itself but a private copy
(``PrivateCopy``), so a live build is never written again and a read-only folder serves.
"""
from __future__ import annotations

import copy
import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import fields
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from assistant.passages import Passage

COLLECTION = "plan_passages"
DISTANCE = {"hnsw": {"space": "cosine"}}
BUILD_WAIT_S = 900  # a starting process waits this long for another's build (one takes ~10 s alone)
STALE_BUILD_S = 600  # a server build whose heartbeat is older than this is dead (it beats every few s)
COPY_PREFIX = "assistant-index-"
_PASSAGE_FIELDS = [f.name for f in fields(Passage) if f.name not in ("id", "text")]


class IndexError_(RuntimeError):
    """The index cannot be built or read; the message says what to do."""


def new_build_name() -> str:
    """Names sort in the order builds started (microseconds, UTC) and say which process made them."""
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


def cause(e: BaseException) -> tuple[str, str]:
    """(what went wrong, what to do) for a failed read or write, naming the real cause: a full disk
    is not a permission problem, and neither is a lock."""
    code = getattr(e, "errno", None)
    text = str(e)
    if code in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text or "No space left" in text:
        return "the disk is full", "Free some disk space"
    if code == errno.EROFS or "readonly database" in text or "read-only file system" in text.lower():
        return "the file system is read-only", "Make the folder writable"
    if code in (errno.EACCES, errno.EPERM) or "ermission denied" in text:
        return f"permission denied ({getattr(e, 'filename', None) or text})", "Give this user access to it"
    return (getattr(e, "strerror", None) or text or type(e).__name__), "Check the folder"


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


class PrivateCopy:
    """This process's own copy of a build's Chroma folder, deleted when closed.

    Why: embedded Chroma writes to its files whenever a client opens them (measured: the sqlite file
    and every HNSW file are rewritten), so it cannot open a read-only folder, and two processes must
    not open one folder at once. A copy (1.4 MB) leaves the shared build untouched. The copy's
    ``.lock`` is held while the process lives; a copy whose lock is free was left by a killed process
    and is swept. A copy is locked before it is made visible (renamed from a hidden name), so a
    sweeper never sees one that is being set up.
    """

    def __init__(self, src: Path):
        from filelock import lock_descriptor

        _sweep_dead_copies()
        self.client, self._fd = None, -1
        try:
            self.path = Path(tempfile.mkdtemp(prefix="." + COPY_PREFIX))
            self._fd = os.open(self.path / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
            lock_descriptor(self._fd)
            visible = self.path.with_name(self.path.name[1:])
            self.path = self.path.rename(visible)
        except OSError as e:
            self.close()
            raise _temp_error(e) from e
        try:
            shutil.copytree(src, self.path / "chroma", copy_function=shutil.copyfile)
            for sub in (self.path / "chroma").rglob("*"):  # the build may be read-only; its copy must not
                sub.chmod(0o700 if sub.is_dir() else 0o600)
            (self.path / "chroma").chmod(0o700)
        except OSError as e:  # shutil.Error too: it gathers the errors of single files
            self.close()
            if cause(e)[0] == "the disk is full":
                raise _temp_error(e) from e
            raise  # the build is unreadable or was swept meanwhile: the caller decides

    def close(self) -> None:
        try:
            if self.client is not None:
                self.client.close()
        finally:
            if hasattr(self, "path"):
                shutil.rmtree(self.path, ignore_errors=True)
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


def _temp_error(e: OSError) -> IndexError_:
    what, todo = cause(e)
    return IndexError_(f"cannot copy the index into the temporary folder {tempfile.gettempdir()} ({what}). "
                       f"{todo}, or point TMPDIR at a writable folder.")


def _sweep_dead_copies() -> None:
    """Delete private copies whose owner died (their lock is free, or already deleted). Other users'
    copies are unreadable to us and stay."""
    from filelock import lock_descriptor

    for folder in Path(tempfile.gettempdir()).glob(COPY_PREFIX + "*"):
        try:
            fd = os.open(folder / ".lock", os.O_RDONLY)
        except FileNotFoundError:  # a visible copy always has its lock: this one was being deleted
            shutil.rmtree(folder, ignore_errors=True)
            continue
        except OSError:
            continue
        try:
            if lock_descriptor(fd, blocking=False):
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
        finally:
            os.close(fd)


class FolderStore:
    """``root/CURRENT`` names the live ``root/build-*`` folder: ``manifest.json``, ``passages.json``
    and ``chroma/`` (an embedded Chroma holding the build collection). A build is immutable once
    live: readers open private copies, so a read-only folder works and opening writes nothing."""

    LOCK = ".build.lock"

    def __init__(self, root: Path):
        self.root = Path(root)
        self.location = str(self.root)
        self._clients: dict[str, object] = {}  # builds this process is writing → their Chroma client

    def scoped(self, manifest: dict) -> FolderStore:
        """One folder serves one deployment: nothing to separate."""
        return self

    def live(self) -> str | None:
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as e:
            what, todo = cause(e)
            raise IndexError_(f"cannot read the index pointer {self.root / 'CURRENT'} ({what}). {todo}.") from e
        return name or None

    def builds(self) -> list[str]:
        return [p.name for p in self.root.glob("build-*") if p.is_dir()]

    def where(self, build: str) -> str:
        return str(self.root / build)

    @contextmanager
    def building(self, on_wait: Callable[[], None] = lambda: None, wait: float = BUILD_WAIT_S):
        """Hold the folder's build lock: one process builds, the others wait here and then find the
        index built. Every failure inside becomes an ``IndexError_`` that names its real cause."""
        from filelock import FileLock, Timeout

        with self._errors():
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.root / self.LOCK, preserve_lock_file=True)
            try:
                lock.acquire(blocking=False)
            except Timeout:
                on_wait()
                try:
                    lock.acquire(timeout=wait)
                except Timeout:
                    raise IndexError_(
                        f"another process has been building the index in {self.root} for over {wait:.0f} s "
                        f"(it holds {self.root / self.LOCK}). Wait for it, or stop it, then try again.") from None
            try:
                yield
            finally:
                lock.release()

    @contextmanager
    def _errors(self):
        from chromadb.errors import InternalError  # what embedded Chroma raises for a full or read-only disk

        try:
            yield
        except (OSError, InternalError) as e:
            what, todo = cause(e)
            raise IndexError_(
                f"cannot write the index under {self.root}: {what}. {todo}, or point ASSISTANT_INDEX_DIR "
                f"at a writable folder, then run `python -m assistant build`.") from e

    def create(self, build: str, embedding_function, manifest: dict):
        import chromadb

        (self.root / build).mkdir(parents=True)
        client = chromadb.PersistentClient(path=str(self.root / build / "chroma"), settings=_settings())
        self._clients[build] = client
        return client.create_collection(COLLECTION, embedding_function=embedding_function,
                                        configuration=DISTANCE, metadata=manifest)

    def heartbeat(self, collection, manifest: dict) -> None:
        """The build lock already says this build is alive."""

    def commit(self, build: str, manifest: dict, records: list[dict], collection) -> None:
        self._close_writer(build)  # Chroma's files are final before anyone may open them
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

    def read(self, build: str, embedding_function) -> tuple[dict, list[dict], object, Callable[[], None]]:
        """Manifest, records, the collection (in a private copy) and how to close it."""
        import chromadb

        folder = self.root / build
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            records = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        except PermissionError as e:
            what, todo = cause(e)
            raise IndexError_(f"cannot read the index in {folder} ({what}). {todo} (read access is enough).") from e
        if not (folder / "chroma" / "chroma.sqlite3").is_file():  # never let Chroma create an empty one
            raise FileNotFoundError(folder / "chroma" / "chroma.sqlite3")
        private = PrivateCopy(folder / "chroma")
        try:
            private.client = chromadb.PersistentClient(path=str(private.path / "chroma"), settings=_settings())
            collection = private.client.get_collection(COLLECTION, embedding_function=embedding_function)
        except BaseException:
            private.close()
            raise
        return manifest, records, collection, private.close

    def sweep(self, live: str | None) -> None:
        """Drop every build but the live one. Call only under ``building()``: holding the lock proves
        that no other process is writing a build (readers use private copies)."""
        for build in self.builds():
            if build != live and build not in self._clients:
                shutil.rmtree(self.root / build, ignore_errors=True)

    def tidy(self, live: str | None) -> None:
        """Sweep builds left by killed processes, if there are any and the lock is free right now.
        A clean folder is not touched (no lock file is even created): opening never writes."""
        from filelock import FileLock, Timeout

        if not [b for b in self.builds() if b != live]:
            return
        try:
            with FileLock(self.root / self.LOCK, preserve_lock_file=True).acquire(blocking=False):
                self.sweep(self.live())
        except (Timeout, OSError, IndexError_):
            pass  # someone is building (they sweep), or the folder is read-only: leave it

    def drop(self, build: str) -> None:
        self._close_writer(build)
        shutil.rmtree(self.root / build, ignore_errors=True)

    def _close_writer(self, build: str) -> None:
        client = self._clients.pop(build, None)
        if client is not None:
            client.close()


class ServerStore:
    """Collections on a Chroma server, in one namespace per index version (corpus checksum, model,
    schema: see ``scoped``), so replicas of different versions never rebuild over each other:
    ``plan_passages-<corpus>-<model>-build-*`` hold builds; the metadata of
    ``plan_passages-<corpus>-<model>-live`` names the live one."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise IndexError_(f"the Chroma URL must look like http://host:port, not {url!r}")
        self.url = url
        self._host, self._ssl = parts.hostname, parts.scheme == "https"
        self._port = parts.port or (443 if self._ssl else 8000)
        self.location = url
        self.prefix = f"{COLLECTION}-"
        self._writing: set[str] = set()

    @property
    def pointer(self) -> str:
        return self.prefix + "live"

    def scoped(self, manifest: dict) -> ServerStore:
        """The namespace of this index version: named by the corpus checksum (and a short hash of
        model and schema, since a model id may hold characters a collection name cannot)."""
        tag = hashlib.sha256(f"{manifest['schema']}|{manifest['model']}".encode()).hexdigest()[:8]
        prefix = f"{COLLECTION}-{manifest['corpus_sha256'][:16]}-{tag}-"
        if prefix == self.prefix:
            return self
        ns = copy.copy(self)  # shares the HTTP client once made
        ns.prefix, ns._writing = prefix, set()
        return ns

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

        with self._errors("reading the index"):
            try:
                pointer = self.client.get_collection(self.pointer, embedding_function=None)
            except NotFoundError:
                return None
        return (pointer.metadata or {}).get("build") or None

    def builds(self) -> list[str]:
        return list(self._build_metadata())

    def _build_metadata(self) -> dict[str, dict]:
        with self._errors("reading the index"):
            return {c.name.removeprefix(self.prefix): dict(c.metadata or {}) for c in self.client.list_collections()
                    if c.name.startswith(self.prefix + "build-")}

    def where(self, build: str) -> str:
        return f"{self.url} (collection {self.prefix + build})"

    @contextmanager
    def building(self, on_wait: Callable[[], None] = lambda: None, wait: float = BUILD_WAIT_S):
        """No lock spans machines: replicas that start together may both build; the later one finds
        the other's build live and drops its own (``assistant.index``)."""
        with self._errors("building the index"):
            yield

    @contextmanager
    def _errors(self, doing: str):
        import httpx

        try:
            yield
        except httpx.TransportError as e:
            raise IndexError_(f"lost the Chroma server at {self.url} while {doing} ({e}); "
                              f"check that it is running, then try again.") from e

    def create(self, build: str, embedding_function, manifest: dict):
        self._writing.add(build)
        return self.client.create_collection(self.prefix + build, embedding_function=embedding_function,
                                             configuration=DISTANCE, metadata=self._marked(manifest, "building"))

    def heartbeat(self, collection, manifest: dict) -> None:
        collection.modify(metadata=self._marked(manifest, "building"))

    def commit(self, build: str, manifest: dict, records: list[dict], collection) -> None:
        """Records and manifest are already in the build collection: move the pointer, then mark the
        build done (in this order: a sweeper never sees it done and not yet live)."""
        pointer = self.client.get_or_create_collection(self.pointer, embedding_function=None)
        pointer.modify(metadata={"build": build, "switched_at": datetime.now(timezone.utc).isoformat()})
        collection.modify(metadata=self._marked(manifest, "done"))
        self._writing.discard(build)

    @staticmethod
    def _marked(manifest: dict, state: str) -> dict:
        return {**manifest, "state": state, "heartbeat": int(time.time())}

    def read(self, build: str, embedding_function) -> tuple[dict, list[dict], object, Callable[[], None]]:
        with self._errors("reading the index"):
            collection = self.client.get_collection(self.prefix + build, embedding_function=embedding_function)
            records = from_chroma(collection.get(include=["documents", "metadatas"]))
        return dict(collection.metadata or {}), records, collection, lambda: None

    def sweep(self, live: str | None) -> None:
        """Drop this version's builds that are dead: finished and no longer live (replicas still
        reading one reopen the live one), or silent for ``STALE_BUILD_S`` (their builder died)."""
        now = time.time()
        for build, meta in self._build_metadata().items():
            if build == live or build in self._writing:
                continue
            beat = meta.get("heartbeat")
            if meta.get("state") == "done" or not isinstance(beat, (int, float)) or now - beat > STALE_BUILD_S:
                self.drop(build)

    def tidy(self, live: str | None) -> None:
        try:
            self.sweep(live)
        except Exception:  # noqa: BLE001 - tidying is a courtesy; the index is already open
            pass

    def drop(self, build: str) -> None:
        from chromadb.errors import NotFoundError

        self._writing.discard(build)
        try:
            self.client.delete_collection(self.prefix + build)
        except NotFoundError:
            pass  # another replica swept it first


def make_store(index_dir: Path, chroma_url: str | None) -> FolderStore | ServerStore:
    """The server when a URL is given, else the folder."""
    return ServerStore(chroma_url) if chroma_url else FolderStore(index_dir)
