"""`KnowledgeBase`: the one object the app, the chat actions and the CLI use."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from knowledge_base import messages
from knowledge_base.answer import Answer, compose
from knowledge_base.content import Entry, load_content
from knowledge_base.embeddings import Embedder, make_embedder
from knowledge_base.index import ChunkIndex
from knowledge_base.retrieval import (
    CrossEncoderReranker,
    FeatureReranker,
    Hit,
    HybridRetriever,
    KnowledgeBaseRetriever,
)
from knowledge_base.settings import KBSettings, tuned

MAX_QUESTION_CHARS = 500


def make_reranker(setting: str):
    if not setting:
        return None
    if setting == "features":
        weights = tuned().get("reranker")
        return FeatureReranker(weights, tuned().get("answerability")) if weights else None
    if setting.startswith("ce:"):
        return CrossEncoderReranker(setting[3:])
    raise ValueError(f"未知的重排序设置：{setting}（可选 off、features、ce:<目录>）")


class KnowledgeBase:
    def __init__(self, settings: KBSettings | None = None, embedder: str | Embedder | None = None,
                 location: str | Path | None = None, **overrides):
        self.settings = (settings or KBSettings()).model_copy(update=overrides)
        self.embedder = make_embedder(embedder or self.settings.embedder)
        self.index = ChunkIndex(str(location or self.settings.location), self.embedder,
                                collection=self.settings.collection)
        self.reranker = make_reranker(self.settings.reranker_key)
        self.retriever = HybridRetriever(self.index, mode=self.settings.mode, reranker=self.reranker)
        self._lock = threading.RLock()

    # ---- content --------------------------------------------------------------------------

    def upsert(self, entry: Entry) -> None:
        """Create or edit one entry; searchable as soon as this returns. A retired entry is
        taken out instead."""
        if not entry.published:
            self.retire(entry.id)
            return
        with self._lock:
            self.index.upsert([entry])

    def retire(self, entry_id: str) -> None:
        """Take an entry out of search (its history stays in the app's database)."""
        with self._lock:
            self.index.delete_entry(entry_id)

    def reindex(self, entries: Iterable[Entry] | None = None) -> int:
        """Make the index hold exactly the published `entries` (default: the seed files).
        Entries whose text did not change keep their vectors. Returns vectors computed."""
        entries = [e for e in (load_content() if entries is None else entries) if e.published]
        with self._lock:
            keep = {e.id for e in entries}
            for entry_id in [i for i in self.index.entry_chunks if i not in keep]:
                self.index.delete_entry(entry_id)
            return self.index.upsert(entries)

    def count(self) -> int:
        """Entries currently searchable."""
        return len(self.index.entry_chunks)

    def chunk_count(self) -> int:
        return len(self.index.chunks)

    def refresh(self) -> None:
        """Pick up edits another replica wrote to a shared Chroma server."""
        self.index.refresh()

    # ---- questions ------------------------------------------------------------------------

    def search(self, question: str, k: int = 5, mode: str | None = None, rerank: bool = True) -> list[Hit]:
        return self.retriever.search(question, k=k, mode=mode, rerank=rerank)

    def pipeline(self, mode: str | None = None, rerank: bool = True) -> str:
        return self.settings.pipeline(mode) if rerank and self.reranker is not None else (mode or self.settings.mode)

    def ask(self, question: str, mode: str | None = None, rerank: bool = True,
            threshold: float | None = None) -> Answer:
        question = (question or "").strip()[:MAX_QUESTION_CHARS]
        if not question:
            return Answer(messages.EMPTY_QUESTION, False)
        hits = self.search(question, k=5, mode=mode, rerank=rerank)
        s = self.settings
        pipe = self.pipeline(mode, rerank)
        result = compose(hits, s.threshold_for(pipe) if threshold is None else threshold,
                         max_chars=s.answer_max_chars, related_min=s.related_for(pipe),
                         url_pattern=s.portal_entry_url)
        if result.confident and s.llm_url:
            from knowledge_base.llm import rephrase

            result.text = rephrase(s.llm_url, s.llm_model, question, result.text)
        return result

    def as_retriever(self, k: int = 4) -> KnowledgeBaseRetriever:
        """LangChain's retriever interface over this index."""
        return KnowledgeBaseRetriever(retriever=self.retriever, k=k)


_default: KnowledgeBase | None = None
_default_lock = threading.Lock()


def app_kb_settings() -> KBSettings:
    from shuiwu.config import get_settings

    return KBSettings.from_app_settings(get_settings())


def get_knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base, built on first use from the app's settings; seeded from
    the package content when its store is empty (the app replaces the seed with the database's
    entries through `reindex`)."""
    global _default
    with _default_lock:
        if _default is None:
            kb = KnowledgeBase(app_kb_settings())
            if not kb.count():
                kb.reindex(load_content())
            _default = kb
        return _default


def answer(question: str) -> Answer:
    return get_knowledge_base().ask(question)
