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
READ_METER_HELP = (
    "识别整张水表照片的读数（定位计数窗口、字轮、指针表盘）/ "
    "Read whole meter photos (counter window, wheels, dials)."
)
READ_NEEDLE_HELP = "识别指针表盘裁剪图，读数 0.0–9.9 / Read pointer-dial crops as a value 0.0–9.9."

vision_app = typer.Typer(
    help="抄表图像识别模型 / Meter-photo recognition models.", no_args_is_help=True
)

Crops = Annotated[
    list[Path],
    typer.Argument(
        help="裁剪图文件 / crop image files", exists=True, dir_okay=False, readable=True
    ),
]
AsJson = Annotated[
    bool, typer.Option("--json", help="每张图输出一行 JSON / one JSON line per crop")
]


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


Photos = Annotated[
    list[Path],
    typer.Argument(help="水表照片 / meter photos", exists=True, dir_okay=False, readable=True),
]


def read_meter(
    photos: Photos,
    as_json: AsJson = False,
    digits: Annotated[
        int | None, typer.Option(help="整数字轮位数（表档案）/ integer wheels")
    ] = None,
    red: Annotated[int, typer.Option(help="红色小数字轮位数 / red decimal wheels")] = 0,
    dials: Annotated[int, typer.Option(help="指针表盘个数 / pointer dials")] = 3,
) -> None:
    """Without a household there is no history: the status comes from the image alone."""
    from vision.meter import read_meter as read
    from vision.synth import Layout

    layout = Layout(digits, red, dials) if digits else None
    _each(photos, lambda data: [read(data[0], layout).as_dict()], as_json, lambda r: r)


def _crop_pool(pool: str) -> str | None:
    """The `--pool` option of synth and eval: a pool of held-out crops, or None for all of them."""
    from vision import datasets

    if pool not in (*datasets.POOLS, "all"):
        typer.echo(f"错误：--pool 只能是 {'、'.join(datasets.POOLS)} 或 all", err=True)
        raise typer.Exit(1)
    return None if pool == "all" else pool


@vision_app.command(
    "synth",
    help="生成带已知读数的合成水表照片（真实留出裁剪图合成）/ "
    "Generate meter photos with known readings from the held-out real crops.",
)
def synth_photos(
    out: Annotated[Path, typer.Argument(help="输出目录 / output folder", file_okay=False)],
    count: Annotated[int, typer.Option("-n", help="张数 / how many")] = 50,
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 7,
    pool: Annotated[
        str,
        typer.Option(
            help="用哪一半留出裁剪图：calibration、evaluation 或 all（默认）/ which half of the "
            "held-out crops"
        ),
    ] = "all",
) -> None:
    import csv

    from vision import synth

    pool = _crop_pool(pool)

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "labels.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "reading", "digits", "red_wheels", "dials", "rolling"])
        for i, photo in enumerate(synth.generate(count, seed=seed, pool=pool)):
            name = f"meter_{seed}_{i:04d}.jpg"
            (out / name).write_bytes(photo.data)
            lay = photo.layout
            writer.writerow(
                [name, photo.reading, lay.digits, lay.red_wheels, lay.dials, int(photo.rolling)]
            )
    typer.echo(f"已生成 {count} 张照片到 {out}（labels.csv 记录读数与表盘布局）")


@vision_app.command(
    "calibrate",
    help="在校准池合成照片上拟合整张读数的置信度模型（写入 "
    "vision/models/calibration.json）/ Fit the whole-reading calibrator on photos "
    "made from the calibration pool of held-out crops.",
)
def calibrate(
    count: Annotated[int, typer.Option("--photos", help="每个种子的照片张数 / photos per seed")] = 1200,
    seed: Annotated[
        list[int] | None,
        typer.Option(help="随机种子，可重复（勿用评估种子）/ seeds, repeatable, never an eval one"),
    ] = None,
    rows: Annotated[
        Path | None,
        typer.Option(
            help="读取结果 CSV（已存在则直接用它拟合）/ rows CSV, reused when it exists",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    from vision.calibration import MODEL
    from vision.calibration import calibrate as run

    for r in run(count, seed or [2001, 1002], rows):
        what = "整张读数" if r["level"] == "full" else "整数部分"
        typer.echo(
            f"{what}：校准照片 {r['photos']} 张（读对 {r['right']} 张），自动通过阈值 "
            f"{r['accept_threshold']}；交叉验证中自动通过 {r['accepted_out_of_fold']} 张，其中读对 "
            f"{r['accepted_right_out_of_fold']} 张"
        )
    typer.echo(f"已写入 {MODEL}")


@vision_app.command(
    "export-corrections",
    help="导出工作人员更正的字轮裁剪图（labels.csv 格式同 meter_digits）/ "
    "Export staff-corrected wheel crops as training data.",
)
def export_corrections(
    out: Annotated[Path, typer.Argument(help="输出目录 / output folder", file_okay=False)],
) -> None:
    from shuiwu.db import new_session
    from shuiwu.services.meter_photos import export_training

    with new_session() as session:
        count = export_training(session, out)
    typer.echo(f"已导出 {count} 张更正过的字轮图到 {out}/labels.csv")


@vision_app.command(
    "eval",
    help="在留出集上评估数字与指针模型（准确率、NaN 精确率/召回率、混淆、延迟、MAE）/ "
    "Evaluate the digit and dial models on their held-out splits.",
)
def vision_eval(
    datasets: Annotated[
        Path | None,
        typer.Option(
            help="数据集目录（默认 ../shared/datasets）/ datasets folder", file_okay=False
        ),
    ] = None,
    as_json: AsJson = False,
    photos: Annotated[
        int, typer.Option("--photos", help="整张照片评估的张数（0 = 只评估裁剪图）/ whole photos")
    ] = 0,
    seed: Annotated[int, typer.Option(help="生成照片的随机种子 / generator seed")] = 7,
    pool: Annotated[
        str,
        typer.Option(
            help="用哪一半留出裁剪图生成照片：evaluation（默认）、"
            "calibration 或 all / which half of the held-out crops"
        ),
    ] = "evaluation",
) -> None:
    from vision import datasets as ds
    from vision.evaluate import evaluate

    root = datasets or ds.default_root()
    if not (root / "meter_digits" / "labels.csv").is_file():
        typer.echo(f"错误：找不到数据集 {root}/meter_digits/labels.csv", err=True)
        raise typer.Exit(1)
    crops = _crop_pool(pool)
    if photos:
        _eval_photos(photos, seed, root, as_json, crops)
        return
    report = evaluate(root)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    d, n, met = report["digits"], report["needles"], report["goals_met"]

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    typer.echo(f"数字轮（留出 {d['held_out']} 张）/ digit wheels, held out")
    typer.echo(
        f"  {mark(met['digit_accuracy_0_9'])} 0–9 准确率 accuracy: {d['accuracy_0_9']:.2%} "
        f"（{d['crops_0_9']} 张，目标 ≥ 99.3%）"
    )
    typer.echo(
        f"  {mark(met['nan_recall'])} NaN 召回率 recall: {d['nan']['recall']:.2%}，"
        f"精确率 precision: {d['nan']['precision']:.2%}（{d['nan']['support']} 张，目标召回 ≥ 95%）"
    )
    typer.echo(f"  全部 11 类准确率 accuracy, all classes: {d['accuracy_all']:.2%}")
    pairs = "，".join(f"{c['true']}→{c['predicted']}×{c['count']}" for c in d["confusions"]) or "无"
    typer.echo(f"  混淆 confusions (真→判): {pairs}")
    lat = d["latency_ms"]
    typer.echo(
        f"  {mark(met['digit_latency_ms'])} 单张延迟 latency (1 核): 平均 {lat['mean']:.3f} ms，"
        f"p95 {lat['p95']:.3f} ms（目标 < 2 ms）"
    )
    typer.echo(f"指针表盘（留出 {n['held_out']} 张）/ pointer dials, held out")
    typer.echo(
        f"  {mark(met['needle_mae'])} MAE（含 9.9→0.0 回绕）: {n['mae']:.4f}（目标 ≤ 0.1），"
        f"p95 误差 {n['p95_abs_error']:.4f}，最大 {n['max_abs_error']:.4f}"
    )
    lat = n["latency_ms"]
    typer.echo(f"  单张延迟 latency (1 核): 平均 {lat['mean']:.3f} ms，p95 {lat['p95']:.3f} ms")


def _eval_photos(n: int, seed: int, root: Path, as_json: bool, pool: str | None) -> None:
    from vision.evaluate_photos import GOALS, evaluate_photos

    r = evaluate_photos(n, seed, root, pool)
    if as_json:
        typer.echo(json.dumps(r, ensure_ascii=False))
        return
    met = r["goals_met"]
    share = r["status_share"]
    acc = r["accepted_accuracy"]
    typer.echo(
        f"整张照片 {r['photos']} 张（合成，种子 {r['seed']}，裁剪图池 {r['pool'] or 'all'}）"
        "/ whole photos, generated"
    )
    typer.echo(
        f"  读数完全正确 exact reading: {r['exact_accuracy']:.2%}；整数部分 integer part: "
        f"{r['integer_part_accuracy']:.2%}；字轮翻转的照片 {r['rolling_photos']} 张，"
        f"正确 {r['rolling_accuracy'] or 0:.2%}"
    )
    typer.echo(
        f"  状态 status: 自动通过 accepted {share['accepted']:.2%}，请住户确认 confirm "
        f"{share['confirm']:.2%}，人工复核 review {share['review']:.2%}，要求重拍 rejected "
        f"{share['rejected']:.2%}"
    )
    typer.echo(
        f"  {'✔' if met['accepted_accuracy'] else '✘'} 自动通过的准确率 accuracy of accepted: "
        f"{'—' if acc is None else f'{acc:.2%}'}（{r['accepted_right']}/{r['accepted_count']} 张，"
        f"其中 {r['accepted_whole_only']} 张只入账整数部分、按整数部分评判；目标 ≥ "
        f"{GOALS['accepted_accuracy']:.1%}）"
    )
    lat = r["latency_ms"]
    typer.echo(
        f"  {'✔' if met['p95_latency_ms'] else '✘'} 每张延迟 latency: 平均 {lat['mean']:.0f} ms，"
        f"p95 {lat['p95']:.0f} ms（目标 < {GOALS['p95_latency_ms']:.0f} ms；测量时负载 "
        f"{r['load_average']}），CPU 时间 平均 {r['cpu_ms']['mean']:.0f} ms，p95 {r['cpu_ms']['p95']:.0f} ms"
    )
    sweep = "，".join(
        f"{s['threshold']}: {s['share']:.0%}/{(s['accuracy'] or 0):.1%}"
        for s in r["threshold_sweep"]
    )
    typer.echo(
        f"  校准概率阈值 → 覆盖/准确率 probability threshold → share/accuracy: {sweep}"
        f"（当前自动通过阈值 {r['thresholds']['accept']}）"
    )
