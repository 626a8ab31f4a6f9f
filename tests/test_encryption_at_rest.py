"""Personal data is encrypted in the database itself: what a stolen database file would show."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from shuiwu import migrate
from shuiwu.config import get_settings
from shuiwu.crypto import KeyConfigError, encrypted_columns, new_key_spec, reencrypt
from shuiwu.db import engine_for
from shuiwu.models import (
    BindingStatus,
    Household,
    HouseholdMember,
    Payment,
    PaymentMethod,
    User,
)
from shuiwu.services import accounts

ROOT = Path(__file__).resolve().parent.parent
PHONE, EMAIL = "13912345678", "zhao.min@example.cn"
ADDRESS, HOLDER = "清河市南山区翠湖路77号2单元1101室", "赵敏"
REF = "4200001234202611250000123456"
CLAIMED_NAME, CLAIMED_PHONE = "周芷若", "13600009999"


@pytest.fixture
def personal_data(session, make_user):
    user = make_user("resident", phone=PHONE, email=EMAIL)
    home = Household(account_no="0303000777", holder_name=HOLDER, address=ADDRESS,
                     district="南山区", community="翠湖苑", phone=PHONE)
    session.add(home)
    session.flush()
    session.add(Payment(household_id=home.id, amount=Decimal("52.30"), method=PaymentMethod.WECHAT,
                        provider_ref=REF))
    # A disputed binding keeps what the claimant said: a name and a phone, personal data too.
    claimant = make_user("resident")
    session.add(HouseholdMember(user_id=claimant.id, household_id=home.id, status=BindingStatus.PENDING,
                                evidence={"holder_name": CLAIMED_NAME, "contact_phone": CLAIMED_PHONE}))
    session.commit()
    return user, home


def raw_dump(url: str) -> bytes:
    """Everything the database holds, as bytes: the file itself for SQLite, every row for PostgreSQL."""
    engine = engine_for(url)
    if url.startswith("sqlite"):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        return Path(make_url(url).database).read_bytes()
    chunks = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            chunks += [row[0] for row in conn.execute(text(f'SELECT t::text FROM "{table}" t'))]
    return "\n".join(chunks).encode()


def test_no_plaintext_phone_email_address_name_or_payment_ref_in_the_database(db_url, personal_data):
    dump = raw_dump(db_url)
    for secret in (PHONE, EMAIL, ADDRESS, HOLDER, REF, "zhao.min", "翠湖路77号", CLAIMED_NAME, CLAIMED_PHONE):
        assert secret.encode() not in dump, secret
    assert b"0303000777" in dump  # the grep itself works: the 户号 is stored in clear


def test_the_application_still_reads_and_finds_them(session, personal_data):
    user, home = personal_data
    session.expire_all()
    assert session.get(Household, home.id).address == ADDRESS
    assert accounts.find_by_login(session, PHONE).id == user.id
    assert accounts.find_by_login(session, "  Zhao.Min@Example.CN ").id == user.id  # email case
    assert session.scalar(select(Payment.provider_ref)) == REF


def test_ciphertext_copied_into_another_column_does_not_decrypt(session, personal_data):
    user, home = personal_data
    session.execute(text("UPDATE households SET address = (SELECT phone FROM users WHERE id = :u)"),
                    {"u": user.id})
    session.commit()
    session.expire_all()
    with pytest.raises(KeyConfigError, match="无法用密钥"):
        session.get(Household, home.id).address  # noqa: B018


def use_keys(monkeypatch, field_keys: str) -> None:
    monkeypatch.setenv("FIELD_KEYS", field_keys)
    get_settings.cache_clear()


def test_key_rotation_keeps_old_data_readable_and_reencrypt_moves_it(db_url, session, make_user, monkeypatch):
    monkeypatch.setenv("BLIND_INDEX_KEY", new_key_spec("index").split(":", 2)[2])
    k1, k2 = new_key_spec("k1"), new_key_spec("k2", "sm4")
    use_keys(monkeypatch, k1)
    user = make_user("resident", phone=PHONE, email=EMAIL)

    use_keys(monkeypatch, f"{k2},{k1}")  # a new active key (SM4), the old one kept for reading
    session.expire_all()
    assert session.get(User, user.id).email == EMAIL
    with engine_for(db_url).begin() as conn:
        counts = reencrypt(conn)
        stored = conn.execute(text("SELECT email, phone FROM users WHERE id = :id"), {"id": user.id}).one()
    assert counts["users.email"] == 1 and counts["users.phone"] == 1
    assert all(value.startswith("e1:k2:") for value in stored)

    use_keys(monkeypatch, k2)  # the old key retired: everything still reads
    session.expire_all()
    assert session.get(User, user.id).phone == PHONE
    assert accounts.find_by_login(session, EMAIL).id == user.id

    use_keys(monkeypatch, new_key_spec("k3"))  # a key that never wrote this data
    session.expire_all()
    with pytest.raises(KeyConfigError, match="未配置的密钥 k2"):
        session.get(User, user.id).phone  # noqa: B018


def test_every_personal_column_is_encrypted():
    columns = {f"{t}.{c}" for t, _, c, _ in encrypted_columns()}
    assert {
        "users.email", "users.phone", "households.holder_name", "households.address",
        "households.phone", "payments.provider_ref", "auth_sessions.ip",
        "outbox_messages.recipient", "outbox_messages.body", "verification_codes.payload",
        "household_members.evidence",
    } <= columns


def test_cli_reencrypt_reports_counts_in_json(db_url, personal_data):
    result = subprocess.run(
        [sys.executable, "-m", "shuiwu.cli", "keys", "reencrypt"], cwd=ROOT, capture_output=True,
        text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total"] == 0  # all already under the active key
    assert "households.address" in report["reencrypted"]


def test_upgrading_a_database_with_plaintext_rows_encrypts_them_and_downgrade_restores(
    database_factory, tmp_path, monkeypatch, request
):
    monkeypatch.setenv("DATA_DIR", str(tmp_path))  # the development keys are made there
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    url = database_factory.empty()
    migrate.upgrade(url, "0001")
    with engine_for(url).begin() as conn:
        conn.execute(text(
            "INSERT INTO users (username, email, phone, display_name, role, is_active, created_at) "
            "VALUES ('old_user', :e, :p, '老用户', 'resident', true, CURRENT_TIMESTAMP)"),
            {"e": EMAIL, "p": PHONE})
        conn.execute(text(
            "INSERT INTO households (account_no, holder_name, address, district, community, persons, "
            "tariff_class, created_at) VALUES ('0101', :h, :a, '东城区', '', 3, 'residential', CURRENT_TIMESTAMP)"),
            {"h": HOLDER, "a": ADDRESS})
    migrate.upgrade(url)
    with engine_for(url).connect() as conn:
        email, phone, bidx, verified = conn.execute(
            text("SELECT email, phone, email_bidx, phone_verified_at FROM users")).one()
        address = conn.execute(text("SELECT address FROM households")).scalar_one()
    assert email.startswith("e1:") and phone.startswith("e1:") and address.startswith("e1:")
    assert bidx and verified is not None  # accounts made by operators count as verified
    migrate.downgrade(url, "0001")
    with engine_for(url).connect() as conn:
        assert conn.execute(text("SELECT email, phone FROM users")).one() == (EMAIL, PHONE)
        assert conn.execute(text("SELECT address FROM households")).scalar_one() == ADDRESS
    engine_for(url).dispose()


def test_production_refuses_to_start_without_its_keys(tmp_path):
    env = {"ENVIRONMENT": "production", "SECRET_KEY": "s" * 40, "DATA_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "shuiwu.cli", "db", "current"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip() == "错误：生产环境必须设置 FIELD_KEYS、BLIND_INDEX_KEY"
    assert not (tmp_path / "field.keys").exists()  # and it did not quietly make its own


def test_doctor_says_when_the_keys_do_not_open_the_data(db_url, personal_data, monkeypatch):
    from shuiwu.doctor import check_keys

    assert check_keys(get_settings()).ok
    monkeypatch.setenv("FIELD_KEYS", new_key_spec("k7"))
    monkeypatch.setenv("BLIND_INDEX_KEY", new_key_spec("b").split(":", 2)[2])
    get_settings.cache_clear()
    check = check_keys(get_settings())
    assert not check.ok and "未配置的密钥 k1" in check.detail
