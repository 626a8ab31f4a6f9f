"""The real chat stack for channel and widget tests: Rasa (our channels/, the trained model),
the app (action endpoint, login, uploads, built widget) and a small seeded demo city."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shuiwu import rasa_runtime
from shuiwu.config import ROOT, Settings
from tests.conftest import DEMO_PASSWORD
from tests.integration.test_rasa import _stop, _wait
from tests.servers import free_port

DEMO_HOUSEHOLDS = 12


@dataclass
class ChatStack:
    app: str
    rasa: str
    settings: Settings

    def login(self, username: str, password: str = DEMO_PASSWORD) -> dict:
        response = httpx.post(
            f"{self.app}/api/v1/auth/login",
            json={"username": username, "password": password},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def rasa_get(self, path: str) -> httpx.Response:
        params = {"token": self.settings.rasa_token} if self.settings.rasa_token else {}
        return httpx.get(f"{self.rasa}{path}", params=params, timeout=30)


def _seed(database_url: str, data_dir: Path) -> None:
    """A small demo city (demo_resident, demo_family with households and bills)."""
    code = (
        "from shuiwu.db import session_scope\n"
        "from shuiwu.demo.seed import seed\n"
        "with session_scope() as s:\n"
        f"    seed(s, households={DEMO_HOUSEHOLDS})\n"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    if done.returncode:
        pytest.fail("演示数据写入失败：" + done.stderr.decode()[-2000:])


@contextmanager
def running_chat_stack(database_url: str, data_dir: Path) -> Iterator[ChatStack]:
    # While developing: SHUIWU_CHAT_STACK=file.json ({"app", "rasa", "data_dir"}) reuses a stack
    # that is already up (Rasa takes minutes to start on a busy machine).
    reuse = os.environ.get("SHUIWU_CHAT_STACK")
    if reuse:
        import json

        found = json.loads(Path(reuse).read_text())
        yield ChatStack(found["app"], found["rasa"], Settings(data_dir=Path(found["data_dir"]),
                                                              rasa_url=found["rasa"]))
        return
    try:
        model = rasa_runtime.current_model()
        rasa_runtime.find_rasa()
    except rasa_runtime.RasaRuntimeError as exc:
        pytest.fail(exc.message)
    app_port, rasa_port = free_port(), free_port()
    settings = Settings(
        database_url=database_url, data_dir=data_dir, host="127.0.0.1", port=app_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        # Its own Redis pub/sub channel and rate-limit keys: other stacks may share the server.
        redis_namespace=f"test-chat-{uuid.uuid4().hex[:10]}",
    )
    app_log, rasa_log = data_dir / "app.log", data_dir / "rasa.log"
    rasa_runtime.write_endpoints(settings)
    cmd, env = rasa_runtime.rasa_command(settings, rasa_port, model=model)
    with open(rasa_log, "wb") as log:
        rasa = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    app = None
    try:
        _seed(database_url, data_dir)
        app_env = {
            **os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
            "HOST": "127.0.0.1", "PORT": str(app_port), "RASA_URL": settings.rasa_url,
            "REDIS_NAMESPACE": settings.redis_namespace,
            "LOG_JSON": "false", "LOG_LEVEL": "WARNING",
        }
        with open(app_log, "wb") as log:
            app = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "shuiwu.main:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(app_port), "--no-access-log"],
                cwd=ROOT, env=app_env, stdout=log, stderr=subprocess.STDOUT,
            )
        app_url = f"http://127.0.0.1:{app_port}"
        _wait(f"{app_url}/healthz", app, app_log, "应用", 60)
        token = {"token": settings.rasa_token} if settings.rasa_token else {}
        _wait(f"{settings.rasa_url}/status", rasa, rasa_log, "Rasa", 600, params=token)
        yield ChatStack(app_url, settings.rasa_url, settings)
    finally:
        _stop(rasa)
        if app is not None:
            _stop(app)
