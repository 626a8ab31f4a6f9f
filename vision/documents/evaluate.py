"""Accuracy and latency of document reading on rendered documents with known fields.

The set is drawn from one seed at evaluation time (vision.documents.render), cycling through
clean, rotated, photographed and hard (strong blur, shading, noise, low-quality JPEG) pages.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from shuiwu.errors import InvalidInput
from vision.documents import render
from vision.documents.fields import DOC_TYPES

CONFIDENT = 0.9  # a field at or above this, without a check error, is shown as "looks right"


@dataclass
class Report:
    documents: int = 0
    type_right: int = 0
    refused: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)  # all threads; less hurt by a busy machine
    # per type, per field: [right, total]; confident: [right among confident, confident]
    fields: dict[str, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0])))
    confident: list[int] = field(default_factory=lambda: [0, 0])
    per_level: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[dict] = field(default_factory=list)  # what went wrong, to look at

    def as_dict(self) -> dict:
        secs = sorted(self.seconds)
        return {
            "documents": self.documents,
            "type_accuracy": round(self.type_right / max(self.documents, 1), 4),
            "refused": self.refused,
            "field_accuracy": {
                t: {k: round(r / n, 4) for k, (r, n) in f.items()} for t, f in self.fields.items()
            },
            "all_fields_right_by_level": {lv: round(r / max(n, 1), 4) for lv, (r, n) in self.per_level.items()},
            "confident_fields_right": round(self.confident[0] / max(self.confident[1], 1), 4),
            "confident_share": round(self.confident[1] / max(sum(n for f in self.fields.values() for _, n in f.values()), 1), 4),
            "misses": self.misses,
            "latency_ms": {
                "mean": round(1000 * statistics.fmean(secs), 1) if secs else None,
                "p50": round(1000 * secs[len(secs) // 2], 1) if secs else None,
                "p95": round(1000 * secs[min(len(secs) - 1, int(0.95 * len(secs)))], 1) if secs else None,
                "cpu_mean": round(1000 * statistics.fmean(self.cpu_seconds), 1) if secs else None,
            },
        }


def evaluate(seed: int = 20261125, per_type: int = 8, progress=None) -> Report:
    from vision.documents.reader import read_document

    report = Report()
    for sample in render.test_set(seed, per_type):
        report.documents += 1
        started, cpu = time.perf_counter(), time.process_time()
        try:
            result = read_document(sample.jpeg())
        except InvalidInput as exc:
            result = None
            report.refused += 1
            report.misses.append({"n": report.documents, "type": sample.doc_type, "level": sample.level,
                                  "refused": exc.message})
        report.seconds.append(time.perf_counter() - started)
        report.cpu_seconds.append(time.process_time() - cpu)
        right_type = result is not None and result.doc_type == sample.doc_type
        report.type_right += right_type
        all_right = right_type
        for key in (f.key for f in DOC_TYPES[sample.doc_type].fields):
            found = result.fields.get(key) if right_type else None
            ok = found is not None and found.value == sample.truth[key]
            all_right = all_right and ok
            if right_type and not ok:
                report.misses.append({"n": report.documents, "type": sample.doc_type, "level": sample.level,
                                      "field": key, "read": found.value if found else None,
                                      "truth": sample.truth[key]})
            cell = report.fields[sample.doc_type][key]
            cell[0] += ok
            cell[1] += 1
            if found is not None and found.error is None and found.confidence >= CONFIDENT:
                report.confident[0] += ok
                report.confident[1] += 1
        level = report.per_level[sample.level]
        level[0] += all_right
        level[1] += 1
        if progress:
            progress(sample, result)
    return report


def format_report(report: Report) -> str:
    data = report.as_dict()
    lines = [
        f"文档数 {data['documents']}，类型识别准确率 {data['type_accuracy']:.1%}，拒识 {data['refused']}",
        "逐字段准确率（按单据类型）：",
    ]
    for doc_type, fields_ in data["field_accuracy"].items():
        specs = {s.key: s.label for s in DOC_TYPES[doc_type].fields}
        cells = "，".join(f"{specs[k]} {v:.1%}" for k, v in fields_.items())
        lines.append(f"  {DOC_TYPES[doc_type].label}：{cells}")
    lines.append(
        "整张单据全部字段正确（按拍摄难度）："
        + "，".join(f"{lv} {v:.1%}" for lv, v in data["all_fields_right_by_level"].items())
    )
    lines.append(
        f"置信度 ≥ {CONFIDENT} 且通过校验的字段占 {data['confident_share']:.1%}，其中正确 {data['confident_fields_right']:.2%}"
    )
    lat = data["latency_ms"]
    lines.append(
        f"每张耗时：平均 {lat['mean']} ms，p50 {lat['p50']} ms，p95 {lat['p95']} ms（CPU 时间平均 {lat['cpu_mean']} ms）"
    )
    return "\n".join(lines)
