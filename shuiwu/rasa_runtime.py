"""How the app starts Rasa: the Rasa executable, the trained model, the endpoints file, the command.

Rasa lives in its own Python 3.10 venv (.venv-rasa); nothing here imports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from shuiwu.config import ROOT, Settings

ASSISTANT_DIR = ROOT / "assistant"
MODELS_DIR = ASSISTANT_DIR / "models"
CREDENTIALS = ASSISTANT_DIR / "credentials.yml"
RASA_VENV = ROOT / ".venv-rasa"


class RasaRuntimeError(Exception):
    """Something missing on this machine; `message` is one Chinese line for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def find_rasa(venv: Path = RASA_VENV) -> Path:
    rasa = venv / "bin" / "rasa"
    if not rasa.is_file() or not os.access(rasa, os.X_OK):
        raise RasaRuntimeError(f"找不到 Rasa（{rasa}）：Rasa 运行环境尚未安装，请运行 make run。")
    return rasa


def current_model(models_dir: Path = MODELS_DIR) -> Path:
    """The model scripts/train_rasa.sh trained (current.tar.gz), else the newest one there."""
    current = models_dir / "current.tar.gz"
    if current.is_file():
        return current
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if models:
        return models[-1]
    raise RasaRuntimeError(
        f"尚未训练 Rasa 模型（{models_dir} 中没有模型），请运行 make run 或 scripts/train_rasa.sh。"
    )


def endpoints_path(settings: Settings) -> Path:
    return settings.data_dir / "rasa" / "endpoints.yml"


def _url_host(host: str) -> str:
    """A host the Rasa process can reach the app on: wildcard binds become loopback."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def action_endpoint_url(settings: Settings) -> str:
    return f"http://{_url_host(settings.host)}:{settings.port}/webhook"


def tracker_store_config(database_url: str) -> dict | None:
    """Rasa's SQL tracker store on the app's PostgreSQL database; None = in memory.

    Rasa brings its own SQLAlchemy 1.4 + psycopg2, so it gets the parts, not our
    `postgresql+psycopg://` URL. Rasa keeps its conversations in its own `events` table.
    """
    if not database_url.startswith(("postgresql", "postgres")):
        return None
    url = make_url(database_url)
    config: dict = {
        "type": "SQL",
        "dialect": "postgresql",
        "url": url.host or "localhost",
        "port": url.port or 5432,
        "db": url.database,
    }
    if url.username:
        config["username"] = url.username
    if url.password:
        config["password"] = url.password
    if url.query:  # sslmode and friends
        config["query"] = {k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()}
    return config


def lock_store_config(redis_url: str) -> dict:
    """Redis lock store when REDIS_URL is set (needed once several Rasa replicas run)."""
    if not redis_url:
        return {"type": "in_memory"}
    parts = urlsplit(redis_url)
    db = parts.path.lstrip("/")
    config: dict = {
        "type": "redis",
        "url": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(db) if db.isdigit() else 0,
        # Rasa's keys become "rasa:lock:…", apart from whatever else shares this Redis.
        "key_prefix": "rasa",
    }
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def endpoints_config(settings: Settings) -> dict:
    config: dict = {"action_endpoint": {"url": action_endpoint_url(settings)}}
    tracker = tracker_store_config(settings.database_url)
    if tracker:
        config["tracker_store"] = tracker
    config["lock_store"] = lock_store_config(settings.redis_url)
    return config


def write_endpoints(settings: Settings) -> Path:
    """Write data_dir/rasa/endpoints.yml for this machine's settings; returns its path."""
    path = endpoints_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# Written by shuiwu (shuiwu/rasa_runtime.py) from the settings at every start; edits are lost.\n"
        + yaml.safe_dump(endpoints_config(settings), allow_unicode=True, sort_keys=False)
    )
    # It may hold database and Redis passwords: owner-only, and replaced atomically so a
    # Rasa starting at the same moment never reads half a file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def _cors_origins(settings: Settings) -> list[str]:
    # The web widget, served by the app, talks to Rasa from the app's origin.
    origins = [settings.base_url.rstrip("/")]
    for host in ("127.0.0.1", "localhost"):
        origin = f"http://{host}:{settings.port}"
        if origin not in origins:
            origins.append(origin)
    return origins


def rasa_command(settings: Settings, port: int, model: Path | str) -> tuple[list[str], dict[str, str]]:
    """The `rasa run` command line and environment for a Rasa server on 127.0.0.1:port."""
    cmd = [
        str(find_rasa()), "run",
        "--enable-api",
        "--port", str(port),
        "-i", "127.0.0.1",
        "--model", str(model),
        "--endpoints", str(endpoints_path(settings)),
        "--credentials", str(CREDENTIALS),
        "--cors", *_cors_origins(settings),
    ]
    if settings.rasa_token:
        cmd += ["--auth-token", settings.rasa_token]
    return cmd, rasa_environment(settings=settings)


def rasa_environment(
    base: dict[str, str] | None = None, settings: Settings | None = None
) -> dict[str, str]:
    """Our environment minus anything pointing at the app's venv, plus Rasa's quiet knobs.

    With `settings`, also what channels/web.py needs: the app's JWT key (SECRET_KEY, the
    generated development key included) and the Redis URL that joins its rooms across replicas.
    """
    env = dict(os.environ if base is None else base)
    if settings is not None:
        env["SECRET_KEY"] = settings.jwt_key
        if settings.redis_url:
            env["CHAT_SOCKET_REDIS_URL"] = settings.redis_url
            # Pub/sub ignores the Redis db number: installations sharing a server stay apart.
            env["CHAT_SOCKET_REDIS_CHANNEL"] = f"{settings.redis_namespace}:chat"
        else:
            env.pop("CHAT_SOCKET_REDIS_URL", None)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONUSERBASE"):
        env.pop(name, None)
    app_bin = str(ROOT / ".venv" / "bin")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != app_bin]
    env.update(
        PATH=os.pathsep.join([str(RASA_VENV / "bin"), *path]),
        VIRTUAL_ENV=str(RASA_VENV),
        # The repository root, like PYTHONPATH=/app in the image: Rasa imports channels/ from it.
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env
