"""Schema migrations as functions, for the CLI, the launcher and the tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from shuiwu.config import get_settings
from shuiwu.db import engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Only our own tables: Rasa's SQL tracker store keeps its `events` table in the same
    PostgreSQL database in production, and autogenerate must not propose dropping it."""
    return not (type_ == "table" and reflected and compare_to is None)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url or get_settings().effective_database_url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    cfg = alembic_config(url)
    with engine_for(cfg.get_main_option("sqlalchemy.url")).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    cfg = alembic_config(url)
    with engine_for(cfg.get_main_option("sqlalchemy.url")).begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(url: str | None = None) -> str | None:
    with engine_for(url or get_settings().effective_database_url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
