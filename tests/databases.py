"""Fresh, migrated databases for tests: SQLite files by default, PostgreSQL when DATABASE_URL is set.

Each test that asks for one gets its own database cloned from a migrated template, so tests
(and the servers they start) never see each other's rows.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shuiwu.config import Settings


def server_url() -> str:
    """The PostgreSQL URL from the environment (normalised to psycopg), or '' for SQLite."""
    return Settings().database_url if Settings().database_url.startswith("postgresql") else ""


def _admin(url: str):
    return create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=None
    )


class DatabaseFactory:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.server = server_url()
        self.template: str | None = None
        self.created: list[str] = []

    def _migrated_template(self) -> str:
        from shuiwu import migrate

        if self.template:
            return self.template
        if self.server:
            name = f"shuiwu_tpl_{uuid.uuid4().hex[:10]}"
            self._create(name)
            url = make_url(self.server).set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{self.workdir / 'template.db'}"
        migrate.upgrade(url)
        from shuiwu.db import engine_for

        engine_for(url).dispose()
        self.template = url
        return url

    def _create(self, name: str, template: str | None = None) -> None:
        engine = _admin(self.server)
        with engine.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        engine.dispose()
        self.created.append(name)

    def new(self) -> str:
        """A URL to a fresh database at the latest schema."""
        template = self._migrated_template()
        name = f"shuiwu_t_{uuid.uuid4().hex[:10]}"
        if self.server:
            self._create(name, make_url(template).database)
            return make_url(self.server).set(database=name).render_as_string(hide_password=False)
        path = self.workdir / f"{name}.db"
        shutil.copyfile(make_url(template).database, path)
        return f"sqlite:///{path}"

    def empty(self) -> str:
        """A URL to a database with no schema at all (for migration tests)."""
        name = f"shuiwu_e_{uuid.uuid4().hex[:10]}"
        if self.server:
            self._create(name)
            return make_url(self.server).set(database=name).render_as_string(hide_password=False)
        return f"sqlite:///{self.workdir / name}.db"

    def drop_all(self) -> None:
        if not self.server:
            return
        from shuiwu.db import engine_for

        engine_for.cache_clear()
        engine = _admin(self.server)
        with engine.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
