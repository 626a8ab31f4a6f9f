"""The real chat stack for the Rasa, channel, widget and handoff tests: Rasa (our channels/, the
trained model), the app (action endpoint, login, uploads, built widget) and a small seeded demo city.

Rasa takes the better part of a minute to start, so the suite starts one stack, on first use,
and shares it (the `chat_stack` fixture in tests/conftest.py). Modules sharing it work with
residents of their own (`ChatStack.new_resident`), never with another module's conversations.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
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
from tests.servers import free_port

DEMO_HOUSEHOLDS = 12
# One set of server settings for every module: a token on Rasa's HTTP API (as in production; the
# handoff relay must send it) and staff on duty all day, so a handoff is queued whenever the suite runs.
RASA_TOKEN = "chat-stack-test-token"
HANDOFF_HOURS = "0:00-23:59"


@dataclass
class ChatStack:
    app: str
    rasa: str
    settings: Settings
    field_keys: str
    blind_index_key: str

    @property
    def database_url(self) -> str:
        return self.settings.effective_database_url

    @property
    def token(self) -> dict:
        """Query parameters for Rasa's HTTP API."""
        return {"token": self.settings.rasa_token} if self.settings.rasa_token else {}

    def login(self, username: str, password: str = DEMO_PASSWORD) -> dict:
        response = httpx.post(
            f"{self.app}/api/v1/auth/login",
            json={"username": username, "password": password},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def rasa_get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.rasa}{path}", params=self.token, timeout=30)

    @contextmanager
    def session(self) -> Iterator:
        """An ORM session on the stack's database, encrypting with the keys its app reads with."""
        from sqlalchemy.orm import Session

        from shuiwu.config import get_settings
        from shuiwu.db import engine_for

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("FIELD_KEYS", self.field_keys)
            mp.setenv("BLIND_INDEX_KEY", self.blind_index_key)
            get_settings.cache_clear()
            try:
                with Session(engine_for(self.database_url)) as session:
                    yield session
            finally:
                get_settings.cache_clear()

    def new_resident(self, prefix: str) -> str:
        """A new resident (password DEMO_PASSWORD) owning a seeded household nobody else uses yet
        (readings up to today, bills); returns the username."""
        from sqlalchemy import func, select

        from shuiwu.models import BindingStatus, Household, HouseholdMember, Role
        from shuiwu.services import accounts

        username = f"{prefix}_{uuid.uuid4().hex[:6]}"
        with self.session() as session:
            user = accounts.create_user(session, None, username=username, password=DEMO_PASSWORD,
                                        role=Role.RESIDENT)
            # The least shared household: a free one, unless a reused stack has run out of them.
            household_id = session.scalar(
                select(Household.id)
                .outerjoin(HouseholdMember, HouseholdMember.household_id == Household.id)
                .group_by(Household.id)
                .order_by(func.count(HouseholdMember.id), Household.id)
                .limit(1)
            )
            session.add(HouseholdMember(user_id=user.id, household_id=household_id, relation="owner",
                                        status=BindingStatus.ACTIVE))
            session.commit()
        return username


def _tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else ""


def _wait(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float, **kw) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what}启动失败（退出代码 {proc.returncode}）：\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=1, **kw).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} {timeout:.0f} 秒内未就绪：\n{_tail(log)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _seed(env: dict[str, str]) -> None:
    """A small demo city (demo_resident, demo_family, demo_staff, households with readings and bills)."""
    code = (
        "from shuiwu.db import session_scope\n"
        "from shuiwu.demo.seed import seed\n"
        "with session_scope() as s:\n"
        f"    seed(s, households={DEMO_HOUSEHOLDS})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    if done.returncode:
        pytest.fail("演示数据写入失败：" + done.stderr.decode()[-2000:])


def _reused(path: str) -> ChatStack:
    import json

    from shuiwu.crypto import _local_keys

    found = json.loads(Path(path).read_text())
    data_dir = Path(found["data_dir"])
    # The development keys in its data_dir, unless the file names the keys it was started with.
    field_keys, index_key = (
        (found["field_keys"], found["blind_index_key"]) if "field_keys" in found else _local_keys(data_dir)
    )
    # No database_url: the app's default, the SQLite file in its data_dir (never this test's DATABASE_URL).
    settings = Settings(data_dir=data_dir, rasa_url=found["rasa"], database_url=found.get("database_url", ""),
                        **({"rasa_token": found["rasa_token"]} if "rasa_token" in found else {}))
    return ChatStack(found["app"], found["rasa"], settings, field_keys, index_key)


@contextmanager
def running_chat_stack(database_url: str, data_dir: Path) -> Iterator[ChatStack]:
    # While developing: SHUIWU_CHAT_STACK=file.json ({"app", "rasa", "data_dir"}, and its
    # "database_url", "rasa_token", "field_keys", "blind_index_key" if set) reuses a stack that is already up (Rasa takes minutes to start
    # on a busy machine).
    reuse = os.environ.get("SHUIWU_CHAT_STACK")
    if reuse:
        yield _reused(reuse)
        return
    try:
        model = rasa_runtime.current_model()
        rasa_runtime.find_rasa()
    except rasa_runtime.RasaRuntimeError as exc:
        # `make test` trains first, so a missing model is a broken setup, not a reason to skip.
        pytest.fail(exc.message)
    from shuiwu.crypto import _local_keys

    app_port, rasa_port = free_port(), free_port()
    settings = Settings(
        database_url=database_url, data_dir=data_dir, host="127.0.0.1", port=app_port,
        rasa_url=f"http://127.0.0.1:{rasa_port}", rasa_token=RASA_TOKEN, handoff_hours=HANDOFF_HOURS,
        # Its own Redis pub/sub channel and rate-limit keys: other stacks may share the server.
        redis_namespace=f"test-chat-{uuid.uuid4().hex[:10]}",
    )
    # The keys are handed to every process by name, so rows the tests write (ChatStack.session)
    # read back in the app.
    local_field_keys, local_index_key = _local_keys(data_dir)
    field_keys = os.environ.get("FIELD_KEYS") or local_field_keys
    index_key = os.environ.get("BLIND_INDEX_KEY") or local_index_key
    env = {
        **os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(data_dir),
        "FIELD_KEYS": field_keys, "BLIND_INDEX_KEY": index_key,
        "HOST": "127.0.0.1", "PORT": str(app_port), "RASA_URL": settings.rasa_url,
        "RASA_TOKEN": RASA_TOKEN, "HANDOFF_HOURS": HANDOFF_HOURS,
        "REDIS_NAMESPACE": settings.redis_namespace,
        "LOG_JSON": "false", "LOG_LEVEL": "WARNING",
    }
    app_log, rasa_log = data_dir / "app.log", data_dir / "rasa.log"
    # Start Rasa first: it is by far the slower of the two.
    rasa_runtime.write_endpoints(settings)
    cmd, rasa_env = rasa_runtime.rasa_command(settings, rasa_port, model=model)
    started = time.monotonic()
    with open(rasa_log, "wb") as log:
        rasa = subprocess.Popen(cmd, cwd=ROOT, env=rasa_env, stdout=log, stderr=subprocess.STDOUT)
    app = None
    try:
        _seed(env)
        with open(app_log, "wb") as log:
            app = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "shuiwu.main:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(app_port), "--no-access-log"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        app_url = f"http://127.0.0.1:{app_port}"
        _wait(f"{app_url}/healthz", app, app_log, "应用", 240)
        stack = ChatStack(app_url, settings.rasa_url, settings, field_keys, index_key)
        # /status answers only once the model is loaded.
        _wait(f"{settings.rasa_url}/status", rasa, rasa_log, "Rasa", 600, params=stack.token)
        print(f"\nRasa 启动用时 {time.monotonic() - started:.1f} 秒")
        yield stack
    finally:
        _stop(rasa)
        if app is not None:
            _stop(app)
