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
    _run(command.upgrade, url, revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    _run(command.downgrade, url, revision)


def _run(step, url: str | None, revision: str) -> None:
    cfg = alembic_config(url)
    engine = engine_for(cfg.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table by copying it and dropping the old one; with
            # foreign keys on, that DROP cascades and deletes every child row (meters,
            # readings, bills…). Off for the migration (outside any transaction, or SQLite
            # ignores it), then the references are checked before anything is committed.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg, revision)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"迁移后有 {len(broken)} 行外键引用失效，已回滚")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def current_revision(url: str | None = None) -> str | None:
    with engine_for(url or get_settings().effective_database_url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
