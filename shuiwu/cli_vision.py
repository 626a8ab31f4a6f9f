"""Meter-reading commands of `shuiwu`: read digit and dial crops, evaluate the vision models.

Names and JSON shapes are a contract (issue 7): `read-digit`, `read-needle`, `vision eval`.
Heavy imports (numpy, ONNX Runtime) happen inside the commands, so `shuiwu --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shuiwu.errors import InvalidInput

READ_DIGIT_HELP = (
    "识别数字轮裁剪图（0–9，或 NaN 表示字轮在两个数字之间）/ "
    "Read digit-wheel crops (0–9, or NaN when the wheel is between two digits)."
)
READ_NEEDLE_HELP = "识别指针表盘裁剪图，读数 0.0–9.9 / Read pointer-dial crops as a value 0.0–9.9."

vision_app = typer.Typer(
    help="抄表图像识别模型 / Meter-photo recognition models.", no_args_is_help=True
)

Crops = Annotated[
    list[Path],
    typer.Argument(help="裁剪图文件 / crop image files", exists=True, dir_okay=False, readable=True),
]
AsJson = Annotated[bool, typer.Option("--json", help="每张图输出一行 JSON / one JSON line per crop")]


def _each(crops: list[Path], read, as_json: bool, fields) -> None:
    """Read crops one by one, so one bad file is reported and the others still read."""
    failed = False
    for crop in crops:
        try:
            result = fields(read([crop.read_bytes()])[0])
        except InvalidInput as exc:
            failed = True
            result = {"error": exc.message}
        line = {"file": str(crop), **result}
        if as_json:
            typer.echo(json.dumps(line, ensure_ascii=False))
        elif "error" in line:
            typer.echo(f"{crop}\t错误：{line['error']}", err=True)
        else:
            typer.echo("\t".join(str(v) for v in line.values()))
    if failed:
        raise typer.Exit(1)


def read_digit(crops: Crops, as_json: AsJson = False) -> None:
    from vision.digits import read_digits

    _each(crops, read_digits, as_json, lambda r: {"label": r.label, "confidence": r.confidence})


def read_needle(crops: Crops, as_json: AsJson = False) -> None:
    from vision.needles import read_needles

    _each(crops, read_needles, as_json, lambda v: {"value": v})


@vision_app.command(
    "eval",
    help="在留出集上评估数字与指针模型（准确率、NaN 精确率/召回率、混淆、延迟、MAE）/ "
    "Evaluate the digit and dial models on their held-out splits.",
)
def vision_eval(
    datasets: Annotated[
        Path | None,
        typer.Option(help="数据集目录（默认 ../shared/datasets）/ datasets folder", file_okay=False),
    ] = None,
    as_json: AsJson = False,
) -> None:
    from vision import datasets as ds
    from vision.evaluate import evaluate

    root = datasets or ds.default_root()
    if not (root / "meter_digits" / "labels.csv").is_file():
        typer.echo(f"错误：找不到数据集 {root}/meter_digits/labels.csv", err=True)
        raise typer.Exit(1)
    report = evaluate(root)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    d, n, met = report["digits"], report["needles"], report["goals_met"]

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    typer.echo(f"数字轮（留出 {d['held_out']} 张）/ digit wheels, held out")
    typer.echo(f"  {mark(met['digit_accuracy_0_9'])} 0–9 准确率 accuracy: {d['accuracy_0_9']:.2%} "
               f"（{d['crops_0_9']} 张，目标 ≥ 99.3%）")
    typer.echo(f"  {mark(met['nan_recall'])} NaN 召回率 recall: {d['nan']['recall']:.2%}，"
               f"精确率 precision: {d['nan']['precision']:.2%}（{d['nan']['support']} 张，目标召回 ≥ 95%）")
    typer.echo(f"  全部 11 类准确率 accuracy, all classes: {d['accuracy_all']:.2%}")
    pairs = "，".join(f"{c['true']}→{c['predicted']}×{c['count']}" for c in d["confusions"]) or "无"
    typer.echo(f"  混淆 confusions (真→判): {pairs}")
    lat = d["latency_ms"]
    typer.echo(f"  {mark(met['digit_latency_ms'])} 单张延迟 latency (1 核): 平均 {lat['mean']:.3f} ms，"
               f"p95 {lat['p95']:.3f} ms（目标 < 2 ms）")
    typer.echo(f"指针表盘（留出 {n['held_out']} 张）/ pointer dials, held out")
    typer.echo(f"  {mark(met['needle_mae'])} MAE（含 9.9→0.0 回绕）: {n['mae']:.4f}（目标 ≤ 0.1），"
               f"p95 误差 {n['p95_abs_error']:.4f}，最大 {n['max_abs_error']:.4f}")
    lat = n["latency_ms"]
    typer.echo(f"  单张延迟 latency (1 核): 平均 {lat['mean']:.3f} ms，p95 {lat['p95']:.3f} ms")
