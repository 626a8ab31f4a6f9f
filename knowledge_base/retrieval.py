"""Hybrid retrieval: BM25 and dense rankings fused by reciprocal rank fusion, one hit per entry,
an optional cross-encoder re-ranker, and a confidence score for deciding when to say "not sure"."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from knowledge_base.chunking import Chunk
from knowledge_base.index import ChunkIndex
from knowledge_base.text import other_service

MODES = ("bm25", "dense", "hybrid")
RRF_K = 60  # the usual constant; ranks matter, raw scores of the two systems are not comparable

# Confidence is a calibrated blend of how much of the question the best entry covers (BM25 side)
# and how close it is in meaning (dense side). E5 cosine similarities live in a narrow band,
# hence the rescaling. Tuned on eval/dev.yaml only.
DENSE_FLOOR, DENSE_CEIL = 0.80, 0.93


@dataclass
class Hit:
    entry_id: str
    chunk: Chunk
    score: float  # fused score used for ranking
    bm25_score: float = 0.0
    dense_sim: float = 0.0
    coverage: float = 0.0
    confidence: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)
    off_topic: float = 0.0  # the question names another utility or public service

    @property
    def title(self) -> str:
        return self.chunk.title


Reranker = Callable[[str, list[Hit]], list[Hit]]


class HybridRetriever:
    def __init__(self, index: ChunkIndex, mode: str = "hybrid", depth: int = 30,
                 reranker: Reranker | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if mode != "bm25" and not index.embedder.enabled:
            mode = "bm25"  # bm25-only setting: degrade, do not fail
        self.index, self.mode, self.depth, self.reranker = index, mode, depth, reranker
        self.last_timing: dict[str, float] = {}

    def search(self, query: str, k: int = 5, mode: str | None = None, rerank: bool = True) -> list[Hit]:
        mode = mode or self.mode
        if mode != "bm25" and not self.index.embedder.enabled:
            mode = "bm25"
        t0 = time.perf_counter()
        q_tokens = self.index.tokens(query)
        off_topic = 1.0 if other_service(query) else 0.0
        bm25 = self.index.bm25_search(query, self.depth) if mode in ("bm25", "hybrid") else []
        # the question field on its own (resident questions are phrased like FAQ questions): it
        # brings candidates and a feature for the re-ranker, but no vote in the plain RRF
        bm25q = self.index.bm25_question_search(query, self.depth) if mode == "hybrid" else []
        t1 = time.perf_counter()
        dense: list[tuple[str, float]] = []
        if mode in ("dense", "hybrid"):
            dense = self.index.dense_search(self.index.embedder.embed_query(query), self.depth)
        t2 = time.perf_counter()

        hits: dict[str, Hit] = {}
        bm25_by_chunk = dict(bm25)
        dense_by_chunk = dict(dense)
        for system, ranking in (("bm25", bm25), ("bm25q", bm25q), ("dense", dense)):
            for rank, (cid, _) in enumerate(ranking, start=1):
                chunk = self.index.chunks.get(cid)
                if chunk is None:
                    continue
                hit = hits.get(chunk.entry_id)
                if hit is None:
                    hit = hits[chunk.entry_id] = Hit(chunk.entry_id, chunk, 0.0)
                if system in hit.ranks:
                    continue  # one vote per system per entry: its best chunk
                hit.ranks[system] = rank
                if system != "bm25q":  # fused: BM25 and dense; the question field is a re-ranker feature
                    hit.score += 1.0 / (RRF_K + rank)
                if system == "bm25":
                    hit.bm25_score = bm25_by_chunk[cid]
                    hit.chunk = chunk if "dense" not in hit.ranks else hit.chunk
                elif system == "dense":
                    hit.dense_sim = dense_by_chunk[cid]
                    if "bm25" not in hit.ranks:
                        hit.chunk = chunk

        ranked = sorted(hits.values(), key=lambda h: -h.score)
        for hit in ranked[: max(k, 10)]:
            if mode != "bm25" and not hit.dense_sim:
                hit.dense_sim = self._dense_sim_of(hit, dense_by_chunk)
            hit.coverage = self.index.bm25.coverage(q_tokens, hit.chunk.id)
            hit.confidence = confidence(hit, mode)
            hit.off_topic = off_topic
        if rerank and mode == "hybrid" and self.reranker is not None and ranked:
            ranked = self.reranker(query, ranked[: self.depth])
        t3 = time.perf_counter()
        self.last_timing = {"bm25_ms": (t1 - t0) * 1e3, "dense_ms": (t2 - t1) * 1e3,
                            "fuse_ms": (t3 - t2) * 1e3, "total_ms": (t3 - t0) * 1e3}
        return ranked[:k]

    def _dense_sim_of(self, hit: Hit, dense_by_chunk: dict[str, float]) -> float:
        sims = [dense_by_chunk[c] for c in self.index.entry_chunks.get(hit.entry_id, ()) if c in dense_by_chunk]
        return max(sims, default=0.0)


def confidence(hit: Hit, mode: str) -> float:
    dense = min(1.0, max(0.0, (hit.dense_sim - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR)))
    if mode == "bm25":
        return hit.coverage
    if mode == "dense":
        return dense
    return 0.5 * hit.coverage + 0.5 * dense


FEATURES = ("rrf", "bm25_rr", "bm25q_rr", "dense_rr", "bm25_rel", "bm25_top", "coverage", "dense",
            "dense_gap", "is_faq", "off_topic", "bias")


def features(hits: list[Hit]) -> np.ndarray:
    """One row per candidate, the same columns as FEATURES. Query-level columns (the best BM25
    score, the best similarity) let the model say "nothing here fits" as well as rank."""
    top_bm25 = max((h.bm25_score for h in hits), default=0.0)
    top_dense = max((h.dense_sim for h in hits), default=0.0)
    rows = []
    for h in hits:
        b, bq, d = h.ranks.get("bm25"), h.ranks.get("bm25q"), h.ranks.get("dense")
        rows.append([
            h.score * RRF_K,
            1.0 / b if b else 0.0,
            1.0 / bq if bq else 0.0,
            1.0 / d if d else 0.0,
            h.bm25_score / top_bm25 if top_bm25 else 0.0,
            math.log1p(top_bm25),
            h.coverage,
            (h.dense_sim - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR),
            (h.dense_sim - top_dense) / (DENSE_CEIL - DENSE_FLOOR),
            1.0 if h.chunk.kind == "faq" else 0.0,
            h.off_topic,
            1.0,
        ])
    return np.asarray(rows, dtype=np.float64).reshape(len(hits), len(FEATURES))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 3000, lr: float = 0.5,
                 balance: bool = True) -> np.ndarray:
    """Plain L2-regularised logistic regression by gradient descent (a few hundred rows)."""
    w = np.zeros(x.shape[1])
    pos = max(1.0, float(y.sum()))
    weight = np.where(y > 0, (len(y) - pos) / pos, 1.0) if balance else np.ones(len(y))
    weight = weight / weight.mean()
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ ((p - y) * weight) / len(y) + l2 * np.r_[w[:-1], 0.0]
        w -= lr * grad
    return w


ANSWER_FEATURES = ("top", "margin", "coverage", "dense", "dense_margin", "bm25_top", "off_topic", "bias")


def answer_features(ranked: list[Hit]) -> np.ndarray:
    """Query-level view of the re-ranked list: how sure is it that the top entry answers?"""
    top = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    scale = DENSE_CEIL - DENSE_FLOOR
    return np.array([
        top.score,
        top.score - (second.score if second else top.score - 5.0),
        top.coverage,
        (top.dense_sim - DENSE_FLOOR) / scale,
        (top.dense_sim - (second.dense_sim if second else DENSE_FLOOR)) / scale,
        math.log1p(max(h.bm25_score for h in ranked)),
        top.off_topic,
        1.0,
    ])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


class FeatureReranker:
    """A small re-ranker fitted by `shuiwu kb tune` on the tuning split of the eval set (never on
    the held-out split), in two stages: a logistic model over retrieval features re-orders the
    fused candidates; a second one, over the re-ordered list, estimates whether the top entry
    answers the question at all — that probability is the answer's confidence."""

    top_n = 10

    def __init__(self, weights: list[float], answer_weights: list[float] | None = None):
        if len(weights) != len(FEATURES) or (answer_weights and len(answer_weights) != len(ANSWER_FEATURES)):
            raise ValueError("re-ranker weights do not match the feature list; run `shuiwu kb tune`")
        self.weights = np.asarray(weights, dtype=np.float64)
        self.answer_weights = np.asarray(answer_weights, dtype=np.float64) if answer_weights else None

    def __call__(self, query: str, hits: list[Hit]) -> list[Hit]:
        head, tail = hits[: self.top_n], hits[self.top_n :]
        if not head:
            return hits
        logits = features(head) @ self.weights
        rescored = sorted((replace(h, score=float(z), confidence=float(sigmoid(z)))
                           for h, z in zip(head, logits, strict=True)), key=lambda h: -h.score)
        if self.answer_weights is not None:
            sure = float(sigmoid(answer_features(rescored) @ self.answer_weights))
            top_p = rescored[0].confidence or 1.0
            rescored = [replace(h, confidence=sure * h.confidence / top_p) for h in rescored]
        return rescored + tail


class CrossEncoderReranker:
    """Re-rank the fused candidates with a local cross-encoder (e.g. bge-reranker-base through
    sentence-transformers, installed in production). Off by default: no Chinese cross-encoder
    ships on PyPI, and nothing may be downloaded at run time."""

    def __init__(self, path: str, top_n: int = 10):
        from sentence_transformers import CrossEncoder  # optional dependency

        self._model = CrossEncoder(path, device="cpu", local_files_only=True)
        self.top_n = top_n

    def __call__(self, query: str, hits: list[Hit]) -> list[Hit]:
        head, tail = hits[: self.top_n], hits[self.top_n :]
        scores = self._model.predict([(query, f"{h.chunk.title}\n{h.chunk.text}") for h in head])
        rescored = [replace(h, confidence=float(1.0 / (1.0 + math.exp(-float(s))))) for h, s in zip(head, scores, strict=True)]
        return sorted(rescored, key=lambda h: -h.confidence) + tail


class KnowledgeBaseRetriever(BaseRetriever):
    """LangChain retriever over the hybrid index, so chains elsewhere can reuse it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(
                page_content=h.chunk.text,
                metadata={"id": h.entry_id, "chunk_id": h.chunk.id, "title": h.chunk.title,
                          "kind": h.chunk.kind, "score": h.score, "confidence": h.confidence},
            )
            for h in self.retriever.search(query, k=self.k)
        ]
