"""`shuiwu forecast`: forecast every series of a CSV, and `shuiwu forecast eval`: the backtest.

Loaded lazily by the commands: pandas, Prophet and LightGBM are imported only when they run.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"

forecast_app = typer.Typer(
    help=(
        "用水量预测 / Water-use forecasting. "
        "shuiwu forecast --input history.csv --horizon 168 --freq h --out out.csv"
    ),
    invoke_without_command=True,
    rich_markup_mode=None,
)


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def _one_series(args):
    from forecasting.models import fit_predict

    name, series, horizon, freq, weather, region, model = args
    fc = fit_predict(series, horizon, freq, weather, region, model, report_backtest=True)
    return name, fc


@forecast_app.callback(invoke_without_command=True)
def forecast(
    ctx: typer.Context,
    input: Annotated[
        Path | None,
        typer.Option(
            "--input", help="历史数据CSV：timestamp 列 + 每个序列一列，空白为缺测 / history CSV"
        ),
    ] = None,
    horizon: Annotated[int, typer.Option(help="预测步数 / steps ahead", min=1, max=24 * 366)] = 168,
    freq: Annotated[str, typer.Option(help="h = 小时, D = 日 / h = hourly, D = daily")] = "h",
    weather: Annotated[
        Path | None,
        typer.Option(
            help="天气CSV（temperature_c, rain_mm, humidity_pct），需覆盖预测期 / weather CSV"
        ),
    ] = None,
    model: Annotated[str, typer.Option(help="auto|prophet|snaive|gbm")] = "auto",
    region: Annotated[
        str | None,
        typer.Option(help="节假日日历 cn|it-bwdf，默认取配置 FORECAST_REGION / holiday calendar"),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="输出CSV / output CSV")] = None,
    workers: Annotated[int, typer.Option(help="并行进程数 / processes", min=1, max=64)] = 2,
) -> None:
    """Forecast every column of --input; writes timestamp, series, yhat, yhat_lower, yhat_upper (95 %)."""
    if ctx.invoked_subcommand is not None:
        return
    if input is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    import pandas as pd

    from forecasting.calendars import REGIONS
    from forecasting.messages import grid_summary, series_summary
    from forecasting.models import MODEL_NAMES
    from forecasting.series import read_wide_csv
    from shuiwu.config import get_settings

    region = region or get_settings().forecast_region
    if region not in REGIONS:
        _fail(f"未知的节假日日历 {region}，可选：{'、'.join(REGIONS)}")
    if freq not in ("h", "D"):
        _fail("--freq 只能是 h（小时）或 D（日）")
    if model not in MODEL_NAMES:
        _fail(f"未知的模型 {model}，可选：{'|'.join(MODEL_NAMES)}")
    if out is None:
        _fail("请用 --out 指定输出文件")
    for path in (input, weather):
        if path is not None and not path.is_file():
            _fail(f"找不到文件 {path}")
    try:
        grid = read_wide_csv(input, freq)
        weather_frame = read_wide_csv(weather, freq).frame if weather else None
    except ValueError as exc:
        _fail(f"无法读取数据：{exc}")
    typer.echo(grid_summary(grid.notes, grid.duplicated_stamps, grid.inserted_stamps), err=True)
    jobs = [
        (name, grid.frame[name], horizon, freq, weather_frame, region, model)
        for name in grid.frame.columns
        if grid.frame[name].notna().any()
    ]
    skipped = [n for n in grid.frame.columns if not grid.frame[n].notna().any()]
    for name in skipped:
        typer.echo(f"{name}：没有任何数据，跳过", err=True)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            results = list(pool.map(_one_series, jobs))
    else:
        results = [_one_series(j) for j in jobs]
    parts = []
    for name, fc in results:
        typer.echo(series_summary(name, fc.notes, fc.model_name), err=True)
        parts.append(
            pd.DataFrame(
                {
                    "timestamp": fc.yhat.index,
                    "series": name,
                    "yhat": fc.yhat.to_numpy(),
                    "yhat_lower": fc.lower95.to_numpy(),
                    "yhat_upper": fc.upper95.to_numpy(),
                }
            )
        )
    if not parts:
        _fail("输入中没有可预测的序列")
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(parts, ignore_index=True).to_csv(out, index=False, float_format="%.4f")
    typer.echo(f"已写入 {out}（{len(parts)} 个序列 × {horizon} 步）", err=True)


@forecast_app.command(
    "eval", help="滚动起点回测（BWDF 指标）/ Rolling-origin backtest on the district data."
)
def evaluate(
    datasets: Annotated[Path, typer.Option(help="数据目录 / datasets folder")] = DEFAULT_DATASETS,
    models: Annotated[
        str | None,
        typer.Option(
            help="逗号分隔 / comma-separated: snaive,prophet,gbm,auto"
            "（默认：片区 snaive,prophet,gbm,auto；户 snaive,gbm,auto）"
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="并行进程数 / processes", min=1, max=64)] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
    level: Annotated[
        str,
        typer.Option(
            help="district = 分区计量表逐小时（BWDF）；household = 户逐日（DAIAD 智能水表）"
            " / district (hourly, BWDF) or household (daily, DAIAD smart meters)"
        ),
    ] = "district",
    origins: Annotated[
        str,
        typer.Option(
            help="片区回测的起点：evaluation = 2022 年的 6 个评估周（默认）；held-out-2021 = "
            "2021 年未用于任何选择的 22 个周一 / evaluation weeks (default) or the 2021 held-out"
            " Mondays"
        ),
    ] = "evaluation",
) -> None:
    from forecasting.backtest import ORIGINS
    from forecasting.backtest import evaluate as run_eval
    from forecasting.messages import INDICATOR_LABELS, eval_verdict
    from forecasting.models import MODEL_NAMES
    from forecasting.tuning import HELD_OUT_ORIGINS_2021

    origin_sets = {"evaluation": ORIGINS, "held-out-2021": HELD_OUT_ORIGINS_2021}

    if level not in ("district", "household"):
        _fail("--level 只能是 district（片区/分区计量表）或 household（户）")
    if origins not in origin_sets:
        _fail("--origins 只能是 evaluation（2022 评估周）或 held-out-2021（2021 年留出的周一）")
    if models is None:
        models = "snaive,gbm,auto" if level == "household" else "snaive,prophet,gbm,auto"
    chosen = [m.strip() for m in models.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in MODEL_NAMES]
    if unknown or not chosen:
        _fail(f"未知的模型 {'、'.join(unknown) or '（空）'}，可选：{'|'.join(MODEL_NAMES)}")
    if "snaive" not in chosen:
        chosen.insert(0, "snaive")  # every model is judged against it
    if level == "household":
        _household_eval(datasets, chosen, workers, as_json)
        return
    if not (datasets / "forecast" / "bwdf_inflows_hourly.csv").is_file():
        _fail(f"{datasets}/forecast 下没有 bwdf_inflows_hourly.csv")
    result = run_eval(datasets, chosen, origins=origin_sets[origins], workers=workers)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    keys = list(INDICATOR_LABELS)
    typer.echo(
        f"起点：{'、'.join(result['origins'])}；共 {result['forecasts']} 次一周预测，用时 {result['wall_seconds']} 秒"
    )
    for model in chosen:
        typer.echo(f"\n== {model} ==")
        typer.echo("分区      " + " ".join(f"{k:>10}" for k in keys))
        for district, row in result["per_district"][model].items():
            typer.echo(f"{district:<9} " + " ".join(f"{row[k]:>10.3f}" for k in keys))
        avg = result["averages"][model]
        typer.echo(
            "平均      "
            + " ".join(f"{avg[k]:>10.3f}" for k in keys)
            + f"   每次 {avg['seconds']:.2f} 秒"
        )
    typer.echo("")
    for model, goal in result["goals"].items():
        typer.echo(eval_verdict(model, goal, result["averages"]))
    if result["auto_choices"]:
        typer.echo(f"auto 的选择：{result['auto_choices']}")


def _household_eval(datasets: Path, models: list[str], workers: int, as_json: bool) -> None:
    from forecasting.household_backtest import DAIAD, evaluate

    if not (datasets / DAIAD).is_file():
        _fail(f"{datasets} 下没有 {DAIAD}")
    result = evaluate(datasets, models, workers=workers)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"户逐日回测（{result['data']}）：{result['households_scored']} 户"
        f"（空置户 {len(result['vacant_left_out'])} 户未计），起点 {'、'.join(result['origins'])}，"
        f"每次预测 {result['horizon_days']} 天；升→立方米系数 {result['litres_to_m3_factor']}；"
        f"用时 {result['wall_seconds']} 秒"
    )
    keys = ("MAE", "MASE", "coverage80", "coverage95", "total_coverage95")
    typer.echo("模型      预测次数 " + " ".join(f"{k:>16}" for k in keys))
    show = lambda v: f"{v:>16.3f}" if v is not None else f"{'—':>16}"  # noqa: E731
    for model, row in result["models"].items():
        typer.echo(f"{model:<9} {row['forecasts']:>8} " + " ".join(show(row[k]) for k in keys))
    typer.echo(
        "\n区间系数：一半户拟合，另一半户检验 / factors fitted on one half, coverage on the other:"
    )
    for model, row in result["models"].items():
        cal = row["calibration"]
        raw, wide = cal["held_out_raw"], cal["held_out_widened"]
        typer.echo(
            f"{model:<9} 系数 80% {cal['factor80']} / 95% {cal['factor95']}"
            f"（{cal['fit_households']} 户拟合）；检验半 {cal['held_out_households']} 户："
            f"原始 {show(raw['coverage80']).strip()} / {show(raw['coverage95']).strip()}"
            f" / 30天总量 {show(raw['total_coverage95']).strip()}，"
            f"放宽后 {show(wide['coverage80']).strip()} / {show(wide['coverage95']).strip()}"
            f" / 30天总量 {show(wide['total_coverage95']).strip()}；30天总量区间系数 "
            f"{cal['total_factor95']} → 检验半 {show(cal['held_out_total_widened']).strip()}"
        )
        typer.echo(
            f"{'':<9} 产品所用的30天总量区间（按本户过去30天总量的波动，z = "
            f"{cal['household_total_z']}，一半户拟合）：检验半覆盖 "
            f"{show(cal['held_out_household_total_coverage95']).strip()}，区间宽度中位数为总量的 "
            f"{show(cal['held_out_household_total_median_relative_width']).strip()} 倍"
        )
    if "auto" in result["models"]:
        typer.echo(f"auto 的选择：{result['models']['auto'].get('auto_choices')}")


@forecast_app.command(
    "batch",
    help="夜间批量预测：每个户号、每个片区 / Nightly forecast of every household and district.",
)
def batch(
    spark: Annotated[
        str | None,
        typer.Option(
            "--spark",
            help="在 Spark 上运行（集群地址，如 spark://host:7077；local[2] 为本机）；"
            "不加则用本机进程池 / run on Spark",
        ),
    ] = None,
    use_spark: Annotated[
        bool, typer.Option("--use-spark", help="用配置 FORECAST_SPARK_URL 的 Spark 地址")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="进程池大小，默认 FORECAST_BATCH_WORKERS", min=1, max=64)
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="只预测前 N 个户号（试运行）/ first N households", min=1)
    ] = None,
    model: Annotated[str | None, typer.Option(help="默认 FORECAST_NIGHTLY_MODEL")] = None,
    horizon: Annotated[int, typer.Option(help="预测天数 / days ahead", min=1, max=92)] = 35,
) -> None:
    from forecasting.models import MODEL_NAMES
    from shuiwu.config import get_settings
    from shuiwu.db import session_scope
    from shuiwu.services.forecasts import run_nightly

    if model is not None and model not in MODEL_NAMES:
        _fail(f"未知的模型 {model}，可选：{'|'.join(MODEL_NAMES)}")
    url = spark or (get_settings().forecast_spark_url if use_spark else None)
    with session_scope() as session:
        figures = run_nightly(
            session, spark_url=url, workers=workers, limit=limit, model=model, horizon=horizon
        )
    typer.echo(
        f"{figures['engine']}：{figures['series']} 个序列（失败 {figures['failed']}，保存 "
        f"{figures['stored']}），读取数据 {figures['load_seconds']} 秒，预测 "
        f"{figures['forecast_seconds']} 秒，吞吐 {figures['series_per_second']} 个序列/秒，模型 "
        f"{figures['model']}"
    )
    if figures.get("series_per_cpu_second"):
        typer.echo(
            f"CPU {figures['cpu_seconds']} 秒，即每个 CPU 秒 {figures['series_per_cpu_second']} 个序列"
            "（机器被其他进程占用时，这个数比墙钟吞吐更可比）"
        )
