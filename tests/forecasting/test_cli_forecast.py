"""`shuiwu forecast` as an operator runs it, on a slice of the real district data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
FORECAST_DATA = ROOT.parent / "shared" / "datasets" / "forecast"
INFLOWS = FORECAST_DATA / "bwdf_inflows_hourly.csv"
WEATHER = FORECAST_DATA / "bwdf_weather_hourly.csv"


def shuiwu(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOG_JSON": "false"}
    return subprocess.run(
        [sys.executable, "-m", "shuiwu.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_forecast_help_is_bilingual():
    out = shuiwu("forecast", "--help").stdout
    assert "用水量预测" in out and "Water-use forecasting" in out and "eval" in out


def test_missing_input_file_gets_a_clear_message(tmp_path):
    result = shuiwu(
        "forecast", "--input", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")
    )
    assert result.returncode == 1
    assert "找不到文件" in result.stderr


@pytest.mark.datasets
@pytest.mark.skipif(not INFLOWS.is_file(), reason="仓库旁没有 ../shared/datasets 真实数据集，跳过")
def test_forecast_runs_on_three_weeks_of_two_real_districts(tmp_path):
    # Three weeks around the October 2022 DST change, with the file's own gaps; no cleaning here.
    raw = pd.read_csv(INFLOWS)
    keep = (raw["timestamp"] >= "2022-10-10") & (raw["timestamp"] < "2022-10-31")
    history = tmp_path / "history.csv"
    raw.loc[keep, ["timestamp", "dma_1", "dma_6"]].to_csv(history, index=False)
    out = tmp_path / "out.csv"
    result = shuiwu(
        "forecast", "--input", str(history), "--horizon", "168", "--freq", "h",
        "--weather", str(WEATHER), "--region", "it-bwdf", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    forecast = pd.read_csv(out)
    assert list(forecast.columns) == ["timestamp", "series", "yhat", "yhat_lower", "yhat_upper"]
    assert set(forecast["series"]) == {"dma_1", "dma_6"}
    assert len(forecast) == 2 * 168
    assert not forecast["yhat"].isna().any()
    assert (forecast["yhat_lower"] <= forecast["yhat"]).all()
    assert (forecast["yhat"] <= forecast["yhat_upper"]).all()
    assert forecast["timestamp"].iloc[0] == "2022-10-31 00:00:00"
    # The summary tells the operator what happened to each series, in Chinese.
    assert "夏令时" in result.stderr
    for district in ("dma_1", "dma_6"):
        line = next(x for x in result.stderr.splitlines() if x.startswith(district))
        assert "模型" in line and "回测MAE" in line and "异常值" in line and "缺测" in line
