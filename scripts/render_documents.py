#!/usr/bin/env python
"""Render test documents with known field values: water bills, receipts, invoices, property
certificates and ID cards, clean or photographed-looking (rotated, perspective, shading, blur,
noise, JPEG). Writes <out>/<kind>_<n>_<level>.jpg and labels.jsonl (file, type, level, fields).

    .venv/bin/python scripts/render_documents.py --out var/documents --per-type 8 --seed 20261125

All values are invented; ID numbers carry a valid GB 11643 check character. Needs the CJK fonts
from Debian's fonts-noto-cjk / fonts-wqy-zenhei (scripts/setup.sh installs them as root).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vision.documents import render


def main() -> None:
    parser = argparse.ArgumentParser(description="生成带已知字段值的测试单据图片")
    parser.add_argument("--out", type=Path, default=Path("var/documents"))
    parser.add_argument("--per-type", type=int, default=8)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--level", choices=render.LEVELS, help="只生成某一拍摄难度（默认轮流）")
    args = parser.parse_args()
    levels = (args.level,) if args.level else render.LEVELS
    args.out.mkdir(parents=True, exist_ok=True)
    counters: dict[str, int] = {}
    with (args.out / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for sample in render.test_set(args.seed, args.per_type, levels):
            n = counters[sample.doc_type] = counters.get(sample.doc_type, 0) + 1
            name = f"{sample.doc_type}_{n:03d}_{sample.level}.jpg"
            (args.out / name).write_bytes(sample.jpeg())
            labels.write(json.dumps({"file": name, "type": sample.doc_type, "level": sample.level,
                                     "fields": sample.truth}, ensure_ascii=False) + "\n")
    print(f"已生成 {sum(counters.values())} 张单据图片到 {args.out}")


if __name__ == "__main__":
    main()
