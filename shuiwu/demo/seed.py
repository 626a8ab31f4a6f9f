"""Seed the demo city into an empty database: households, meters, two years of daily readings,
district inflows, bills from the tariff, payments, tickets, notifications and the FAQ.

Usage follows real data (see data/README.md): each household borrows the daily shape and the
glitches of a DAIAD smart meter, each district the inflow shape of a BWDF district meter.
Rows go in with bulk inserts (COPY on PostgreSQL) because `make run` seeds on first start.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from shuiwu.crypto import keyring
from shuiwu.demo import content
from shuiwu.demo.city import (
    ACCOUNT_PROFILES,
    CITY,
    DEFAULT_SEED,
    DEMO_ACCOUNTS,
    DISTRICTS,
    DemoHousehold,
    build_households,
)
from shuiwu.models import (
    Bill,
    BillLine,
    BillStatus,
    BindingStatus,
    ChargeKind,
    DistrictFlow,
    Household,
    HouseholdMember,
    Meter,
    Notification,
    NotificationChannel,
    Payment,
    PaymentStatus,
    Reading,
    ReadingSource,
    ReadingStatus,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
)
from shuiwu.timeutil import today_local

PROFILES_PATH = Path(__file__).parent / "data" / "profiles.json.gz"
BILL_MONTHS = 24
CHUNK = 20_000
BWDF_CYCLE = 728  # 104 weeks: districts borrow the BWDF day with the same weekday
LOCAL_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no DST


@dataclass
class SeedReport:
    created: bool
    households: int = 0
    meters: int = 0
    readings: int = 0
    bills: int = 0
    payments: int = 0
    tickets: int = 0
    users: int = 0
    district_flow_days: int = 0
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "households": self.households,
            "meters": self.meters,
            "readings": self.readings,
            "bills": self.bills,
            "payments": self.payments,
            "tickets": self.tickets,
            "users": self.users,
            "district_flow_days": self.district_flow_days,
            **self.details,
        }

    def summary(self) -> str:
        template = content.SUMMARY if self.created else content.SUMMARY_EXISTING
        return template.format(city=CITY, **self.as_dict())


# ---- profiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdShape:
    residual: tuple[float, ...]  # daily use / (mean × weekday factor): the day-to-day noise
    dow: tuple[float, ...]
    glitches: dict[int, tuple[str, float]]  # profile day → (kind, size)


@dataclass(frozen=True)
class DistrictShape:
    daily: tuple[float | None, ...]  # mean 1, None = bulk-meter gap
    hours: dict[int, int]


@lru_cache(maxsize=1)
def load_profiles() -> tuple[tuple[HouseholdShape, ...], dict[str, DistrictShape]]:
    with gzip.open(PROFILES_PATH, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    shapes = []
    for p in doc["households"]:
        start = date.fromisoformat(p["start"])
        dow = tuple(p["dow"])
        residual = tuple(
            v / 1000 / (dow[(start + timedelta(days=i)).weekday()] or 1.0)
            for i, v in enumerate(p["daily"])
        )
        glitches: dict[int, tuple[str, float]] = {}
        for offset, kind, size in p["glitches"]:
            if kind == "gap":
                for k in range(int(size)):
                    glitches[offset + k] = ("gap", 0.0)
            else:
                glitches[offset] = (kind, float(size))
        shapes.append(HouseholdShape(residual, dow, glitches))
    districts = {}
    for d in doc["dmas"]:
        start = date.fromisoformat(d["start"])
        if start.weekday() != date(2021, 1, 1).weekday():
            raise ValueError("profiles.json.gz: DMA series must start on 2021-01-01")
        districts[d["key"]] = DistrictShape(
            tuple(None if v is None else v / 1000 for v in d["daily"]),
            {int(k): h for k, h in d["hours"].items()},
        )
    return tuple(shapes), districts


# ---- calendar ---------------------------------------------------------------------------------


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(start: date) -> date:
    return _month_start(start, -1) - timedelta(days=1)


def _utc(day: date, hour: int, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall-clock time as the aware UTC datetime the columns take."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - LOCAL_OFFSET


def _season(day: date) -> float:
    """Chinese households use about a quarter more in high summer than in winter."""
    return 1.0 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)


# ---- the seeding ------------------------------------------------------------------------------


def _counts(session: Session) -> SeedReport:
    def n(model) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return SeedReport(
        created=False,
        households=n(Household),
        meters=n(Meter),
        readings=n(Reading),
        bills=n(Bill),
        payments=n(Payment),
        tickets=n(Ticket),
        users=n(User),
        district_flow_days=n(DistrictFlow),
    )


def seed(
    session: Session,
    households: int = 2000,
    *,
    only_if_empty: bool = True,
    today: date | None = None,
    random_seed: int = DEFAULT_SEED,
) -> SeedReport:
    """Write the demo city. The caller commits (the CLI's `session_scope` does)."""
    if only_if_empty and session.scalar(select(Household.id).limit(1)) is not None:
        return _counts(session)
    return _Seeder(session, households, today or today_local(), random_seed).run()


def plan_city(households: int, today: date, random_seed: int = DEFAULT_SEED) -> list[DemoHousehold]:
    """The households `seed` would write for these arguments (same seed → same city)."""
    shapes, _ = load_profiles()
    start = _month_start(today, BILL_MONTHS) - timedelta(days=1)
    return build_households(
        households,
        profiles=len(shapes),
        profile_length=min(len(s.residual) for s in shapes),
        days=(today - start).days,
        start=start,
        seed=random_seed,
    )


class _Seeder:
    def __init__(self, session: Session, count: int, today: date, random_seed: int):
        self.session = session
        self.today = today
        self.rng = random.Random(random_seed + 1)
        self.shapes, self.district_shapes = load_profiles()
        self.first_period = _month_start(today, BILL_MONTHS)
        self.start = self.first_period - timedelta(days=1)  # baseline reading for the first bill
        self.days = (today - self.start).days  # up to yesterday
        self.day_list = [self.start + timedelta(days=i) for i in range(self.days)]
        self.city = plan_city(count, today, random_seed)
        self.report = SeedReport(created=True)
        self._final_values: list[tuple[int, int]] = []  # (meter id, register litres) at removal
        self._household_ids: list[int] = []
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self._ring = keyring()  # bulk inserts bypass the ORM events that fill blind indexes

    def run(self) -> SeedReport:
        users = self._users()
        household_ids = self._households()
        self._memberships(users, household_ids)
        meter_ids = self._meters(household_ids)
        daily = self._readings(meter_ids)
        self._district_flows(daily)
        bills = self._bills(household_ids, daily, users)
        tickets = self._tickets(household_ids, users)
        self._notifications(users, bills, tickets)
        self._faq(users)
        self.session.flush()
        self.report.users = self.session.scalar(select(func.count()).select_from(User)) or 0
        return self.report

    # -- people ----------------------------------------------------------------------------

    def _users(self) -> dict[str, User]:
        from shuiwu.services.accounts import create_user

        users = {}
        for account in DEMO_ACCOUNTS:
            extra = ACCOUNT_PROFILES.get(account.username, {})
            users[account.username] = create_user(
                self.session,
                None,
                username=account.username,
                password=account.password,
                role=Role(account.role),
                display_name=extra.get("display_name", ""),
                staff_function=extra.get("staff_function"),
            )
        return users

    def _households(self) -> list[int]:
        created = _utc(self.start, 9)
        rows = [
            {
                "account_no": h.account_no,
                "holder_name": h.holder_name,
                "address": h.address,
                "district": h.district,
                "community": h.community,
                "phone": h.phone,
                "persons": h.persons,
                "tariff_class": "residential",
                "created_at": created,
            }
            for h in self.city
        ]
        self._bulk(Household, rows)
        ids = dict(self.session.execute(select(Household.account_no, Household.id)).all())
        self.report.households = len(rows)
        self._household_ids = [ids[h.account_no] for h in self.city]
        return self._household_ids

    def _memberships(self, users: dict[str, User], household_ids: list[int]) -> None:
        bound = [("demo_resident", 0, "owner"), ("demo_family", 1, "owner")]
        if len(household_ids) > 2:
            bound.append(("demo_family", 2, "family"))
        for username, index, relation in bound:
            if index < len(household_ids):
                self.session.add(
                    HouseholdMember(
                        user_id=users[username].id,
                        household_id=household_ids[index],
                        relation=relation,
                        status=BindingStatus.ACTIVE,
                        bound_at=_utc(self.today - timedelta(days=200 + 40 * index), 20, 15),
                    )
                )
        self.session.flush()

    # -- meters and readings ----------------------------------------------------------------

    def _meters(self, household_ids: list[int]) -> list[list[int]]:
        rows = []
        for h, hid in zip(self.city, household_ids, strict=True):
            for k, m in enumerate(h.meters):
                removed = final = None
                if m.replaced_on_day is not None:
                    removed = self.start + timedelta(days=m.replaced_on_day)
                rows.append(
                    {
                        "household_id": hid,
                        "serial_no": m.serial_no,
                        "caliber_mm": m.caliber_mm,
                        "digits": m.digits,
                        "decimals": 3,
                        "installed_on": m.installed_on,
                        "removed_on": removed,
                        "initial_value": Decimal(m.initial_value_l).scaleb(-3),
                        "final_value": final,
                        "_k": k,
                    }
                )
        self._bulk(Meter, [{k: v for k, v in r.items() if k != "_k"} for r in rows])
        ids = dict(self.session.execute(select(Meter.serial_no, Meter.id)).all())
        self.report.meters = len(rows)
        return [[ids[m.serial_no] for m in h.meters] for h in self.city]

    def _usage(self, h: DemoHousehold) -> list[int]:
        """Litres used on each demo day: level × weekday factor × the profile's own noise × season."""
        shape = self.shapes[h.profile]
        per_day = h.monthly_m3 * 1000 * 12 / 365.25
        n = len(shape.residual)
        wd0 = self.start.weekday()
        return [
            max(
                0,
                round(
                    per_day
                    * shape.dow[(wd0 + i) % 7]
                    * shape.residual[(h.profile_offset + i) % n]
                    * self._seasons[i]
                ),
            )
            for i in range(self.days)
        ]

    def _readings(self, meter_ids: list[list[int]]) -> list[list[int]]:
        """One remote reading a day at about 23:00 local; the profile's glitches become
        missing days and readings held for review or rejected, as real remote meters produce."""
        self._seasons = [_season(d) for d in self.day_list]
        # 23:mm local is 15:mm UTC on the same date
        self._utc_prefix = [f"{(_utc(d, 23)):%Y-%m-%d %H}:" for d in self.day_list]
        daily_all: list[list[int]] = []
        batch: list[tuple] = []
        total = 0
        stats = {"pending_review": 0, "rejected": 0, "gap_days": 0, "rollovers": 0}
        for h, ids in zip(self.city, meter_ids, strict=True):
            usage = self._usage(h)
            daily_all.append(usage)
            shape = self.shapes[h.profile]
            n = len(shape.residual)
            mean_day = max(1.0, sum(usage) / len(usage))
            meter_no = 0
            meter = h.meters[0]
            modulus = 10 ** (meter.digits + 3)
            register = meter.start_value_l
            last_value = register % modulus
            for i in range(self.days):
                if meter.replaced_on_day is not None and i == meter.replaced_on_day:
                    self._final_values.append((ids[meter_no], register))
                    meter_no += 1
                    meter = h.meters[meter_no]
                    modulus = 10 ** (meter.digits + 3)
                    register = meter.start_value_l
                    last_value = register % modulus
                register += usage[i]
                value = register % modulus
                status = "accepted"
                note = None
                glitch = (
                    shape.glitches.get((h.profile_offset + i) % n)
                    if 0 < i < self.days - 1
                    else None
                )
                if glitch is not None:
                    kind, size = glitch
                    if kind == "gap":
                        stats["gap_days"] += 1
                        continue
                    if kind == "drop":
                        fall = max(1000, round(size * mean_day))
                        value = max(0, value - fall)
                        status, note = "rejected", content.NOTE_DROP.format(m3=f"{fall / 1000:.3f}")
                    elif kind == "backstep":
                        back = max(1, round(size * mean_day))
                        value = max(0, last_value - back)
                        status, note = "pending_review", content.NOTE_BACKSTEP.format(litres=back)
                    elif kind == "jump" and usage[i] > 3 * mean_day:
                        status = "pending_review"
                        note = content.NOTE_JUMP.format(
                            m3=f"{usage[i] / 1000:.3f}", times=f"{usage[i] / mean_day:.0f}"
                        )
                if status == "accepted":
                    if value < last_value:
                        stats["rollovers"] += 1
                        note = content.NOTE_ROLLOVER
                    last_value = value
                else:
                    stats[status] += 1
                batch.append((ids[meter_no], value, i, (h.index * 7 + i * 13) % 50, status, note))
            if len(batch) >= CHUNK:
                total += self._write_readings(batch)
                batch = []
        total += self._write_readings(batch)
        if self._final_values:
            self.session.execute(
                update(Meter),
                [
                    {"id": mid, "final_value": Decimal(v).scaleb(-3)}
                    for mid, v in self._final_values
                ],
            )
        self.report.readings = total
        self.report.details["reading_glitches"] = stats
        return daily_all

    def _write_readings(self, batch: list[tuple]) -> int:
        """Rows are (meter id, litres, day index, minute past 23:00 local, status, note).

        SQLAlchemy's per-row type processing costs more than the insert itself at this volume,
        so the two backends we run on get the values in their own storage format directly.
        """
        if not batch:
            return 0
        prefix = self._utc_prefix
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            buf = io.StringIO()
            for meter_id, value, i, minute, status, note in batch:
                note_text = "\\N" if note is None else note.replace("\\", "\\\\").replace("\t", " ")
                buf.write(
                    f"{meter_id}\t{value // 1000}.{value % 1000:03d}\t{prefix[i]}{minute:02d}:00+00\t"
                    f"{prefix[i]}{minute + 3:02d}:00+00\tremote\t{status}\t{note_text}\n"
                )
            raw = self.session.connection().connection.driver_connection
            with (
                raw.cursor() as cur,
                cur.copy(
                    "COPY readings (meter_id, value, read_at, created_at, source, status, note) FROM STDIN"
                ) as copy,
            ):
                copy.write(buf.getvalue())
        elif dialect == "sqlite":
            # the formats SQLAlchemy's SQLite types write: REAL for Numeric, ISO text for DateTime
            rows = [
                (
                    meter_id,
                    value / 1000,
                    f"{prefix[i]}{minute:02d}:00.000000",
                    f"{prefix[i]}{minute + 3:02d}:00.000000",
                    "remote",
                    status,
                    note,
                )
                for meter_id, value, i, minute, status, note in batch
            ]
            self.session.connection().exec_driver_sql(
                "INSERT INTO readings (meter_id, value, read_at, created_at, source, status, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        else:
            rows = [
                {
                    "meter_id": meter_id,
                    "value": Decimal(value).scaleb(-3),
                    "read_at": _utc(self.day_list[i], 23, minute),
                    "created_at": _utc(self.day_list[i], 23, minute + 3),
                    "source": ReadingSource.REMOTE,
                    "status": ReadingStatus(status),
                    "note": note,
                }
                for meter_id, value, i, minute, status, note in batch
            ]
            self.session.execute(insert(Reading.__table__), rows)
        return len(batch)

    # -- districts --------------------------------------------------------------------------

    def _district_flows(self, daily: list[list[int]]) -> None:
        """Bulk-meter inflow = the district's metered use / (1 − leakage), shaped like a BWDF DMA."""
        sums: dict[str, float] = {}
        for h, usage in zip(self.city, daily, strict=True):
            sums[h.district] = sums.get(h.district, 0.0) + sum(usage)
        rows = []
        origin = date(2021, 1, 1)
        for district in DISTRICTS:
            if district.name not in sums:
                continue
            shape = self.district_shapes[district.dma]
            level_l = sums[district.name] / self.days / (1 - district.leakage)
            for day in self.day_list:
                k = (day - origin).days % BWDF_CYCLE
                factor = shape.daily[k]
                volume = None if factor is None else Decimal(round(level_l * factor)).scaleb(-3)
                rows.append(
                    {
                        "district": district.name,
                        "day": day,
                        "volume_m3": volume,
                        "hours_observed": 0 if factor is None else shape.hours.get(k, 24),
                    }
                )
        self._bulk(DistrictFlow, rows)
        self.report.district_flow_days = len(rows)

    # -- bills and payments -----------------------------------------------------------------

    def _bills(
        self, household_ids: list[int], daily: list[list[int]], users: dict[str, User]
    ) -> list[dict]:
        from shuiwu.billing.pricing import TariffSpec, price_usage, total
        from shuiwu.billing.tariffs import ensure_default_tariffs

        specs = [TariffSpec.from_model(t) for t in ensure_default_tariffs(self.session)]
        self._tariffs = specs
        months = [_month_start(self.today, BILL_MONTHS - k) for k in range(BILL_MONTHS)]
        bill_rows: list[dict] = []
        lines_by_key: dict[tuple[int, date], list] = {}
        plans: list[tuple[DemoHousehold, int, dict]] = []
        for h, hid, usage in zip(self.city, household_ids, daily, strict=True):
            ytd = Decimal(0)
            for m_start in months:
                m_end = _month_end(m_start)
                if m_start.month == 1:
                    ytd = Decimal(0)
                elif m_start == months[0]:
                    # the months of this year before the demo began, at the household's level
                    ytd = Decimal(round(h.monthly_m3 * (m_start.month - 1), 3)).quantize(
                        Decimal("0.001")
                    )
                i0 = (m_start - self.start).days
                i1 = (m_end - self.start).days
                days = [(self.day_list[i], Decimal(usage[i]).scaleb(-3)) for i in range(i0, i1 + 1)]
                charges = price_usage(days, specs, ytd)
                used = sum((u for _, u in days), Decimal(0))
                ytd += used
                issued = _utc(m_end + timedelta(days=1), 9)
                due = _month_end(m_end + timedelta(days=1))
                row = {
                    "household_id": hid,
                    "period_start": m_start,
                    "period_end": m_end,
                    "usage_m3": used.quantize(Decimal("0.001")),
                    "amount": total(charges),
                    "due_date": due,
                    "status": BillStatus.UNPAID,
                    "issued_at": issued,
                }
                bill_rows.append(row)
                lines_by_key[(hid, m_start)] = charges
                plans.append((h, hid, row))
        self._settle(plans, users)
        self._bulk(Bill, bill_rows)
        ids = {
            (hid, start): bid
            for bid, hid, start in self.session.execute(
                select(Bill.id, Bill.household_id, Bill.period_start)
            )
        }
        line_rows = []
        for key, charges in lines_by_key.items():
            for c in charges:
                line_rows.append(
                    {
                        "bill_id": ids[key],
                        "kind": ChargeKind(c.kind),
                        "tier_no": c.tier_no,
                        "tariff_id": c.tariff_id,
                        "usage_m3": c.usage_m3,
                        "unit_price": c.unit_price,
                        "amount": c.amount,
                    }
                )
        self._bulk(BillLine, line_rows)
        payment_rows = []
        for _h, hid, row in plans:
            for p in row.pop("_payments", []):
                payment_rows.append(
                    {**p, "household_id": hid, "bill_id": ids[(hid, row["period_start"])]}
                )
        self._bulk(Payment, payment_rows)
        self.report.bills = len(bill_rows)
        self.report.payments = len(payment_rows)
        self.report.details["bill_lines"] = len(line_rows)
        statuses: dict[str, int] = {}
        for row in bill_rows:
            statuses[row["status"].value] = statuses.get(row["status"].value, 0) + 1
        self.report.details["bill_status"] = statuses
        return [dict(r, id=ids[(r["household_id"], r["period_start"])]) for r in bill_rows]

    def _settle(self, plans: list[tuple[DemoHousehold, int, dict]], users: dict[str, User]) -> None:
        """Who paid what, when and how; the rest is unpaid or overdue depending on the due date."""
        now = _utc(self.today, 0)
        payer_by_household = {
            0: users["demo_resident"].id,
            1: users["demo_family"].id,
            2: users["demo_family"].id,
        }
        delinquent_from: dict[int, int] = {}
        for h, _hid, row in plans:
            rng = self.rng
            if h.pay_habit == "autopay":
                lag = timedelta(days=2, hours=rng.randint(1, 6))
            elif h.pay_habit == "prompt":
                lag = timedelta(
                    days=rng.choice((0, 1, 2, 3, 5, 7, 10, 14, 20)), hours=rng.randint(0, 13)
                )
            else:
                lag = timedelta(days=rng.randint(8, 55), hours=rng.randint(0, 13))
            if h.pay_habit == "delinquent":
                stop = delinquent_from.setdefault(h.index, BILL_MONTHS - rng.randint(1, 4))
                month_no = (row["period_start"].year - self.first_period.year) * 12 + (
                    row["period_start"].month - self.first_period.month
                )
                if month_no >= stop:
                    lag = timedelta(days=10_000)
            paid_at = row["issued_at"] + lag
            payments = []
            if paid_at < now and row["amount"] > 0:
                method = h.pay_method
                if method == "bank_card" and rng.random() < 0.03:
                    # insufficient funds on the debit day; paid by phone a few days later
                    payments.append(self._payment(row, method, paid_at, PaymentStatus.FAILED, None))
                    method, paid_at = "wechat", paid_at + timedelta(days=3)
                if paid_at < now:
                    payer = payer_by_household.get(h.index) if method != "counter" else None
                    payments.append(
                        self._payment(row, method, paid_at, PaymentStatus.SUCCEEDED, payer)
                    )
                    row["status"] = BillStatus.PAID
            elif row["amount"] == 0:
                row["status"] = BillStatus.PAID
            if row["status"] != BillStatus.PAID:
                row["status"] = (
                    BillStatus.OVERDUE if row["due_date"] < self.today else BillStatus.UNPAID
                )
            row["_payments"] = payments

    _ref_seq = 0

    def _payment(
        self, row: dict, method: str, at: datetime, status: PaymentStatus, payer: int | None
    ) -> dict:
        self._ref_seq += 1
        local = at + LOCAL_OFFSET
        stamp = local.strftime("%Y%m%d")
        noise = self.rng.randrange(10**6)
        ref = {
            "wechat": f"4200{stamp}{noise:06d}{self._ref_seq:010d}",
            "alipay": f"{stamp}2200{noise:06d}{self._ref_seq:010d}",
            "bank_card": f"UP{stamp}{noise:06d}{self._ref_seq:08d}",
            "counter": f"YYT{stamp}{self._ref_seq:08d}",
        }[method]
        return {
            "payer_id": payer,
            "amount": row["amount"],
            "method": method,
            "status": status,
            "provider_ref": ref,
            "provider_ref_bidx": self._ring.blind_index("provider_ref", ref),
            "created_at": at - timedelta(seconds=self.rng.randint(20, 180)),
            "paid_at": at if status == PaymentStatus.SUCCEEDED else None,
        }

    # -- tickets, notifications, FAQ --------------------------------------------------------

    def _tickets(self, household_ids: list[int], users: dict[str, User]) -> list[dict]:
        rng = self.rng
        n = max(6, min(100, len(household_ids) // 20))
        # Customer service dispatch; the field repair colleague does the work.
        staff, repair = users["demo_staff"].id, users["demo_repair"].id
        categories = {
            "leak": 34,
            "no_water": 14,
            "low_pressure": 14,
            "water_quality": 10,
            "meter_fault": 20,
            "other": 8,
        }
        reporters = {
            0: users["demo_resident"].id,
            1: users["demo_family"].id,
            2: users["demo_family"].id,
        }
        plans = []
        for k in range(n):
            index = k if k < 3 else rng.randrange(len(household_ids))
            category = rng.choices(list(categories), weights=list(categories.values()))[0]
            age = rng.randint(0, 364) if k >= 3 else (2, 40, 150)[k]
            created = _utc(self.today - timedelta(days=age), rng.randint(7, 21), rng.randint(0, 59))
            if age < 2:
                path = rng.choice(
                    (
                        ["submitted"],
                        ["submitted", "assigned"],
                        ["submitted", "assigned", "in_progress"],
                    )
                )
            elif age < 7:
                path = rng.choice(
                    (
                        ["submitted", "assigned", "in_progress"],
                        ["submitted", "assigned", "in_progress", "resolved"],
                    )
                )
            else:
                path = ["submitted", "assigned", "in_progress", "resolved", "closed"]
                if rng.random() < 0.08:
                    path = (
                        ["submitted", "cancelled"]
                        if rng.random() < 0.5
                        else ["submitted", "assigned", "cancelled"]
                    )
                elif rng.random() < 0.1:
                    path = path[:-1]  # resolved, waiting for the resident's confirmation
            events = []
            at = created
            for step, status in enumerate(path):
                if step:
                    at += timedelta(
                        minutes=rng.randint(10, 90)
                        if status == "assigned"
                        else rng.randint(60, 60 * 30)
                    )
                    if at >= _utc(self.today, 0):
                        break
                if status == "submitted":
                    note = content.TICKET_NOTES["submitted"].format(
                        channel=rng.choice(content.TICKET_CHANNELS)
                    )
                elif status == "assigned":
                    note = content.TICKET_NOTES["assigned"].format(
                        team=rng.choice(content.TICKET_TEAMS)
                    )
                elif status == "resolved":
                    note = content.TICKET_NOTES["resolved"][category]
                else:
                    note = content.TICKET_NOTES[status]
                events.append((status, at, note))
            plans.append(
                {
                    "ticket_no": f"BX{(created + LOCAL_OFFSET):%Y%m%d}{k + 1:04d}",
                    "household_id": household_ids[index],
                    "reporter_id": reporters.get(index),
                    "assignee_id": repair
                    if len(events) > 1 and events[1][0] != "cancelled"
                    else None,
                    "category": category,
                    "description": rng.choice(content.TICKET_TEXT[category]),
                    "status": TicketStatus(events[-1][0]),
                    "created_at": created,
                    "updated_at": events[-1][1],
                    "_events": events,
                }
            )
        self._bulk(Ticket, [{k: v for k, v in p.items() if k != "_events"} for p in plans])
        ids = dict(self.session.execute(select(Ticket.ticket_no, Ticket.id)).all())
        event_rows = []
        for p in plans:
            previous = None
            for status, at, note in p["_events"]:
                event_rows.append(
                    {
                        "ticket_id": ids[p["ticket_no"]],
                        "actor_id": p["reporter_id"]
                        if status in ("submitted", "cancelled", "closed")
                        else staff
                        if status == "assigned"
                        else repair,
                        "from_status": previous,
                        "to_status": TicketStatus(status),
                        "note": note,
                        "at": at,
                    }
                )
                previous = TicketStatus(status)
        self._bulk(TicketEvent, event_rows)
        self.report.tickets = len(plans)
        return [dict(p, id=ids[p["ticket_no"]]) for p in plans]

    def _notifications(
        self, users: dict[str, User], bills: list[dict], tickets: list[dict]
    ) -> None:
        rows = []
        by_household: dict[int, list[dict]] = {}
        for b in bills:
            by_household.setdefault(b["household_id"], []).append(b)
        bound = {"demo_resident": self.city[:1], "demo_family": self.city[1:3]}
        for username, households in bound.items():
            user = users[username]
            for h in households:
                hid = self._household_ids[h.index]
                latest = by_household[hid][-1]
                month = f"{latest['period_start'].year}年{latest['period_start'].month}月"
                kind, title, body = content.NOTIFY_BILL
                rows.append(
                    self._note(
                        user.id,
                        kind,
                        title.format(month=month),
                        body.format(
                            account_no=h.account_no,
                            month=month,
                            usage=latest["usage_m3"],
                            amount=latest["amount"],
                            due=f"{latest['due_date']:%Y年%m月%d日}",
                        ),
                        latest["issued_at"],
                    )
                )
                paid = [b for b in by_household[hid] if b["status"] == BillStatus.PAID]
                if paid:
                    kind, title, body = content.NOTIFY_PAID
                    at = paid[-1]["issued_at"] + timedelta(days=3)
                    rows.append(
                        self._note(
                            user.id,
                            kind,
                            title,
                            body.format(account_no=h.account_no, amount=paid[-1]["amount"]),
                            at,
                            read=True,
                        )
                    )
            h = households[0]
            kind, title, body = content.NOTIFY_OUTAGE
            day = self.today + timedelta(days=3)
            rows.append(
                self._note(
                    user.id,
                    kind,
                    title,
                    body.format(
                        district=h.district, community=h.community, day=f"{day.month}月{day.day}日"
                    ),
                    _utc(self.today - timedelta(days=1), 10),
                    channel=NotificationChannel.SMS,
                )
            )
        mine = {self._household_ids[i] for i in range(min(3, len(self.city)))}
        for t in tickets:
            if t["household_id"] in mine and t["reporter_id"]:
                kind, title, body = content.NOTIFY_TICKET
                rows.append(
                    self._note(
                        t["reporter_id"],
                        kind,
                        title,
                        body.format(
                            ticket_no=t["ticket_no"],
                            status=content.TICKET_STATUS_LABEL[t["status"].value],
                        ),
                        t["updated_at"],
                        read=t["status"] in (TicketStatus.CLOSED, TicketStatus.CANCELLED),
                    )
                )
        for t in [t for t in tickets if t["status"] == TicketStatus.ASSIGNED][:5]:
            kind, title, body = content.NOTIFY_ASSIGNED
            rows.append(
                self._note(
                    users["demo_staff"].id,
                    kind,
                    title,
                    body.format(
                        ticket_no=t["ticket_no"],
                        category=content.TICKET_CATEGORY_LABEL[t["category"]],
                    ),
                    t["updated_at"],
                )
            )
        self._bulk(Notification, rows)
        self.report.details["notifications"] = len(rows)

    @staticmethod
    def _note(
        user_id: int,
        kind: str,
        title: str,
        body: str,
        at: datetime,
        *,
        read: bool = False,
        channel: NotificationChannel = NotificationChannel.IN_APP,
    ) -> dict:
        return {
            "user_id": user_id,
            "channel": channel,
            "kind": kind,
            "title": title,
            "body": body,
            "created_at": at,
            "read_at": at + timedelta(hours=5) if read else None,
        }

    def _faq(self, users: dict[str, User]) -> None:
        from shuiwu.services.kb import seed_from_content

        self.report.details["faq_entries"] = seed_from_content(self.session, users["demo_admin"])

    # -- plumbing ---------------------------------------------------------------------------

    def _bulk(self, model, rows: Sequence[dict]) -> None:
        for chunk in _chunks(rows, CHUNK):
            self.session.execute(insert(model.__table__), chunk)


def _chunks(rows: Sequence[dict], size: int) -> Iterator[Sequence[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
