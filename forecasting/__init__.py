"""Water-use forecasting: seasonal naive, Prophet and LightGBM behind one `fit_predict`,
rolling-origin backtests scored like the Battle of the Water Demand Forecasting."""

from forecasting.models import MODELS, Forecast, fit_predict

__all__ = ["MODELS", "Forecast", "fit_predict"]
