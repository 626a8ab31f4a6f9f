"""Every knob of the app as one settings object, read from the environment (or `.env`).

Nothing else in the code base reads `os.environ`; each external part has a local default
so `make run` works on one machine with nothing configured.
"""

from __future__ import annotations

import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | production")
    data_dir: Path = Field(ROOT / "var", description="local state: SQLite file, Chroma, keys")

    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite file in data_dir")
    redis_url: str = Field("", description="redis://…; empty = in-process stores")
    redis_namespace: str = Field("shuiwu", description="key prefix in Redis (rate limits)")
    chroma_url: str = Field("", description="http://host:port of a Chroma server; empty = embedded")
    rasa_url: str = Field("http://127.0.0.1:5005", description="the Rasa server")
    rasa_token: str = Field("", description="token for Rasa's HTTP API; empty = no token")
    chat_socket_url: str = Field(
        "",
        description="where browsers open the chat socket (socket.io on Rasa); empty = RASA_URL"
        " in development, the page's own origin (the reverse proxy's /socket.io/) in production",
    )

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field("", description="URL residents use; empty = http://host:port")

    secret_key: str = Field("", description="JWT signing key; empty = generated once into data_dir")
    access_token_minutes: int = 15
    refresh_token_days: int = Field(30, description="'remember me': refresh token lifetime")
    session_hours: int = Field(12, description="without 'remember me': refresh token lifetime")
    refresh_reuse_grace_seconds: int = Field(
        20, description="the last rotated refresh token may come back this soon (two tabs)"
    )

    # Encryption at rest: "kid:aes|sm4:base64key,…" (first = active) and the HMAC key of the
    # blind indexes. Empty in development = generated once into data_dir/field.keys.
    field_keys: str = Field("", description="field encryption keys, newest first")
    blind_index_key: str = Field("", description="base64 HMAC key for phone/email lookups")

    cors_origins: str = Field("", description="comma-separated origins allowed to call the API")

    # Security codes and abuse limits
    code_ttl_seconds: int = 300
    code_max_attempts: int = 5
    login_max_failures: int = Field(5, description="failures before the account locks")
    lockout_minutes: int = Field(1, description="first lockout; doubles with each further failure")
    lockout_max_minutes: int = 60

    # Messages out: Twilio for SMS, SMTP for email; unset = the local outbox
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = Field("", description="sender number or messaging service SID")
    twilio_api_base: str = Field("https://api.twilio.com", description="for tests: a local fake")
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "智慧水务服务平台 <noreply@shuiwu.local>"
    smtp_starttls: bool = True

    log_level: str = "INFO"
    log_json: bool = True

    web_dist: Path = Field(ROOT / "web_widget" / "dist", description="built web assets")
    # Payments. Empty gateway URLs = local fakes started by the app on free ports (not in production);
    # empty key paths = development keys generated once into data_dir/payment_keys.
    wechatpay_base_url: str = Field("", description="https://api.mch.weixin.qq.com or a fake")
    wechatpay_mchid: str = Field("1900000109", description="WeChat Pay merchant id")
    wechatpay_appid: str = Field("wxd678efh567hg6787", description="app id the orders belong to")
    wechatpay_serial_no: str = Field("", description="serial of the merchant API certificate")
    wechatpay_private_key_path: str = Field("", description="merchant API private key (PEM)")
    wechatpay_platform_public_key_path: str = Field("", description="platform public key (PEM)")
    wechatpay_apiv3_key: str = Field("", description="32-byte APIv3 key (notify decryption)")
    alipay_gateway_url: str = Field("", description="https://openapi.alipay.com/gateway.do or a fake")
    alipay_app_id: str = Field("2021000000000001", description="Alipay app id")
    alipay_private_key_path: str = Field("", description="app private key (PEM, RSA2)")
    alipay_public_key_path: str = Field("", description="Alipay's public key (PEM)")
    payment_notify_base_url: str = Field(
        "", description="where gateways post notifies; empty = base_url"
    )
    # Human handoff: service hours in local time, "8:00-20:00"
    handoff_hours: str = Field("8:00-20:00", description="hours staff answer chats (local time)")

    # Uploads and meter photos (issue 7)
    upload_max_image_mb: int = Field(15, description="largest photo accepted, MB")
    upload_max_video_mb: int = Field(100, description="largest video accepted, MB")
    meter_jump_factor: float = Field(
        5.0, description="a photo reading whose daily use exceeds this many times the usual is confirmed"
    )
    kb_embedder: str = Field(
        "e5", description="knowledge-base embeddings: e5 (bundled, offline) | hash | onnx:<dir> | st:<dir>"
    )
    kb_reranker: str = Field(
        "features", description="knowledge-base re-ranker: off | features (fitted, shipped) | ce:<dir>"
    )
    kb_threshold: float | None = Field(
        None, description="answer confidence below which the assistant says it is not sure; empty = tuned"
    )
    kb_llm_url: str = Field("", description="OpenAI-compatible URL that rephrases KB answers; empty = off")
    kb_llm_model: str = Field("", description="model name sent to kb_llm_url")
    forecast_region: str = Field(
        "cn", description="holiday calendar of the forecasts: cn (调休 included) or it-bwdf"
    )
    forecast_datasets_dir: Path = Field(
        ROOT.parent / "shared" / "datasets" / "forecast",
        description="BWDF district-meter hourly inflows and weather (the hourly DMA forecasts)",
    )
    forecast_spark_url: str = Field(
        "local[2]", description="Spark master of `shuiwu forecast batch --spark` (spark://host:7077)"
    )
    forecast_batch_workers: int = Field(2, description="processes of the nightly forecast batch")
    forecast_nightly_model: str = Field("gbm", description="model of the nightly batch")

    @field_validator("database_url")
    @classmethod
    def _normalise_driver(cls, url: str) -> str:
        # We ship psycopg 3; plain postgresql:// would make SQLAlchemy look for psycopg2.
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url

    @model_validator(mode="after")
    def _production_needs_its_secrets(self) -> Settings:
        # Generated development keys are per machine: replicas would not share them, and a
        # lost data_dir would make every encrypted field unreadable.
        if self.environment == "production":
            missing = [
                name
                for name, value in (
                    ("SECRET_KEY", self.secret_key),
                    ("FIELD_KEYS", self.field_keys),
                    ("BLIND_INDEX_KEY", self.blind_index_key),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"生产环境必须设置 {'、'.join(missing)}")
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'shuiwu.db'}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def chat_socket_origin(self) -> str:
        """The chat socket's origin for the widget; "" = the origin of the page it is on."""
        if self.chat_socket_url:
            return self.chat_socket_url.rstrip("/")
        return "" if self.environment == "production" else self.rasa_url.rstrip("/")

    @property
    def allowed_origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    @property
    def jwt_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        return _local_secret(self.data_dir)


def _local_secret(data_dir: Path) -> str:
    """A per-installation key for development, shared by every process on this machine."""
    path = data_dir / "secret.key"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start together, exactly one writes the key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)  # the other process is still writing it
    raise RuntimeError(f"empty secret key file {path}")


@lru_cache
def get_settings() -> Settings:
    return Settings()
