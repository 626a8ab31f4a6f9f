"""The fictional city 清河市: districts, communities, households, meters and the demo accounts.

Everything here is plain data built from one random seed, so two runs give the same city;
`shuiwu.demo.seed` turns it into rows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from shuiwu.models import Role, StaffFunction

CITY = "清河市"
DEMO_PASSWORD = "Qinghe2026water"
DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class DemoAccount:
    role_label: str
    username: str
    password: str
    role: str


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount("居民", "demo_resident", DEMO_PASSWORD, Role.RESIDENT.value),
    DemoAccount("居民（家庭）", "demo_family", DEMO_PASSWORD, Role.RESIDENT.value),
    DemoAccount("客服", "demo_staff", DEMO_PASSWORD, Role.STAFF.value),
    DemoAccount("维修", "demo_repair", DEMO_PASSWORD, Role.STAFF.value),
    DemoAccount("管理员", "demo_admin", DEMO_PASSWORD, Role.ADMIN.value),
]

# Who the demo accounts are, beyond their login.
ACCOUNT_PROFILES: dict[str, dict] = {
    "demo_resident": {"display_name": "林晓雯"},
    "demo_family": {"display_name": "周建国"},
    "demo_staff": {"display_name": "客服 陈静", "staff_function": StaffFunction.CUSTOMER_SERVICE},
    "demo_repair": {"display_name": "维修 王磊", "staff_function": StaffFunction.FIELD_REPAIR},
    "demo_admin": {"display_name": "系统管理员"},
}


@dataclass(frozen=True)
class Community:
    name: str
    road: str
    number: int
    built: int  # year: older estates are walk-ups with old meters
    floors: int
    buildings: int


@dataclass(frozen=True)
class District:
    name: str
    code: str  # two digits, the first two of every 户号 in the district
    dma: str  # the BWDF district-metered area whose inflow shape it borrows
    leakage: float  # share of the inflow that never reaches a customer meter
    weight: float
    communities: tuple[Community, ...]


def _c(name: str, road: str, number: int, built: int, floors: int, buildings: int) -> Community:
    return Community(name, road, number, built, floors, buildings)


# fmt: off
DISTRICTS: tuple[District, ...] = (
    District("东城区", "31", "dma_10", 0.22, 0.22, (
        _c("锦绣花园", "望湖路", 128, 2006, 11, 14),
        _c("和平里小区", "解放东路", 46, 1994, 6, 22),
        _c("东湖名邸", "东湖大道", 399, 2015, 26, 9),
        _c("纺织厂宿舍", "建设路", 17, 1988, 5, 8),
        _c("金桂苑", "望湖路", 266, 2010, 18, 12),
        _c("春晖小区", "朝阳街", 73, 1999, 7, 16),
    )),
    District("清源区", "32", "dma_7", 0.19, 0.20, (
        _c("清源新村", "清源路", 55, 1992, 6, 24),
        _c("翠湖苑", "文昌路", 188, 2008, 17, 10),
        _c("书香名邸", "文昌路", 306, 2013, 24, 8),
        _c("惠民小区", "人民路", 12, 1997, 6, 18),
        _c("丽景湾", "清源路", 520, 2017, 30, 7),
    )),
    District("滨河区", "33", "dma_8", 0.24, 0.18, (
        _c("滨河花园", "滨河北路", 88, 2003, 9, 15),
        _c("阳光水岸", "滨河南路", 201, 2012, 25, 11),
        _c("康乐新村", "新华路", 31, 1990, 6, 20),
        _c("怡和苑", "滨河北路", 156, 2007, 12, 10),
        _c("水岸华庭", "沿江路", 77, 2016, 32, 6),
    )),
    District("望湖区", "34", "dma_9", 0.17, 0.15, (
        _c("望湖雅居", "湖滨路", 9, 2011, 18, 12),
        _c("紫荆花园", "紫荆路", 145, 2005, 11, 13),
        _c("金色家园", "湖滨路", 233, 2009, 15, 10),
        _c("幸福里", "长青路", 60, 1996, 7, 14),
    )),
    District("南湖区", "35", "dma_5", 0.21, 0.13, (
        _c("南湖春晓", "南湖大道", 1088, 2018, 28, 9),
        _c("柳岸人家", "柳堤路", 36, 2004, 9, 12),
        _c("南苑小区", "南湖大道", 412, 1998, 6, 18),
        _c("枫林绿洲", "枫林路", 99, 2014, 22, 8),
    )),
    District("高新区", "36", "dma_4", 0.15, 0.12, (
        _c("科创公寓", "创新大道", 8, 2019, 20, 6),
        _c("云谷花园", "创新大道", 660, 2020, 33, 8),
        _c("智慧城小区", "科技二路", 21, 2016, 26, 9),
        _c("星河湾", "高新路", 302, 2021, 30, 7),
    )),
)

# Surnames by their rough frequency in China; given names from the common stock of each era.
SURNAMES = (
    "王" * 8 + "李" * 8 + "张" * 8 + "刘" * 6 + "陈" * 6 + "杨" * 4 + "黄" * 3 + "赵" * 3
    + "吴" * 3 + "周" * 3 + "徐" * 2 + "孙" * 2 + "马" * 2 + "朱" * 2 + "胡" * 2 + "郭" * 2
    + "何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范"
    "金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_OLD = (
    "建国", "建华", "国强", "志强", "秀英", "桂英", "玉兰", "淑珍", "凤英", "德明", "国庆",
    "卫东", "红梅", "丽华", "秀兰", "永华", "振华", "文华", "金凤", "素芬", "春生", "海燕",
    "建军", "明", "华", "军", "勇", "平", "刚", "伟", "芳", "敏", "霞", "兰", "英",
)
GIVEN_YOUNG = (
    "晓雯", "子涵", "浩然", "宇轩", "欣怡", "梓萱", "思远", "佳琪", "雨桐", "俊杰", "嘉怡",
    "子轩", "一诺", "诗涵", "博文", "静怡", "晨曦", "天宇", "雅琴", "明轩", "婷", "磊", "洋",
    "鹏", "杰", "丹", "静", "超", "颖", "琳", "倩", "涛", "斌", "晶", "辉",
)
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "155", "156", "157", "158", "159", "166", "177", "180", "181", "182", "185", "186",
    "187", "188", "189", "191", "198", "199",
)
# fmt: on
# Average household use by persons (m³ a month); the tariff's first tier ends near 15 for a family.
MONTHLY_M3 = {1: 5.0, 2: 9.0, 3: 13.5, 4: 16.0, 5: 19.0}
PERSONS_WEIGHTS = {1: 14, 2: 28, 3: 32, 4: 16, 5: 10}


@dataclass(frozen=True)
class DemoMeter:
    serial_no: str
    caliber_mm: int
    digits: int
    installed_on: date
    initial_value_l: int  # register when installed (litres)
    start_value_l: int  # register at the start of the demo period (litres, before wrapping)
    replaced_on_day: int | None = None  # demo day index when a successor took over


@dataclass(frozen=True)
class DemoHousehold:
    index: int
    account_no: str
    holder_name: str
    district: str
    community: str
    address: str
    phone: str
    persons: int
    monthly_m3: float  # this household's own level
    profile: int  # index into the DAIAD profiles
    profile_offset: int
    pay_habit: str  # prompt | autopay | late | delinquent
    pay_method: str
    meters: tuple[DemoMeter, ...] = field(default=())


def holder_name(rng: random.Random, *, old: bool) -> str:
    pool = GIVEN_OLD if old else GIVEN_YOUNG
    return rng.choice(SURNAMES) + rng.choice(pool)


def masked_phone(rng: random.Random) -> str:
    """Shown as the utility's statements show them: the middle four digits hidden."""
    return f"{rng.choice(MOBILE_PREFIXES)}****{rng.randrange(10000):04d}"


def _weighted(rng: random.Random, weights: dict) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def build_households(
    count: int,
    *,
    profiles: int,
    profile_length: int,
    days: int,
    start: date,
    seed: int = DEFAULT_SEED,
) -> list[DemoHousehold]:
    """`count` households; `days` is the length of the demo period that begins on `start`.

    The first three are the ones the demo accounts are bound to, with something to show:
    household 0 had its meter replaced, household 2 is an old flat whose 4-digit meter
    rolls over from 9999 to 0000 during the demo period.
    """
    rng = random.Random(seed)
    used_rooms: set[tuple[str, str, int, int, int]] = set()
    serials: set[str] = set()
    sequence: dict[tuple[str, int], int] = {}
    result: list[DemoHousehold] = []
    district_weights = {d: d.weight for d in DISTRICTS}
    for index in range(count):
        if index == 0:
            district, community = DISTRICTS[1], DISTRICTS[1].communities[1]
        elif index == 1:
            district, community = DISTRICTS[0], DISTRICTS[0].communities[0]
        elif index == 2:
            district, community = DISTRICTS[0], DISTRICTS[0].communities[1]
        else:
            district = _weighted(rng, district_weights)
            community = rng.choice(district.communities)
        c_no = district.communities.index(community) + 1
        while True:
            building = rng.randint(1, community.buildings)
            unit = rng.randint(1, 2 if community.floors <= 7 else 3)
            floor = rng.randint(1, community.floors)
            room = rng.randint(1, 2 if community.floors <= 7 else 4)
            key = (district.name, community.name, building, unit, floor * 100 + room)
            if key not in used_rooms:
                used_rooms.add(key)
                break
        seq = sequence.get((district.code, c_no), 0) + 1
        sequence[(district.code, c_no)] = seq
        account_no = f"{district.code}{c_no:02d}{seq * 37 + rng.randrange(37):06d}"
        address = (
            f"{CITY}{district.name}{community.road}{community.number}号 "
            f"{community.name}{building}栋{unit}单元{floor * 100 + room}室"
        )
        persons = (
            3
            if index == 0
            else 4
            if index == 1
            else 2
            if index == 2
            else int(_weighted(rng, PERSONS_WEIGHTS))
        )
        old = community.built < 2000 and rng.random() < 0.7
        name = {0: "林晓雯", 1: "周建国", 2: "周德明"}.get(index) or holder_name(rng, old=old)
        level = MONTHLY_M3[persons] * rng.lognormvariate(0, 0.22)
        habit = str(_weighted(rng, {"prompt": 70, "autopay": 16, "late": 10, "delinquent": 4}))
        if index < 3:
            habit = "prompt"
        method = (
            "bank_card"
            if habit == "autopay"
            else str(_weighted(rng, {"wechat": 52, "alipay": 32, "counter": 16 if old else 4}))
        )
        meters = _meters(rng, index, community, level, days, start, serials)
        result.append(
            DemoHousehold(
                index=index,
                account_no=account_no,
                holder_name=name,
                district=district.name,
                community=community.name,
                address=address,
                phone=masked_phone(rng),
                persons=persons,
                monthly_m3=round(level, 3),
                profile=rng.randrange(profiles),
                profile_offset=rng.randrange(profile_length),
                pay_habit=habit,
                pay_method=method,
                meters=meters,
            )
        )
    return result


def _serial(rng: random.Random, year: int, serials: set[str]) -> str:
    while True:
        serial = f"NB{year % 100:02d}{rng.randrange(10**8):08d}"
        if serial not in serials:
            serials.add(serial)
            return serial


def _meters(
    rng: random.Random,
    index: int,
    community: Community,
    level: float,
    days: int,
    start: date,
    serials: set[str],
) -> tuple[DemoMeter, ...]:
    installed_year = max(community.built, rng.randint(2012, 2022))
    installed = date(installed_year, rng.randint(1, 12), rng.randint(1, 28))
    digits = 4 if (community.built < 2000 and rng.random() < 0.35) or index == 2 else 5
    caliber = 20 if level > 20 and rng.random() < 0.5 else 15
    years = max(0.5, (start - installed).days / 365.25)
    start_l = int(years * level * 12 * 1000 * rng.uniform(0.7, 1.3))
    if index == 2:
        # about 8 months of use left before the register wraps at 9999.999
        start_l = 10**7 - int(level * 1000 * (12 + rng.uniform(0, 4)))
    elif digits == 4 and rng.random() < 0.15:
        start_l = 10**7 - int(level * 1000 * rng.uniform(2, 20))
    replace_day = None
    if index == 0:
        replace_day = days - 240
    elif rng.random() < 0.012:
        replace_day = rng.randrange(60, days - 30)
    first = DemoMeter(
        serial_no=_serial(rng, installed_year, serials),
        caliber_mm=caliber,
        digits=digits,
        installed_on=installed,
        initial_value_l=0,
        start_value_l=start_l,
        replaced_on_day=replace_day,
    )
    if replace_day is None:
        return (first,)
    swap = date.fromordinal(start.toordinal() + replace_day)
    second = DemoMeter(
        serial_no=_serial(rng, swap.year, serials),
        caliber_mm=caliber,
        digits=5,
        installed_on=swap,
        initial_value_l=0,
        start_value_l=0,
    )
    return (first, second)
