"""The knowledge base's knobs. The app builds one from its own Settings (`from_app_settings`);
this package never reads the environment itself."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

RESOURCES = Path(__file__).resolve().parent / "resources"
TUNED_FILE = RESOURCES / "tuned.json"


class KBSettings(BaseModel):
    chroma_path: Path = Field(Path("var/chroma"), description="embedded Chroma directory")
    chroma_url: str = Field("", description="http://host:port of a Chroma server; empty = embedded")
    collection: str = "knowledge_base"
    embedder: str = Field("e5", description="e5 | hash | bm25-only | st:<dir> | onnx:<dir>")
    reranker: str = Field("features", description="off | features (fitted, shipped) | ce:<dir> (cross-encoder)")
    mode: str = Field("hybrid", description="bm25 | dense | hybrid")
    threshold: float | None = Field(None, description="confidence below which the answer is 'not sure'; "
                                    "None = the value tuned on the tuning split")
    related_min: float | None = Field(None, description="a related question must be this confident; None = tuned")
    answer_max_chars: int = 220
    llm_url: str = Field("", description="OpenAI-compatible endpoint that rephrases answers; empty = off")
    llm_model: str = ""
    portal_entry_url: str = Field("/faq?entry={id}", description="link to the full entry in the portal")

    @property
    def location(self) -> str:
        return self.chroma_url or str(self.chroma_path)

    @property
    def reranker_key(self) -> str:
        return "" if self.reranker.lower() in ("", "off", "none", "0", "false") else self.reranker

    def pipeline(self, mode: str | None = None) -> str:
        """The tuning key: bm25 | dense | hybrid | rerank."""
        mode = mode or self.mode
        return "rerank" if mode == "hybrid" and self.reranker_key else mode

    def threshold_for(self, pipeline: str) -> float:
        if self.threshold is not None:
            return self.threshold
        return float(tuned().get("threshold", {}).get(pipeline, 0.5))

    def related_for(self, pipeline: str) -> float:
        if self.related_min is not None:
            return self.related_min
        return float(tuned().get("related", {}).get(pipeline, self.threshold_for(pipeline)))

    @classmethod
    def from_app_settings(cls, app_settings) -> KBSettings:
        """Pick `chroma_url`, `chroma_path` and any `kb_*` fields off the app's Settings."""
        values = {}
        for name in cls.model_fields:
            for attr in (f"kb_{name}", name if name.startswith("chroma") else ""):
                if attr and getattr(app_settings, attr, None) not in (None, ""):
                    values[name] = getattr(app_settings, attr)
                    break
        return cls(**values)


@lru_cache(maxsize=1)
def tuned() -> dict:
    """Thresholds and re-ranker weights fitted by `shuiwu kb tune` on the tuning split."""
    if not TUNED_FILE.exists():
        return {}
    return json.loads(TUNED_FILE.read_text(encoding="utf-8"))
