"""Alembic migrations up and down on the suite's database (SQLite, or PostgreSQL when set)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

import shuiwu.models  # noqa: F401  (registers the tables)
from shuiwu import migrate
from shuiwu.db import Base, engine_for


def tables(url: str) -> set[str]:
    return set(inspect(engine_for(url)).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_every_model_table_and_downgrade_removes_them(database_factory):
    url = database_factory.empty()
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()
    assert tables(url) == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    assert tables(url) == set()
    migrate.upgrade(url)  # and up again: downgrade left nothing behind that blocks it
    assert tables(url) == set(Base.metadata.tables)
    engine_for(url).dispose()


def test_schema_matches_the_models(database_factory):
    """No model change without a migration: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = database_factory.new()
    with engine_for(url).begin() as conn:
        # A table of someone else's (Rasa's tracker store) shares the database in production.
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)"))
        context = MigrationContext.configure(conn, opts={"include_object": migrate.include_object})
        diff = compare_metadata(context, Base.metadata)
    engine_for(url).dispose()
    assert diff == []


def test_audit_log_refuses_update_and_delete(db_url, session):
    from shuiwu.services import audit

    audit.record(session, None, "test.event", "thing", 1)
    session.commit()
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError):
            session.execute(text(statement))
        session.rollback()
    assert session.execute(text("SELECT action FROM audit_log")).scalars().all() == ["test.event"]


def test_money_round_trips_as_decimal(db_url, session):
    from shuiwu.models import Tariff, TariffTier

    tariff = Tariff(name="测试", effective_from=date(2024, 1, 1), water_resource_fee=Decimal("0.4"),
                    sewage_fee=Decimal("0.95"))
    tariff.tiers = [TariffTier(tier_no=1, upper_m3=None, base_price=Decimal("2.0500"))]
    session.add(tariff)
    session.commit()
    session.expire_all()
    stored = session.get(Tariff, tariff.id)
    assert isinstance(stored.sewage_fee, Decimal) and stored.sewage_fee == Decimal("0.95")
    assert isinstance(stored.tiers[0].base_price, Decimal)
