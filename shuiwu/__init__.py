"""智慧水务服务平台: the app runtime (FastAPI, domain model and services, operator CLI)."""

__version__ = "0.1.0"
