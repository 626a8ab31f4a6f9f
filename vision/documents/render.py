"""Synthetic test documents with known field values: water bills, receipts, invoices,
property certificates and ID cards, drawn with Pillow in the CJK fonts Debian ships
(fonts-noto-cjk, fonts-wqy-zenhei), then made to look photographed: rotated, in perspective,
unevenly lit, blurred, noisy and JPEG-compressed.

All names, numbers and addresses are invented (ID numbers carry a valid GB 11643 check
character but a random sequence); one seed gives the same set on every machine.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from vision.documents import validate

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/truetype/wqy"))
FONT_FILES = ("NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc", "wqy-zenhei.ttc")
BOLD_FILES = ("NotoSansCJK-Bold.ttc", "NotoSerifCJK-Bold.ttc", "wqy-zenhei.ttc")
LEVELS = ("clean", "rotated", "photo", "hard")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰建华国庆文辉玉梅志红海燕晓东春雪峰云飞婷宇鹏浩然子涵欣怡俊杰思远佳琪梓萱雨轩嘉怡博文"
PROVINCES = {"330106": ("浙", "杭州市", "浙江省杭州市西湖区"), "110105": ("京", "北京市", "北京市朝阳区"),
             "440304": ("粤", "深圳市", "广东省深圳市福田区"), "310115": ("沪", "上海市", "上海市浦东新区"),
             "320102": ("苏", "南京市", "江苏省南京市玄武区"), "510104": ("川", "成都市", "四川省成都市锦江区")}
ETHNICITIES = ("汉", "汉", "汉", "回", "满", "壮", "蒙古")


class NoCjkFont(RuntimeError):
    pass


def font_paths(bold: bool = False) -> list[Path]:
    names = BOLD_FILES if bold else FONT_FILES
    found = [d / n for n in names for d in FONT_DIRS if (d / n).exists()]
    if not found:
        raise NoCjkFont(
            "没有找到中文字体：请以 root 运行 scripts/setup.sh，或 apt-get install fonts-noto-cjk fonts-wqy-zenhei"
        )
    return found


@dataclass
class Sample:
    doc_type: str
    truth: dict[str, str]
    image: Image.Image
    level: str = "clean"

    def jpeg(self, quality: int = 88) -> bytes:
        buf = io.BytesIO()
        self.image.convert("RGB").save(buf, "JPEG", quality=quality)
        return buf.getvalue()


class _Page:
    def __init__(self, size: tuple[int, int], rng: random.Random, paper=(250, 250, 246)):
        self.image = Image.new("RGB", size, paper)
        self.draw = ImageDraw.Draw(self.image)
        self.regular = rng.choice(font_paths())
        self.bold = rng.choice(font_paths(bold=True))

    def text(self, xy, text, size, *, bold=False, fill=(25, 25, 25), anchor="la"):
        font = ImageFont.truetype(str(self.bold if bold else self.regular), size)
        self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)
        return font.getlength(text)

    def line(self, xy, width=2, fill=(60, 60, 60)):
        self.draw.line(xy, fill=fill, width=width)

    def rect(self, box, width=2, outline=(60, 60, 60)):
        self.draw.rectangle(box, outline=outline, width=width)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def id_number(rng: random.Random, birth: date, region: str) -> str:
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + validate.id_check_char(first17)


def account_no(rng: random.Random) -> str:
    return f"{rng.randint(31, 36)}{rng.randint(1, 6):02d}{rng.randrange(1_000_000):06d}"


def local_address(rng: random.Random) -> str:
    from shuiwu.demo.city import DISTRICTS

    district = rng.choice(DISTRICTS)
    c = rng.choice(district.communities)
    return (f"{district.name}{c.road}{c.number}号{c.name}{rng.randint(1, c.buildings)}幢"
            f"{rng.randint(1, 3)}单元{rng.randint(1, c.floors)}{rng.randint(1, 4):02d}室")


def money(rng: random.Random, low: float, high: float) -> str:
    return f"{Decimal(rng.uniform(low, high)).quantize(Decimal('0.01'))}"


def some_date(rng: random.Random, start: date = date(2023, 1, 1), days: int = 1000) -> date:
    return start + timedelta(days=rng.randrange(days))


def _field_row(page: _Page, x, y, label, value, size, gap=12):
    width = page.text((x, y), f"{label}：", size)
    page.text((x + width + gap, y), value, size)


def render_water_bill(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    truth = {"account_no": account_no(rng), "name": person_name(rng), "address": local_address(rng),
             "amount": money(rng, 8, 400), "date": some_date(rng).isoformat()}
    page = _Page((1240, 880), rng)
    page.text((620, 50), "清河市自来水有限公司", 40, bold=True, anchor="ma")
    page.text((620, 110), "水费缴费通知单", 46, bold=True, anchor="ma")
    page.line([(60, 180), (1180, 180)], 3)
    s = rng.choice((28, 30, 32))
    d = date.fromisoformat(truth["date"])
    rows = [("户号", truth["account_no"]), ("户名", truth["name"]), ("用水地址", truth["address"]),
            ("账单月份", f"{d.year}年{d.month:02d}月"), ("本期读数", f"{rng.randint(100, 9000)}"),
            ("用水量", f"{rng.randint(3, 60)} 立方米"), ("本期应缴", f"¥{truth['amount']} 元"),
            ("出账日期", f"{d.year}年{d.month:02d}月{d.day:02d}日")]
    for i, (label, value) in enumerate(rows):
        _field_row(page, 90, 215 + i * 72, label, value, s)
    page.line([(60, 800), (1180, 800)], 2)
    page.text((90, 815), "请于出账后 15 日内缴纳，逾期将按日加收滞纳金。服务热线 96116", 24)
    return page.image, truth


def render_receipt(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    paid = some_date(rng)
    truth = {"account_no": account_no(rng), "name": person_name(rng), "amount": money(rng, 10, 800),
             "date": paid.isoformat(), "serial_no": "".join(str(rng.randrange(10)) for _ in range(18))}
    page = _Page((900, 1100), rng, paper=(255, 255, 255))
    page.text((450, 60), "水费缴费凭证", 48, bold=True, anchor="ma")
    page.text((450, 130), "清河市自来水有限公司", 30, anchor="ma")
    page.line([(50, 190), (850, 190)], 2)
    s = rng.choice((28, 30))
    rows = [("户号", truth["account_no"]), ("户名", truth["name"]), ("缴费金额", f"{truth['amount']} 元"),
            ("缴费时间", f"{paid:%Y-%m-%d} {rng.randint(8, 21):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"),
            ("缴费渠道", rng.choice(("微信支付", "支付宝", "营业厅现金", "银行代扣"))),
            ("交易流水号", truth["serial_no"])]
    for i, (label, value) in enumerate(rows):
        _field_row(page, 70, 230 + i * 90, label, value, s)
    page.line([(50, 800), (850, 800)], 2)
    page.text((450, 840), "缴费成功，请妥善保管本凭证", 28, anchor="ma")
    return page.image, truth


def _upper_amount(value: str) -> str:
    """123.45 → 壹佰贰拾叁元肆角伍分 (how invoices write 价税合计 in words; below 10 000 元)."""
    numerals, units = "零壹贰叁肆伍陆柒捌玖", ("", "拾", "佰", "仟")
    yuan, fen = value.split(".")
    words = ""
    for i, d in enumerate(yuan):
        unit = units[len(yuan) - 1 - i]
        words += numerals[int(d)] + unit if d != "0" else ("零" if not words.endswith("零") else "")
    words = (words.rstrip("零") or "零") + "元"
    if fen == "00":
        return words + "整"
    return words + (numerals[int(fen[0])] + "角" if fen[0] != "0" else "零") + (
        numerals[int(fen[1])] + "分" if fen[1] != "0" else "")


def render_invoice(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    day = some_date(rng)
    truth = {"invoice_code": f"0{rng.randint(31, 36)}00{rng.randrange(10_000_000):07d}",
             "invoice_no": f"{rng.randrange(100_000_000):08d}", "date": day.isoformat(),
             "amount": money(rng, 20, 3000), "name": person_name(rng)}
    page = _Page((1400, 900), rng, paper=(252, 250, 240))
    ink = (150, 60, 40)
    page.text((700, 40), "增值税普通发票", 50, bold=True, fill=ink, anchor="ma")
    page.line([(560, 105), (840, 105)], 3, fill=ink)
    page.line([(560, 112), (840, 112)], 2, fill=ink)
    s = 26
    _field_row(page, 980, 40, "发票代码", truth["invoice_code"], s)
    _field_row(page, 980, 85, "发票号码", truth["invoice_no"], s)
    _field_row(page, 980, 130, "开票日期", f"{day.year}年{day.month:02d}月{day.day:02d}日", s)
    page.rect((60, 190, 1340, 820), outline=ink)
    page.text((85, 230), "购买方", 28, fill=ink)
    _field_row(page, 200, 215, "名称", truth["name"], s)
    _field_row(page, 200, 260, "纳税人识别号", "", s)
    page.line([(60, 320), (1340, 320)], fill=ink)
    for x, head in ((90, "货物或应税劳务名称"), (560, "单位"), (700, "数量"), (880, "金额"), (1080, "税率"), (1220, "税额")):
        page.text((x, 340), head, 24, fill=ink)
    total = Decimal(truth["amount"])
    tax = (total * Decimal("0.03") / Decimal("1.03")).quantize(Decimal("0.01"))
    page.text((90, 400), "*水冰雪*自来水水费", 26)
    page.text((560, 400), "吨", 26)
    page.text((700, 400), f"{rng.randint(5, 300)}", 26)
    page.text((880, 400), f"{total - tax}", 26)
    page.text((1080, 400), "3%", 26)
    page.text((1220, 400), f"{tax}", 26)
    page.line([(60, 600), (1340, 600)], fill=ink)
    page.text((90, 625), "价税合计（大写）", 26, fill=ink)
    page.text((330, 625), _upper_amount(truth["amount"]), 26)
    page.text((880, 625), f"（小写）¥{truth['amount']}", 26)
    page.line([(60, 680), (1340, 680)], fill=ink)
    page.text((85, 715), "销售方", 28, fill=ink)
    _field_row(page, 200, 700, "名称", "清河市自来水有限公司", s)
    return page.image, truth


def render_property_certificate(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    region = rng.choice(list(PROVINCES))
    short, city, _ = PROVINCES[region]
    truth = {"certificate_no": f"{short}({rng.randint(2016, 2025)}){city}不动产权第{rng.randrange(10_000_000):07d}号",
             "name": person_name(rng), "address": local_address(rng),
             "area": f"{Decimal(rng.uniform(35, 180)).quantize(Decimal('0.01'))}"}
    page = _Page((1000, 1300), rng, paper=(248, 246, 238))
    page.text((80, 60), truth["certificate_no"], 30)
    page.rect((60, 140, 940, 1220), width=3)
    s = rng.choice((28, 30))
    rows = [("权利人", truth["name"]), ("共有情况", "单独所有"), ("坐落", truth["address"]),
            ("不动产单元号", f"{rng.randrange(10**6):06d}001001GB{rng.randrange(10**5):05d}F0001{rng.randrange(10**4):04d}"),
            ("权利类型", "国有建设用地使用权/房屋所有权"), ("权利性质", "出让/商品房"), ("用途", "城镇住宅用地/住宅"),
            ("面积", f"共有宗地面积 {rng.randint(2000, 90000)}㎡/房屋建筑面积 {truth['area']}㎡"),
            ("使用期限", f"{rng.randint(2000, 2020)}年01月01日起{rng.randint(2060, 2090)}年12月31日止")]
    y = 170
    for label, value in rows:
        page.line([(60, y - 12), (940, y - 12)], 1)
        page.text((85, y + 20), label, s)
        # long values wrap at the box edge, as the certificate prints them
        limit = 22
        for k in range(0, len(value), limit):
            page.text((300, y + 20 + (k // limit) * (s + 14)), value[k:k + limit], s)
        y += 105 + (len(value) - 1) // limit * (s + 14)
    page.line([(280, 158), (280, y - 12)], 1)
    return page.image, truth


def render_id_card(rng: random.Random) -> tuple[Image.Image, dict[str, str]]:
    region = rng.choice(list(PROVINCES))
    birth = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    number = id_number(rng, birth, region)
    sex = "男" if int(number[16]) % 2 else "女"
    address = PROVINCES[region][2] + f"{rng.choice('文中新和平人民建设')}{rng.choice('华安康兴')}路{rng.randint(1, 400)}号{rng.randint(1, 30)}幢{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
    truth = {"name": person_name(rng), "birth_date": birth.isoformat(), "address": address, "id_number": number}
    page = _Page((1012, 638), rng, paper=(236, 240, 244))
    for k in range(0, 1012, 18):  # the faint guilloche of the card
        page.line([(k, 0), (k + 300, 638)], 1, fill=(222, 228, 236))
    label, ink = (70, 110, 160), (20, 20, 20)
    s = 30
    page.text((70, 70), "姓名", 26, fill=label)
    page.text((170, 66), truth["name"], 34, fill=ink)
    page.text((70, 140), "性别", 26, fill=label)
    page.text((170, 138), sex, s, fill=ink)
    page.text((300, 140), "民族", 26, fill=label)
    page.text((400, 138), rng.choice(ETHNICITIES), s, fill=ink)
    page.text((70, 210), "出生", 26, fill=label)
    page.text((170, 208), f"{birth.year}年{birth.month}月{birth.day}日", s, fill=ink)
    page.text((70, 280), "住址", 26, fill=label)
    for k in range(0, len(address), 12):
        page.text((170, 278 + (k // 12) * 46), address[k:k + 12], s, fill=ink)
    page.text((70, 520), "公民身份号码", 26, fill=label)
    page.text((320, 514), number, 36, fill=ink)
    page.draw.rounded_rectangle((690, 80, 950, 410), 12, fill=(205, 212, 222))  # photo area
    return page.image, truth


RENDERERS = {
    "water_bill": render_water_bill,
    "receipt": render_receipt,
    "invoice": render_invoice,
    "property_certificate": render_property_certificate,
    "id_card": render_id_card,
}


def photograph(image: Image.Image, rng: random.Random, level: str) -> Image.Image:
    """Make a clean page look photographed, more or less hard.

    rotated: on a desk, turned a few degrees or by 90°/180°. photo: plus perspective, uneven
    light, slight blur, noise and JPEG. hard: stronger of each.
    """
    if level == "clean":
        return image
    strong = level == "hard"
    width, height = image.size
    margin = int(0.08 * max(width, height))
    desk = tuple(rng.randint(90, 170) for _ in range(3))
    canvas = Image.new("RGB", (width + 2 * margin, height + 2 * margin), desk)
    canvas.paste(image, (margin, margin))
    if rng.random() < 0.3:
        canvas = canvas.rotate(rng.choice((90, 180, 270)), expand=True)
    canvas = canvas.rotate(rng.uniform(-(8 if strong else 5), 8 if strong else 5),
                           resample=Image.Resampling.BICUBIC, expand=True, fillcolor=desk)
    if level == "rotated":
        return canvas
    canvas = _perspective(canvas, rng, 0.08 if strong else 0.05, desk)
    array = np.asarray(canvas, dtype=np.float32)
    h, w = array.shape[:2]
    # light falling off from one side, as under a desk lamp
    gx, gy = np.meshgrid(np.linspace(-1, 1, w), np.linspace(-1, 1, h))
    angle = rng.uniform(0, 2 * np.pi)
    shade = 1.0 - (0.35 if strong else 0.2) * (0.5 + 0.5 * (np.cos(angle) * gx + np.sin(angle) * gy))
    array = array * shade[..., None]
    array += np.random.default_rng(rng.randrange(2**32)).normal(0, 9 if strong else 5, array.shape)
    canvas = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.6) if strong else rng.uniform(0.3, 0.9)))
    scale = rng.uniform(0.55, 0.8) if strong else rng.uniform(0.7, 1.0)
    canvas = canvas.resize((int(canvas.width * scale), int(canvas.height * scale)), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    canvas.save(buf, "JPEG", quality=rng.randint(45, 70) if strong else rng.randint(70, 90))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _perspective(image: Image.Image, rng: random.Random, amount: float, fill) -> Image.Image:
    w, h = image.size

    def jitter(x, y):
        return (x + rng.uniform(-amount, amount) * w, y + rng.uniform(-amount, amount) * h)

    # PIL maps output to input: find the coefficients from the four moved corners.
    src = [jitter(0, 0), jitter(w, 0), jitter(w, h), jitter(0, h)]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    matrix = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    coeffs = np.linalg.solve(np.array(matrix, dtype=np.float64), np.array(src, dtype=np.float64).reshape(8))
    return image.transform((w, h), Image.Transform.PERSPECTIVE, tuple(coeffs),
                           Image.Resampling.BICUBIC, fillcolor=fill)


def sample(doc_type: str, rng: random.Random, level: str = "clean") -> Sample:
    image, truth = RENDERERS[doc_type](rng)
    return Sample(doc_type, truth, photograph(image, rng, level), level)


def test_set(seed: int = 20261125, per_type: int = 8, levels: tuple[str, ...] = LEVELS) -> list[Sample]:
    """`per_type` documents of each kind, cycling through the levels; same seed, same set."""
    rng = random.Random(seed)
    return [sample(t, rng, levels[i % len(levels)]) for t in RENDERERS for i in range(per_type)]
