"""docker-compose.yml describes the production topology correctly.

No Docker engine runs here, so the file is checked structurally (and with `docker compose
config` when that CLI exists); tests/integration/test_topology.py runs the same topology
with real local services.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def test_every_part_of_the_topology_is_there():
    for name in ("postgres", "redis", "chroma", "migrate", "app", "rasa", "proxy"):
        assert name in SERVICES, name
    assert SERVICES["app"]["deploy"]["replicas"] == 2
    assert SERVICES["rasa"]["deploy"]["replicas"] == 2


def test_only_the_proxy_is_published():
    published = [name for name, svc in SERVICES.items() if svc.get("ports")]
    assert published == ["proxy"]


def test_app_replicas_share_database_redis_and_chroma_servers():
    env = SERVICES["app"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert env["CHROMA_URL"] == "http://chroma:8000"
    assert env["RASA_URL"] == "http://rasa:5005"
    assert "SECRET_KEY" in env  # replicas must sign tokens with one key
    # ...and read each other's encrypted fields: the keys are required, never generated
    assert env["FIELD_KEYS"] == "${FIELD_KEYS:?set FIELD_KEYS}"
    assert env["BLIND_INDEX_KEY"] == "${BLIND_INDEX_KEY:?set BLIND_INDEX_KEY}"
    assert env["ENVIRONMENT"] == "production"  # refuses to start without them
    assert SERVICES["migrate"]["command"] == ["shuiwu", "db", "upgrade"]
    assert SERVICES["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_rasa_replicas_use_sql_tracker_and_redis_lock_store():
    endpoints = yaml.safe_load((ROOT / "deploy/rasa-endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["type"] == "SQL"
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"]["type"] == "redis"
    env = SERVICES["rasa"]["environment"]
    referenced = set(re.findall(r"\$\{(\w+)\}", (ROOT / "deploy/rasa-endpoints.yml").read_text()))
    assert referenced <= set(env), referenced - set(env)
    assert env["ACTION_ENDPOINT_URL"] == "http://app:8000/webhook"


def test_dependencies_point_at_real_services():
    for name, svc in SERVICES.items():
        for dep in svc.get("depends_on", {}):
            assert dep in SERVICES, f"{name} → {dep}"


def test_dockerfiles_copy_only_what_exists():
    for name, svc in SERVICES.items():
        build = svc.get("build")
        if not build:
            continue
        dockerfile = ROOT / build["context"] / build["dockerfile"]
        assert dockerfile.is_file(), name
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY") and "--from=" not in line:
                for src in line.split()[1:-1]:
                    assert (ROOT / src).exists(), f"{dockerfile.name}: {src} 不存在"


def test_proxy_config_routes_to_the_services():
    conf = (ROOT / "deploy/nginx.conf").read_text(encoding="utf-8")
    mount = SERVICES["proxy"]["volumes"][0].split(":")[0]
    assert (ROOT / mount).resolve() == (ROOT / "deploy/nginx.conf").resolve()
    assert "server app:8000" in conf and "server rasa:5005" in conf
    # The action endpoint stays internal.
    assert re.search(r"location /webhook \{\s*return 404;", conf)


@pytest.mark.skipif(
    not shutil.which("docker")
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose 命令不可用",
)
def test_docker_compose_config_accepts_the_file():
    env = {**os.environ, "POSTGRES_PASSWORD": "x", "SECRET_KEY": "y", "FIELD_KEYS": "k", "BLIND_INDEX_KEY": "b"}
    result = subprocess.run(
        ["docker", "compose", "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
