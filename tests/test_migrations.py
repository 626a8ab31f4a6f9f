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


def test_upgrade_and_downgrade_keep_every_row(database_factory, tmp_path, monkeypatch, request):
    """SQLite rebuilds tables in batch migrations; a cascading DROP must not take children along."""
    from shuiwu.config import get_settings

    monkeypatch.setenv("DATA_DIR", str(tmp_path))  # development keys for the encrypting step
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    url = database_factory.empty()
    migrate.upgrade(url, "0001")
    now = "CURRENT_TIMESTAMP"
    statements = [
        f"INSERT INTO users (id, username, phone, display_name, role, is_active, created_at) VALUES (1, 'u1', '13800000001', 'U', 'resident', true, {now})",
        f"INSERT INTO households (id, account_no, holder_name, address, district, community, persons, tariff_class, created_at) VALUES (1, '01', '李雷', '清河市某路1号', '东城区', '', 3, 'residential', {now})",
        f"INSERT INTO household_members (user_id, household_id, relation, status, bound_at) VALUES (1, 1, 'owner', 'active', {now})",
        "INSERT INTO meters (id, household_id, serial_no, caliber_mm, digits, decimals, installed_on, initial_value) VALUES (1, 1, 'M1', 15, 5, 3, '2024-01-01', 0)",
        f"INSERT INTO readings (meter_id, value, read_at, source, status, created_at) VALUES (1, 1.5, {now}, 'remote', 'accepted', {now})",
        f"INSERT INTO tariffs (id, tariff_class, name, effective_from, water_resource_fee, sewage_fee, created_at) VALUES (1, 'residential', 't', '2024-01-01', 0.4, 0.95, {now})",
        f"INSERT INTO bills (id, household_id, period_start, period_end, usage_m3, amount, due_date, status, issued_at) VALUES (1, 1, '2024-01-01', '2024-01-31', 1.5, 5.1, '2024-02-29', 'paid', {now})",
        "INSERT INTO bill_lines (bill_id, kind, tier_no, tariff_id, usage_m3, unit_price, amount) VALUES (1, 'base', 1, 1, 1.5, 2.05, 3.08)",
        f"INSERT INTO payments (household_id, bill_id, payer_id, amount, method, status, provider_ref, created_at) VALUES (1, 1, 1, 5.1, 'wechat', 'succeeded', 'REF1', {now})",
    ]
    with engine_for(url).begin() as conn:
        for statement in statements:
            conn.execute(text(statement))

    def counts() -> dict[str, int]:
        with engine_for(url).connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in sorted(tables(url))
                    if t in Base.metadata.tables and t in before_tables}

    before_tables = tables(url)
    before = counts()
    assert before["readings"] == before["payments"] == before["household_members"] == 1
    migrate.upgrade(url)
    assert counts() == before
    migrate.downgrade(url, "0001")
    assert counts() == before
    engine_for(url).dispose()
