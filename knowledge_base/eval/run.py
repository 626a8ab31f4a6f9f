"""Metrics for `shuiwu kb eval` and the fitting behind `shuiwu kb tune`.

- recall@1 / recall@5 / MRR over the answerable questions (retrieval alone, before the
  confidence threshold);
- no-answer precision and recall: of the questions the pipeline refused ("not sure"), how many
  really had no answer; of the questions with no answer, how many it refused;
- p50/p95 latency of one search (query embedding + BM25 + Chroma + fusion [+ re-ranker]).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from knowledge_base.content import DOC, Entry
from knowledge_base.kb import KnowledgeBase
from knowledge_base.retrieval import (
    ANSWER_FEATURES,
    FEATURES,
    FeatureReranker,
    answer_features,
    features,
    fit_logistic,
)
from knowledge_base.settings import TUNED_FILE, KBSettings, tuned

EVAL_DIR = Path(__file__).resolve().parent
SPLITS = ("dev", "test")
PIPELINES = ("bm25", "dense", "hybrid", "rerank")


@dataclass(frozen=True)
class Question:
    text: str
    expected: tuple[str, ...]  # empty: the knowledge base cannot answer it

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


def load_questions(split: str = "test") -> list[Question]:
    splits = SPLITS if split == "all" else (split,)
    out: list[Question] = []
    for name in splits:
        data = yaml.safe_load((EVAL_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
        for item in data["questions"]:
            out.append(Question(str(item["q"]).strip(), tuple(item.get("a") or ())))
    return out


def check_labels(questions: list[Question], entries: list[Entry]) -> list[str]:
    ids = {e.id for e in entries}
    return sorted({i for q in questions for i in q.expected if i not in ids})


# ---- running ----------------------------------------------------------------------------------


@dataclass
class Result:
    pipeline: str
    n_answerable: int = 0
    n_unanswerable: int = 0
    hits_at_1: int = 0
    hits_at_5: int = 0
    rr_sum: float = 0.0
    refused_right: int = 0  # unanswerable and refused
    refused_wrong: int = 0  # answerable but refused
    answered_wrong: int = 0  # confident with the wrong entry on top
    latencies_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    misses: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)

    def row(self) -> dict:
        lat, cpu = sorted(self.latencies_ms), sorted(self.cpu_ms)
        refused = self.refused_right + self.refused_wrong
        return {
            "pipeline": self.pipeline,
            "recall@1": self.hits_at_1 / max(1, self.n_answerable),
            "recall@5": self.hits_at_5 / max(1, self.n_answerable),
            "mrr": self.rr_sum / max(1, self.n_answerable),
            "noans_precision": self.refused_right / refused if refused else 0.0,
            "noans_recall": self.refused_right / max(1, self.n_unanswerable),
            "false_refusals": self.refused_wrong / max(1, self.n_answerable),
            "answered_wrong": self.answered_wrong / max(1, self.n_answerable),
            "p50_ms": statistics.median(lat) if lat else 0.0,
            "p95_ms": _p95(lat),
            "cpu_p50_ms": statistics.median(cpu) if cpu else 0.0,
            "cpu_p95_ms": _p95(cpu),
        }


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))] if values else 0.0


def search(kb: KnowledgeBase, pipeline: str, text: str, k: int = 5):
    mode = "hybrid" if pipeline == "rerank" else pipeline
    return kb.search(text, k=k, mode=mode, rerank=pipeline == "rerank")


def evaluate(kb: KnowledgeBase, questions: list[Question], pipeline: str,
             threshold: float | None = None) -> Result:
    threshold = kb.settings.threshold_for(pipeline) if threshold is None else threshold
    res = Result(pipeline)
    search(kb, pipeline, "水费怎么交")  # warm-up: first query pays lazy initialisation
    for q in questions:
        t0, c0 = time.perf_counter(), time.process_time()
        hits = search(kb, pipeline, q.text)
        res.latencies_ms.append((time.perf_counter() - t0) * 1e3)
        res.cpu_ms.append((time.process_time() - c0) * 1e3)
        ids = [h.entry_id for h in hits]
        top_conf = hits[0].confidence if hits else 0.0
        refused = top_conf < threshold
        if not q.answerable:
            res.n_unanswerable += 1
            res.refused_right += refused
            continue
        res.n_answerable += 1
        rank = next((i for i, e in enumerate(ids, start=1) if e in q.expected), None)
        if rank == 1:
            res.hits_at_1 += 1
        if rank is not None and rank <= 5:
            res.hits_at_5 += 1
            res.rr_sum += 1.0 / rank
        if refused:
            res.refused_wrong += 1
        elif rank != 1:
            res.answered_wrong += 1
        if rank != 1:
            res.misses.append((q.text, q.expected, ids[0] if ids else "-"))
    return res


REFUSAL_GOAL = 0.9  # share of unanswerable questions the assistant must refuse


def best_threshold(confs: list[float], answerable: list[bool], top_right: list[bool]) -> float:
    """The threshold that serves the resident best on the tuning split while refusing at least
    REFUSAL_GOAL of the questions we cannot answer: a right answer or a right refusal counts 1,
    refusing when the top entry was wrong anyway counts ½, a wrong answer or a needless refusal
    counts 0. When no threshold reaches the goal, the lowest one that comes closest."""
    n_unanswerable = max(1, sum(not a for a in answerable))
    best, best_key = 0.5, (-1.0, -1.0)
    for t in np.linspace(0.0, 1.0, 201):
        refused = sum(c < t for c, a in zip(confs, answerable, strict=True) if not a) / n_unanswerable
        score = 0.0
        for c, a, r in zip(confs, answerable, top_right, strict=True):
            refuse = c < t
            if not a:
                score += refuse
            elif not refuse:
                score += r
            else:
                score += 0.0 if r else 0.5
        key = (min(refused, REFUSAL_GOAL), score)
        if key > best_key:
            best, best_key = float(t), key
    return round(best, 3)


def tune(kb: KnowledgeBase, questions: list[Question]) -> dict:
    """Fit the feature re-ranker and every pipeline's threshold on the tuning split; write them
    to resources/tuned.json."""
    rows, labels = [], []
    for q in questions:
        hits = search(kb, "hybrid", q.text, k=FeatureReranker.top_n)
        if not hits:
            continue
        rows.append(features(hits))
        labels.extend(1.0 if h.entry_id in q.expected else 0.0 for h in hits)
    weights = fit_logistic(np.vstack(rows), np.asarray(labels))
    kb.reranker = kb.retriever.reranker = FeatureReranker(weights.tolist())
    # stage two: is the re-ranked top entry an answer at all? (no class balancing: calibrated)
    rows, labels = [], []
    for q in questions:
        hits = search(kb, "rerank", q.text, k=FeatureReranker.top_n)
        if hits:
            rows.append(answer_features(hits))
            labels.append(1.0 if hits[0].entry_id in q.expected else 0.0)
    answer_weights = fit_logistic(np.vstack(rows), np.asarray(labels), balance=False)
    kb.reranker = kb.retriever.reranker = FeatureReranker(weights.tolist(), answer_weights.tolist())
    thresholds = {}
    for pipeline in PIPELINES:
        confs, answerable, top_right = [], [], []
        for q in questions:
            hits = search(kb, pipeline, q.text)
            confs.append(hits[0].confidence if hits else 0.0)
            answerable.append(q.answerable)
            top_right.append(bool(hits) and hits[0].entry_id in q.expected)
        thresholds[pipeline] = best_threshold(confs, answerable, top_right)
    out = {
        "note": "fitted by `shuiwu kb tune` on knowledge_base/eval/dev.yaml only",
        "embedder": kb.embedder.name,
        "features": list(FEATURES),
        "reranker": [round(float(w), 5) for w in weights],
        "answer_features": list(ANSWER_FEATURES),
        "answerability": [round(float(w), 5) for w in answer_weights],
        "threshold": thresholds,
    }
    TUNED_FILE.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tuned.cache_clear()
    return out


# ---- the scale run ----------------------------------------------------------------------------

_PLACES = ["长青路", "滨河路", "中山路", "科创大道", "幸福里", "河东新村", "西关街", "北湖苑", "南塘巷",
           "振兴路", "花园小区", "锦绣家园", "东门外", "柳岸花园", "朝阳街", "工业园一路", "清河大道", "桃源里"]
_WORKS = ["DN300供水主管更换", "阀门井检修", "二次供水泵房改造", "老旧小区管网改造", "消火栓迁改",
          "加压站设备更新", "DN600输水管道连通", "水表箱集中更换", "管网冲洗消毒", "道路施工配合迁管"]
_NOTES = ["施工期间部分路段限行，请绕行。", "恢复供水初期可能出现短时浑浊，放水片刻即可。",
          "高层住户水压可能偏低，请提前储水。", "如遇特殊情况将另行公告。", "给您带来的不便敬请谅解。",
          "工程完工后将进行水质检测，合格后恢复供水。", "施工单位为清河水务工程公司，现场设有咨询点。"]


def scale_entries(n_chunks: int, seed: int = 7) -> list[Entry]:
    """Synthetic works notices (one chunk each), only for the scale test: they make BM25 and
    Chroma carry `n_chunks` chunks and act as realistic distractors for outage questions."""
    rng = random.Random(seed)
    out = []
    for i in range(n_chunks):
        place, work = rng.choice(_PLACES), rng.choice(_WORKS)
        month, day, hour = rng.randint(1, 12), rng.randint(1, 28), rng.randint(7, 21)
        body = (f"因{work}，{month}月{day}日{hour}时至{hour + rng.randint(2, 10)}时{place}"
                f"{rng.randint(1, 300)}号至{rng.randint(301, 900)}号一带暂停供水，约影响{rng.randint(50, 3000)}户。"
                f"{rng.choice(_NOTES)}{rng.choice(_NOTES)}编号QS-{i:05d}。")
        out.append(Entry(id=f"scale-{i:05d}", kind=DOC, category="施工公告存档", title=f"{place}{work}公告",
                         body=body, tags=["公告存档"], version=1, owner="评测", review_date=dt.date(2026, 12, 31)))
    return out


def eval_settings(base: KBSettings, data_dir: Path, name: str) -> KBSettings:
    """The eval's own Chroma (vectors cached between runs), never the app's."""
    return base.model_copy(update={"chroma_path": data_dir / name, "chroma_url": "", "collection": name})


def format_table(rows: list[dict]) -> str:
    head = (f"{'pipeline':<10}{'R@1':>7}{'R@5':>7}{'MRR':>7}{'NA-P':>7}{'NA-R':>7}{'FR':>7}"
            f"{'p50ms':>8}{'p95ms':>8}{'cpu50':>8}{'cpu95':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['pipeline']:<10}{r['recall@1']:>7.3f}{r['recall@5']:>7.3f}{r['mrr']:>7.3f}"
                     f"{r['noans_precision']:>7.3f}{r['noans_recall']:>7.3f}{r['false_refusals']:>7.3f}{r['p50_ms']:>8.1f}{r['p95_ms']:>8.1f}"
                     f"{r['cpu_p50_ms']:>8.1f}{r['cpu_p95_ms']:>8.1f}")
    return "\n".join(lines)
