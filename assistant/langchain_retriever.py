"""The hybrid search as a langchain retriever, for chains and tools that expect one.

Kept apart from ``retrieve`` so that answering never imports langchain's retriever machinery
(about half a second of start-up)."""
from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.search import HybridSearch


class PlanRetriever(BaseRetriever):
    """The hybrid search as a langchain retriever (for chains and tools that expect one)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search_engine: HybridSearch
    k: int = 5

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.search_engine.rank(query)[: self.k]
        return [Document(page_content=h.passage.text, id=h.passage.id,
                         metadata={"parent": h.passage.parent, "kind": h.passage.kind, "score": h.score})
                for h in hits]
