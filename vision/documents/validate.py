"""Checks on the values read from a document: 身份证号 (GB 11643), dates, amounts, 户号.

Each check returns the normalised value, or raises `ValueError` with a Chinese reason that
the confirm form shows next to the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from vision.documents import messages

# GB 11643-1999: weights of the 17 digits, and the check character for the sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# 户号 of our utility: two-digit district code (31–36 in the demo city), two-digit community,
# six-digit sequence (shuiwu.demo.city). Real installations set their own codes.
ACCOUNT_NO = re.compile(r"^(3[1-6])\d{8}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_DATE = re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})\s*日?")
_AMOUNT = re.compile(r"-?\d{1,9}(?:\.\d{1,2})?")
MAX_AMOUNT = Decimal("1000000")
EARLIEST = date(1900, 1, 1)


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII (OCR returns either)."""
    return unicodedata.normalize("NFKC", text)


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_number(value: str, *, today: date | None = None) -> str:
    """An 18-character 公民身份号码 with a valid check character and birth date."""
    number = re.sub(r"\s", "", fold(value)).upper().replace("x", "X")
    if not ID_NUMBER.match(number):
        raise ValueError(messages.BAD_ID_FORMAT)
    if id_check_char(number[:17]) != number[17]:
        raise ValueError(messages.BAD_ID_CHECKSUM)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError(messages.BAD_ID_BIRTH) from None
    if not EARLIEST <= birth <= (today or date.today()):
        raise ValueError(messages.BAD_ID_BIRTH)
    return number


def id_birth_date(number: str) -> str:
    return f"{number[6:10]}-{number[10:12]}-{number[12:14]}"


def calendar_date(value: str, *, today: date | None = None) -> str:
    """A date written 2024年5月12日, 2024-05-12 or 2024.05.12 → ISO 2024-05-12."""
    found = _DATE.search(fold(value))
    if not found:
        raise ValueError(messages.BAD_DATE)
    try:
        day = date(*(int(g) for g in found.groups()))
    except ValueError:
        raise ValueError(messages.BAD_DATE) from None
    if not EARLIEST <= day <= date((today or date.today()).year + 1, 12, 31):
        raise ValueError(messages.BAD_DATE)
    return day.isoformat()


def amount(value: str) -> str:
    """¥1,234.50 / 1234.5元 → "1234.50"; positive, two decimals, below a million."""
    text = fold(value).replace(",", "").replace("，", "")
    found = _AMOUNT.search(text)
    if not found:
        raise ValueError(messages.BAD_AMOUNT)
    try:
        number = Decimal(found.group(0))
    except InvalidOperation:
        raise ValueError(messages.BAD_AMOUNT) from None
    if not Decimal(0) < number < MAX_AMOUNT:
        raise ValueError(messages.BAD_AMOUNT)
    return f"{number.quantize(Decimal('0.01'))}"


def account_no(value: str) -> str:
    number = re.sub(r"\s", "", fold(value))
    if not ACCOUNT_NO.match(number):
        raise ValueError(messages.BAD_ACCOUNT_NO)
    return number


def digits(value: str, lengths: tuple[int, ...], reason: str) -> str:
    number = re.sub(r"\s", "", fold(value))
    if not (number.isdigit() and len(number) in lengths):
        raise ValueError(reason)
    return number


def name(value: str) -> str:
    """A person's or company's name: Chinese characters (and ·), 2 to 40 of them."""
    text = re.sub(r"\s", "", fold(value)).replace("•", "·")
    if not re.fullmatch(r"[\u4e00-\u9fff·（）()]{2,40}", text):
        raise ValueError(messages.BAD_NAME)
    return text


def free_text(value: str) -> str:
    text = re.sub(r"\s+", "", fold(value))
    if len(text) < 2:
        raise ValueError(messages.BAD_TEXT)
    return text[:120]


def certificate_no(value: str) -> str:
    """不动产权证号: 浙(2021)杭州市不动产权第0012345号."""
    text = re.sub(r"\s", "", fold(value))
    if not re.fullmatch(r"[\u4e00-\u9fff]\(\d{4}\)[\u4e00-\u9fff]{1,12}不动产权第\d{7}号", text):
        raise ValueError(messages.BAD_CERTIFICATE_NO)
    return text


def area(value: str) -> str:
    found = re.search(r"\d{1,5}(?:\.\d{1,2})?", fold(value))
    if not found or not Decimal(0) < Decimal(found.group(0)) < Decimal(100000):
        raise ValueError(messages.BAD_AREA)
    return f"{Decimal(found.group(0)).quantize(Decimal('0.01'))}"
