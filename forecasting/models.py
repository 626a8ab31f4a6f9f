"""The forecasting models behind one function, `fit_predict`, and `auto` that picks one per
series by a short rolling-origin backtest.

Every model returns a point forecast with 80 % and 95 % intervals. Outliers are removed and gaps
left as gaps before fitting; both are counted in `Forecast.notes`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecasting.calendars import check_region, day_calendar, prophet_holidays
from forecasting.cleaning import flag_outliers, position_in_week, season_length, weekly_profile
from forecasting.series import FREQS, check_freq

# Changes whenever what the models forecast changes; shown as the model's version on the page.
MODEL_REVISION = "2026.12.07"
WEATHER_REGRESSORS = ("temperature_c", "rain_mm", "humidity_pct")
QUANTILES = (0.025, 0.10, 0.90, 0.975)
# Training windows in days: enough for a yearly pattern, short enough for a district-week in
# < 2 s. LightGBM's is per frequency: on hourly data it takes up to two years (chosen on the 2022
# tuning origins, with its leaves and day of the year below; docs/forecasting.md); daily series
# (households, districts' daily inflow) keep one year, their backtests were not rerun.
TRAIN_DAYS = {"prophet": 365}
GBM_TRAIN_DAYS = {"h": 730, "D": 365}
SNAIVE_ERROR_WEEKS = 12  # past weeks of the naive's own errors that set its intervals
RESIDUAL_WEEKS = 12  # past weeks of Prophet's residuals that can widen its intervals
GBM_HUBER_MADS: float | None = 2.0  # Huber threshold in robust SDs of the target; None = L2
TIME_ZERO = pd.Timestamp("2020-01-01")  # LightGBM's time feature counts days from here
GBM_PARAMS = dict(
    learning_rate=0.05, min_data_in_leaf=20,
    bagging_fraction=0.8, bagging_freq=1, feature_fraction=0.9, num_threads=1,
    verbose=-1, seed=0,
)  # fmt: skip
GBM_LEAVES = {"h": 15, "D": 31}
GBM_ROUNDS = 300
# The day of the year as a feature beside the count of days, when the window holds at least
# this many days (None = never): only then does it link a day to the same day a year before.
GBM_DAY_OF_YEAR_MIN_DAYS: dict[str, int | None] = {"h": 400, "D": None}
# Neither model's own interval is the error of the next week: LightGBM's held-out errors come
# from a model fitted on less data before demand drifted, Prophet's Gaussian noise is too thin
# for hourly bursts. On the 2021 tuning origins (`tuning.TUNING_ORIGINS_2021`: 10 origins × 10 BWDF
# districts, 15,663 hours, none of them a 2022 evaluation origin) the raw 80 % / 95 % intervals
# covered 75.6 % / 92.2 % (LightGBM) and 72.8 % / 87.8 % (Prophet); these factors on the offsets
# from the point forecast give nominal coverage there (`python -m forecasting.tuning --calibrate
# gbm,prophet`). Hourly only: daily household series get their own factors, fitted on the
# household backtest's fit half (`forecasting.households.DAILY_FACTORS`); districts' daily
# series keep these raw quantiles (no daily district backtest yet).
# For QUANTILES (2.5 %, 10 %, 90 %, 97.5 %):
INTERVAL_CALIBRATION = {"gbm": (1.21, 1.17, 1.17, 1.21), "prophet": (1.42, 1.23, 1.23, 1.42)}


@dataclass
class Forecast:
    yhat: pd.Series
    lower80: pd.Series
    upper80: pd.Series
    lower95: pd.Series
    upper95: pd.Series
    model_name: str
    notes: dict = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "yhat": self.yhat,
                "lower80": self.lower80,
                "upper80": self.upper80,
                "lower95": self.lower95,
                "upper95": self.upper95,
            }
        )


def future_index(y: pd.Series, horizon: int, freq: str) -> pd.DatetimeIndex:
    step = pd.tseries.frequencies.to_offset(FREQS[freq])
    return pd.date_range(y.index[-1] + step, periods=horizon, freq=FREQS[freq])


def _forecast_from_quantiles(index, yhat, q: np.ndarray, name: str, notes: dict) -> Forecast:
    """q: columns for QUANTILES; intervals are made to contain the point forecast."""
    yhat = np.asarray(yhat, dtype=float)
    lo95, lo80, hi80, hi95 = (np.asarray(q[:, i], dtype=float) for i in range(4))
    lo80 = np.minimum(lo80, yhat)
    hi80 = np.maximum(hi80, yhat)
    lo95 = np.minimum(lo95, lo80)
    hi95 = np.maximum(hi95, hi80)
    s = lambda a: pd.Series(a, index=index)  # noqa: E731
    return Forecast(s(yhat), s(lo80), s(hi80), s(lo95), s(hi95), name, notes)


# ---------------------------------------------------------------- seasonal naive


def _naive_values(y: pd.Series, target: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Value one season back from each target stamp that is already known; if it is missing,
    two seasons back; if that is missing too, the weekly profile (median of that slot)."""
    period = season_length(freq)
    values = y.to_numpy(dtype=float)
    n = len(values)
    pos = ((target - y.index[0]) // pd.Timedelta(1, unit=FREQS[freq])).to_numpy()
    k = np.where(pos >= n, np.ceil((pos - n + 1) / period), 1).astype(int)
    out = np.full(len(target), np.nan)
    for lag in (k, k + 1):
        src = pos - lag * period
        ok = np.isnan(out) & (src >= 0) & (src < n)
        out[ok] = values[src[ok]]
    missing = np.isnan(out)
    if missing.any():
        known = y.dropna()
        profile = weekly_profile(known, freq) if len(known) else pd.Series(dtype=float)
        slots = position_in_week(target[missing], freq)
        fill = np.array(profile.reindex(slots), dtype=float)
        fill[np.isnan(fill)] = known.mean() if len(known) else 0.0
        out[missing] = fill
    return out


def seasonal_naive(
    y: pd.Series, horizon: int, freq: str, weather=None, region="cn", point_only: bool = False
) -> Forecast:
    period = season_length(freq)
    index = future_index(y, horizon, freq)
    yhat = _naive_values(y, index, freq)
    # Intervals from the naive's own past errors: same-slot-last-week error, over recent weeks.
    recent = y.iloc[-SNAIVE_ERROR_WEEKS * period :]
    lagged = y.shift(period).reindex(recent.index)
    errors = (recent - lagged).dropna().to_numpy()
    if len(errors) < 10:
        errors = (y - y.shift(period)).dropna().to_numpy()
    if len(errors) < 10:
        errors = np.array([0.0])
    q = np.quantile(errors, QUANTILES)
    # Beyond one season the forecast repeats older values: widen by sqrt(weeks ahead).
    weeks_ahead = np.ceil(np.arange(1, horizon + 1) / period)
    qs = yhat[:, None] + q[None, :] * np.sqrt(weeks_ahead)[:, None]
    return _forecast_from_quantiles(index, yhat, qs, "snaive", {})


# ---------------------------------------------------------------- weather


def _weather_for(weather: pd.DataFrame | None, index: pd.DatetimeIndex) -> pd.DataFrame | None:
    """Regressor columns on `index`, short gaps interpolated; None when weather does not
    cover the stamps (then the model runs without it and says so)."""
    if weather is None:
        return None
    cols = [c for c in WEATHER_REGRESSORS if c in weather.columns]
    if not cols:
        return None
    w = weather[cols].reindex(weather.index.union(index)).sort_index()
    w = w.interpolate(limit=6, limit_direction="both").reindex(index)
    if w.isna().any().any():
        return None
    return w


# ---------------------------------------------------------------- Prophet


def _quiet_stan() -> None:
    # Stan's per-fit chatter and Prophet's "yearly seasonality with < 2 years" hint are known;
    # the windows below are chosen on purpose.
    for name in ("cmdstanpy", "prophet", "prophet.forecaster"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # Plotting is not used here; without plotly Prophet logs an error on import.
    logging.getLogger("prophet.plot").disabled = True
    # cmdstanpy resets its own level on first use, so switch its logger off instead.
    logging.getLogger("cmdstanpy").disabled = True


def prophet_model(
    y: pd.Series, horizon: int, freq: str, weather=None, region="cn", point_only: bool = False
) -> Forecast:
    _quiet_stan()
    from prophet import Prophet

    _quiet_stan()

    notes: dict = {}
    y = y.iloc[-TRAIN_DAYS["prophet"] * (24 if freq == "h" else 1) :]
    index = future_index(y, horizon, freq)
    span_days = (y.index[-1] - y.index[0]).days
    days = day_calendar(region, y.index[0], index[-1])
    model = Prophet(
        growth="linear",
        weekly_seasonality=True,
        yearly_seasonality=10 if span_days >= 300 else False,
        daily_seasonality=False,
        holidays=prophet_holidays(region, y.index[0], index[-1]),
        seasonality_mode="additive",
        interval_width=0.95,
        uncertainty_samples=0 if point_only else 200,
        changepoint_range=0.9,
    )
    stamps = y.index.append(index)
    frame = pd.DataFrame({"ds": stamps, "y": np.r_[y.to_numpy(), np.full(horizon, np.nan)]})
    if freq == "h":
        # A rest day's hours look unlike a working day's: one daily shape for each.
        off = days["offday"].reindex(stamps.normalize()).to_numpy(dtype=bool)
        frame["offday"] = off
        frame["onday"] = ~off
        model.add_seasonality("daily_onday", period=1, fourier_order=8, condition_name="onday")
        model.add_seasonality("daily_offday", period=1, fourier_order=8, condition_name="offday")
    w = _weather_for(weather, stamps)
    if w is not None:
        for col in w.columns:
            model.add_regressor(col)
            frame[col] = w[col].to_numpy()
        notes["regressors"] = list(w.columns)
    elif weather is not None:
        notes["regressors"] = "weather does not cover the period; fitted without it"
    history, future = frame.iloc[: len(y)], frame.iloc[len(y) :].drop(columns="y")
    model.fit(history.dropna(subset=["y"]), algorithm="LBFGS")
    if point_only:  # backtests that only rank models need no intervals
        yhat = model.predict(future)["yhat"].to_numpy()
        return _forecast_from_quantiles(index, yhat, np.tile(yhat[:, None], 4), "prophet", notes)
    samples = model.predictive_samples(future)["yhat"]
    model.uncertainty_samples = 0
    yhat = model.predict(future)["yhat"].to_numpy()
    q = np.quantile(samples, QUANTILES, axis=1).T
    # Prophet's Gaussian noise is too narrow for hourly demand (bursts of error, fat tails):
    # keep whichever is wider, its interval or the quantiles of its recent residuals.
    recent = history.iloc[-RESIDUAL_WEEKS * season_length(freq) :].dropna(subset=["y"])
    resid = recent["y"].to_numpy() - model.predict(recent.drop(columns="y"))["yhat"].to_numpy()
    if len(resid) >= 10:
        empirical = yhat[:, None] + np.quantile(resid, QUANTILES)[None, :]
        lower = np.minimum(q[:, :2], empirical[:, :2])
        upper = np.maximum(q[:, 2:], empirical[:, 2:])
        q = np.column_stack([lower, upper])
    if freq == "h":
        q = yhat[:, None] + (q - yhat[:, None]) * np.array(INTERVAL_CALIBRATION["prophet"])
    return _forecast_from_quantiles(index, yhat, q, "prophet", notes)


# ---------------------------------------------------------------- LightGBM


def _gbm_features(
    y_ext: pd.Series,
    freq: str,
    region: str,
    weather: pd.DataFrame | None,
    day_of_year: bool = False,
) -> pd.DataFrame:
    """Calendar and weekly-lag features for every stamp of y_ext (history + horizon)."""
    period = season_length(freq)
    idx = y_ext.index
    days = day_calendar(region, idx[0], idx[-1])
    day_of = idx.normalize()
    feats = pd.DataFrame(index=idx)
    feats["pos"] = position_in_week(idx, freq)
    feats["hour"] = idx.hour if freq == "h" else 0
    feats["dow"] = idx.dayofweek
    # Time as days since a fixed date, not the day of the year: LightGBM reads the current level
    # off the latest rows, and a forecast's stamps lie beyond every training value, so they fall
    # in the latest rows' leaves. The day of the year did that only while the history was
    # shorter than a year; with a full 365-day window a forecast's days sort with the window's
    # oldest rows, a year back. On the 2022 tuning origins: PI1/PI2/PI3 1.064/3.471/1.094 ->
    # 1.031/3.334/1.083; on 2021 (under a year of history) no change beyond noise.
    feats["days"] = (idx - TIME_ZERO) / pd.Timedelta(days=1)
    if day_of_year:
        feats["doy"] = idx.dayofyear
    feats["offday"] = days["offday"].reindex(day_of).to_numpy(dtype=float)
    feats["holiday"] = (days["holiday"].reindex(day_of) != "").to_numpy(dtype=float)
    feats["makeup"] = days["makeup_workday"].reindex(day_of).to_numpy(dtype=float)
    feats["lag_offday"] = feats["offday"].shift(period).to_numpy()
    lags = np.column_stack([y_ext.shift(k * period).to_numpy() for k in (1, 2, 3, 4)])
    feats["lag1w"] = lags[:, 0]
    feats["lag2w"] = lags[:, 1]
    with warnings.catch_warnings():  # an all-gap row is expected: its base stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        feats["base"] = np.nanmedian(lags, axis=1)
    if weather is not None:
        for col in weather.columns:
            feats[col] = weather[col].to_numpy()
    return feats


def _gbm_loss(target: np.ndarray) -> dict:
    """LightGBM's loss. Huber's threshold is in the target's own unit, so it is set from the
    robust spread of the departures (districts differ twentyfold in flow)."""
    if GBM_HUBER_MADS is None or len(target) == 0:
        return {"objective": "l2"}
    spread = 1.4826 * float(np.median(np.abs(target - np.median(target))))
    return {"objective": "huber", "alpha": max(GBM_HUBER_MADS * spread, 1e-6)}


def gbm_model(
    y: pd.Series, horizon: int, freq: str, weather=None, region="cn", point_only: bool = False
) -> Forecast:
    """LightGBM on calendar and same-slot-previous-weeks features, learning the departure from
    the median of the last four weeks; intervals from errors on a held-out final fortnight."""
    import lightgbm as lgb

    period = season_length(freq)
    notes: dict = {}
    y = y.iloc[-GBM_TRAIN_DAYS[freq] * (24 if freq == "h" else 1) :]
    index = future_index(y, horizon, freq)
    y_ext = pd.concat([y, pd.Series(np.nan, index=index)])
    doy_min = GBM_DAY_OF_YEAR_MIN_DAYS[freq]
    doy = doy_min is not None and (y.index[-1] - y.index[0]).days >= doy_min
    w = _weather_for(weather, y_ext.index)
    if w is not None:
        notes["regressors"] = list(w.columns)
    elif weather is not None:
        notes["regressors"] = "weather does not cover the period; fitted without it"

    def fit(train_y: pd.Series):
        feats = _gbm_features(
            train_y, freq, region, None if w is None else w.loc[train_y.index], doy
        )
        ok = train_y.notna() & feats["base"].notna()
        target = (train_y - feats["base"])[ok]
        data = lgb.Dataset(feats[ok], target)
        return lgb.train(
            {**GBM_PARAMS, "num_leaves": GBM_LEAVES[freq], **_gbm_loss(target.to_numpy())},
            data,
            num_boost_round=GBM_ROUNDS,
            keep_training_booster=True,  # no text round-trip of the model: ~0.07 s a fit
        )

    def predict(model, series: pd.Series, start: int) -> pd.Series:
        # Week by week, so stamps beyond one season use the forecasts of the week before.
        series = series.copy()
        weather_all = None if w is None else w.loc[series.index]
        for block in range(start, len(series), period):
            feats = _gbm_features(series, freq, region, weather_all, doy)
            feats = feats.iloc[block : block + period]
            base = feats["base"].to_numpy()
            fallback = _naive_values(series.iloc[:block], feats.index, freq)
            base = np.where(np.isnan(base), fallback, base)
            series.iloc[block : block + period] = base + model.predict(feats)
        return series.iloc[start:]

    # Interval errors: the model fitted without the last twelve weeks forecasts each of them one
    # week ahead (its lags are the true values a week back), as it will be used.
    hold = 12 * period
    errors = np.array([])
    if not point_only and y.notna().sum() > 20 * period:
        trial = fit(y.iloc[:-hold])
        feats = _gbm_features(y, freq, region, None if w is None else w.loc[y.index], doy)
        feats = feats.iloc[-hold:]
        base = feats["base"].to_numpy()
        errors = y.iloc[-hold:].to_numpy() - (base + trial.predict(feats))
        errors = errors[~np.isnan(errors)]
    if len(errors) < 10:
        errors = (y - y.shift(period)).dropna().to_numpy()
    model = fit(y)
    yhat = predict(model, y_ext, len(y)).to_numpy()
    q = np.quantile(errors, QUANTILES) if len(errors) else np.zeros(4)
    if freq == "h" and not point_only:
        q = q * np.array(INTERVAL_CALIBRATION["gbm"])
    weeks_ahead = np.ceil(np.arange(1, horizon + 1) / period)
    qs = yhat[:, None] + q[None, :] * np.sqrt(weeks_ahead)[:, None]
    return _forecast_from_quantiles(index, yhat, qs, "gbm", notes)


# ---------------------------------------------------------------- dispatch

Model = Callable[..., Forecast]
MODELS: dict[str, Model] = {"snaive": seasonal_naive, "prophet": prophet_model, "gbm": gbm_model}
MODEL_NAMES = (*MODELS, "auto")
AUTO_CANDIDATES = ("snaive", "prophet", "gbm")
# Hourly: Prophet is behind LightGBM on every BWDF indicator on average and costs ~1 s a fit, so
# `auto` ranks only the naive and LightGBM there (one district-week stays under 2 s); daily
# series, where Prophet is cheap and yearly/holiday effects matter more, rank all three.
AUTO_CANDIDATES_BY_FREQ = {"h": ("snaive", "gbm"), "D": AUTO_CANDIDATES}
AUTO_ORIGINS = 3
# How much lower the naive's backtest MAE must be than the best learned model's for `auto` to
# pick the naive (a share of it), per frequency. Three backtest weeks are few: on hourly data a
# naive "win" there was mostly noise, and auto picking it cost more than it saved on both tuning
# parts (docs/forecasting.md).
AUTO_NAIVE_MARGIN: dict[str, float] = {"h": 0.1, "D": 0.0}


def prepare(series: pd.Series, freq: str) -> tuple[pd.Series, dict]:
    """Regular grid, outliers removed (set to NaN); counts of both for the report."""
    y = series.astype(float).copy()
    y.index = pd.DatetimeIndex(y.index)
    y = y.sort_index()
    y = y[~y.index.duplicated()].asfreq(FREQS[freq])
    # Leading/trailing blanks carry no information; the forecast starts after the last stamp.
    first, last = y.first_valid_index(), y.index[-1]
    if first is None:
        raise ValueError("the series has no values")
    y = y.loc[first:last]
    outliers = flag_outliers(y, freq)
    notes = {
        "gaps": int(y.isna().sum()),
        "outliers_removed": int(outliers.sum()),
        "outlier_stamps": [str(t) for t in y.index[outliers][:20]],
    }
    y[outliers] = np.nan
    return y, notes


def backtest_mae(
    y: pd.Series, model: str, freq: str, weather, region: str, origins: int = AUTO_ORIGINS
) -> float:
    """Mean MAE of one-season-ahead forecasts from the last `origins` season starts."""
    period = season_length(freq)
    maes = []
    for k in range(origins, 0, -1):
        cut = len(y) - k * period
        if cut < 2 * period:
            continue
        actual = y.iloc[cut : cut + period]
        if actual.notna().sum() == 0:
            continue
        fc = MODELS[model](y.iloc[:cut], period, freq, weather, region, point_only=True)
        maes.append(float(np.nanmean(np.abs(actual.to_numpy() - fc.yhat.to_numpy()))))
    return float(np.mean(maes)) if maes else float("nan")


def _auto_choice(scores: dict[str, float], naive_margin: float) -> str:
    """The candidate with the lowest backtest MAE, the naive only if it beats the best other
    candidate by more than `naive_margin` of that candidate's MAE."""
    learned = {m: s for m, s in scores.items() if m != "snaive"}
    if not learned:
        return "snaive"
    best = min(learned, key=learned.get)
    naive = scores.get("snaive")
    if naive is not None and naive < learned[best] * (1 - naive_margin):
        return "snaive"
    return best


def fit_predict(
    series: pd.Series,
    horizon: int,
    freq: str = "h",
    weather: pd.DataFrame | None = None,
    region: str = "cn",
    model: str = "auto",
    report_backtest: bool = False,
) -> Forecast:
    """Forecast `horizon` steps after the series' last stamp (NaN in `series` = missing).

    `auto` picks the model with the lowest backtest MAE; `report_backtest` also scores a model
    named explicitly against the seasonal naive, for the user to see."""
    check_freq(freq)
    check_region(region)
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if model not in MODEL_NAMES:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODEL_NAMES)}")
    y, notes = prepare(series, freq)
    if y.notna().sum() < 2 * season_length(freq):
        notes["short_history"] = "fewer than two seasons of data: seasonal naive only"
        model = "snaive"
    if model == "auto" or (report_backtest and model != "snaive"):
        candidates = AUTO_CANDIDATES_BY_FREQ[freq] if model == "auto" else ("snaive", model)
        scores = {m: backtest_mae(y, m, freq, weather, region) for m in candidates}
        finite = {m: s for m, s in scores.items() if np.isfinite(s)}
        if model == "auto":
            model = _auto_choice(finite, AUTO_NAIVE_MARGIN.get(freq, 0.0))
            notes["auto_winner"] = model
        naive = scores.get("snaive", float("nan"))
        notes["backtest_mae"] = {m: round(s, 4) for m, s in scores.items()}
        if np.isfinite(naive) and naive > 0 and model in finite:
            notes["improvement_vs_snaive_pct"] = round(100 * (1 - finite[model] / naive), 1)
    fc = MODELS[model](y, horizon, freq, weather, region)
    fc.notes = {**notes, **fc.notes}
    return fc
