"""Which key fields each kind of document carries, where they sit, and how they are checked.

A document's text comes in as rows (left to right, top to bottom) whose characters each carry
the recognition score of the text line they were read from. A field is found after one of its
labels (户号、开票日期…) on the same row, or on the next row, or, for numbers that carry their
own shape (不动产权证号、身份证号), anywhere on the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from vision.documents import messages, validate


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str  # as the confirm form names it
    anchors: tuple[str, ...]  # labels printed on the document, most specific first
    pattern: str  # the value inside the text after the label
    check: Callable[[str], str]
    sensitive: bool = False  # masked in logs and non-operator output, encrypted at rest
    multiline: bool = False  # continues on the rows below (addresses)
    anywhere: bool = False  # may be found by its shape alone


@dataclass(frozen=True)
class DocType:
    key: str
    label: str
    keywords: tuple[str, ...]  # any of them on the page says it is this kind
    fields: tuple[FieldSpec, ...]
    purpose: str = ""


NAME = r"[\u4e00-\u9fff·]{2,20}(?:有限公司|公司)?"
ADDRESS = r"[\u4e00-\u9fff0-9A-Za-z\-#()（）]{4,80}"
DATE = r"\d{4}\s*[年\-./]\s*\d{1,2}\s*[月\-./]\s*\d{1,2}\s*日?"
AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"

_account = FieldSpec("account_no", "户号", ("户号", "用户编号"), r"\d{10}", validate.account_no)
_amount_due = FieldSpec("amount", "金额", ("本期应缴", "应缴金额", "合计金额"), AMOUNT, validate.amount)


def _name(*anchors: str, label: str = "姓名") -> FieldSpec:
    return FieldSpec("name", label, anchors, NAME, validate.name)


def _address(*anchors: str, multiline: bool = False) -> FieldSpec:
    return FieldSpec("address", "地址", anchors, ADDRESS, validate.free_text, multiline=multiline)


def _date(label: str, *anchors: str) -> FieldSpec:
    return FieldSpec("date", label, anchors, DATE, validate.calendar_date)


DOC_TYPES: dict[str, DocType] = {
    t.key: t
    for t in (
        DocType(
            "id_card", "居民身份证", ("公民身份号码", "居民身份证", "身份号码"),
            (
                _name("姓名"),
                FieldSpec("birth_date", "出生日期", ("出生",), DATE, validate.calendar_date),
                _address("住址", multiline=True),
                FieldSpec(
                    "id_number", "公民身份号码", ("公民身份号码", "身份号码"), r"\d{17}[\dXx]",
                    validate.id_number, sensitive=True, anywhere=True,
                ),
            ),
            purpose="过户",
        ),
        DocType(
            "property_certificate", "不动产权证书", ("不动产权", "房屋所有权证", "房产证"),
            (
                FieldSpec(
                    "certificate_no", "不动产权证号", (),
                    r"[\u4e00-\u9fff]\s*[(（]\s*\d{4}\s*[)）]\s*[\u4e00-\u9fff]{1,12}不动产权第\s*\d{7}\s*号",
                    validate.certificate_no, anywhere=True,
                ),
                _name("权利人", label="权利人"),
                _address("坐落", multiline=True),
                FieldSpec(
                    "area", "面积（平方米）", ("建筑面积", "面积"), r"\d{1,5}(?:\.\d{1,2})?", validate.area,
                    multiline=True,
                ),
            ),
            purpose="过户",
        ),
        DocType(
            "invoice", "发票", ("发票",),
            (
                FieldSpec(
                    "invoice_code", "发票代码", ("发票代码",), r"\d{10,12}",
                    partial(validate.digits, lengths=(10, 12), reason=messages.BAD_INVOICE_CODE),
                ),
                FieldSpec(
                    "invoice_no", "发票号码", ("发票号码",), r"\d{20}|\d{8}",
                    partial(validate.digits, lengths=(8, 20), reason=messages.BAD_INVOICE_NO),
                ),
                _date("开票日期", "开票日期"),
                FieldSpec("amount", "价税合计", ("小写", "价税合计"), AMOUNT, validate.amount),
                _name("名称", label="购买方名称"),
            ),
        ),
        DocType(
            "receipt", "缴费凭证", ("缴费凭证", "缴费回单", "收据", "缴费成功"),
            (
                _account,
                _name("户名"),
                FieldSpec("amount", "缴费金额", ("缴费金额", "实缴金额", "金额"), AMOUNT, validate.amount),
                _date("缴费日期", "缴费时间", "缴费日期"),
                FieldSpec(
                    "serial_no", "交易流水号", ("交易流水号", "流水号"), r"\d{12,32}",
                    partial(validate.digits, lengths=tuple(range(12, 33)), reason=messages.BAD_SERIAL),
                ),
            ),
        ),
        DocType(
            "water_bill", "水费账单", ("水费通知单", "水费账单", "缴费通知单", "水费"),
            (
                _account,
                _name("户名"),
                _address("用水地址", "地址"),
                _amount_due,
                _date("出账日期", "出账日期", "账单日期"),
            ),
        ),
    )
}


@dataclass
class Row:
    """One line of text across the page; `scores[i]` is the score of character `text[i]`."""

    text: str
    scores: list[float]
    left: float = 0.0  # where the row starts, in page coordinates
    height: float = 0.0


@dataclass
class Found:
    value: str | None
    confidence: float
    raw: str = ""
    error: str | None = None
    extra: dict = field(default_factory=dict)


def detect_type(rows: list[Row]) -> str | None:
    """The first kind (most specific first) one of whose keywords is on the page; failing that
    (a title blurred past reading), the kind with most of its field labels on the page, if two
    or more are."""
    page = "".join(r.text for r in rows)
    for doc in DOC_TYPES.values():
        if any(k in page for k in doc.keywords):
            return doc.key
    hits = {
        doc.key: sum(any(a in page for a in f.anchors) for f in doc.fields) for doc in DOC_TYPES.values()
    }
    best = max(hits, key=hits.get)
    return best if hits[best] >= 2 else None


def _all_anchors(doc: DocType) -> list[str]:
    return sorted({a for f in doc.fields for a in f.anchors}, key=len, reverse=True)


def _after_anchor(row: Row, anchor: str, others: list[str]) -> tuple[str, list[float]] | None:
    at = row.text.find(anchor)
    if at < 0:
        return None
    start = at + len(anchor)
    end = len(row.text)
    for other in others:
        if other in anchor:
            continue  # "金额" inside "缴费金额" is not the next label
        nxt = row.text.find(other, start)
        if 0 <= nxt < end:
            end = nxt
    return row.text[start:end], row.scores[start:end]


def _match(pattern: str, text: str, scores: list[float]) -> tuple[str, float] | None:
    found = re.search(pattern, text)
    if not found or found.end() == found.start():
        return None
    span = scores[found.start():found.end()]
    return found.group(0), min(span) if span else 0.0


def _continuation(rows: list[Row], index: int, anchors: list[str]) -> tuple[str, list[float]]:
    """Rows under a multi-line value: close below, indented like it, no label of their own."""
    text, scores = "", []
    base = rows[index]
    for row in rows[index + 1 : index + 3]:
        if any(a in row.text for a in anchors) or row.left < base.left + base.height:
            break
        text, scores = text + row.text, scores + row.scores
    return text, scores


def extract(doc: DocType, rows: list[Row]) -> dict[str, Found]:
    anchors = _all_anchors(doc)
    out: dict[str, Found] = {}
    for spec in doc.fields:
        out[spec.key] = _extract_field(spec, rows, anchors)
    return out


def _extract_field(spec: FieldSpec, rows: list[Row], anchors: list[str]) -> Found:
    best: tuple[str, float] | None = None
    for anchor in spec.anchors:
        for i, row in enumerate(rows):
            after = _after_anchor(row, anchor, anchors)
            if after is None:
                continue
            text, scores = after
            text, scores = _strip_separators(text, scores)
            if spec.multiline:
                more, more_scores = _continuation(rows, i, anchors)
                text, scores = text + more, scores + more_scores
            best = _match(spec.pattern, text, scores)
            if best is None and i + 1 < len(rows) and not any(a in rows[i + 1].text for a in anchors):
                best = _match(spec.pattern, rows[i + 1].text, rows[i + 1].scores)
            if best:
                break
        if best:
            break
    if best is None and spec.anywhere:
        for row in rows:
            best = _match(spec.pattern, row.text, row.scores)
            if best:
                break
    if best is None:
        return Found(None, 0.0, error=messages.NOT_FOUND_ON_DOCUMENT)
    raw, confidence = best
    try:
        return Found(spec.check(raw), round(confidence, 3), raw=raw)
    except ValueError as exc:
        # A value that fails its check is shown for correction, never trusted.
        return Found(raw, round(min(confidence, 0.3), 3), raw=raw, error=str(exc))


_SEPARATORS = set(" :：|")


def _strip_separators(text: str, scores: list[float]) -> tuple[str, list[float]]:
    keep = [(c, s) for c, s in zip(text, scores, strict=True) if c not in _SEPARATORS or c.isdigit()]
    return "".join(c for c, _ in keep), [s for _, s in keep]


def cross_check(doc_type: str, found: dict[str, Found]) -> None:
    """Fields that must agree with each other (an ID card's birth date is in its number)."""
    if doc_type != "id_card":
        return
    number, birth = found.get("id_number"), found.get("birth_date")
    if not (number and birth and number.error is None and birth.value and birth.error is None):
        return
    if validate.id_birth_date(number.value or "") != birth.value:
        birth.error = messages.ID_BIRTH_MISMATCH
        birth.confidence = min(birth.confidence, 0.3)
