"""The water utility's knowledge base: content, Chinese chunking, hybrid (BM25 + Chroma) retrieval
and answer composition. Imported by the app as a library; nothing here touches the app's DB.

Contract used by the app: `Entry`, `load_content`, `get_knowledge_base()` → `KnowledgeBase`
(`ask`, `upsert`, `retire`, `reindex`, `count`), `answer(question)` → `Answer`.
"""

from knowledge_base.answer import Answer
from knowledge_base.content import Entry, load_content
from knowledge_base.kb import KnowledgeBase, answer, get_knowledge_base

__all__ = ["Answer", "Entry", "KnowledgeBase", "answer", "get_knowledge_base", "load_content"]
