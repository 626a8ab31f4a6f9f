"""Reading documents residents upload — water bills, payment receipts, invoices, property
certificates (不动产权证书) and ID cards — into key fields with confidences (issue 7, §2.1(一)).

`read_document(bytes_or_image, doc_type=None)` → `DocumentRead`; `DOC_TYPES` names the kinds
and their fields; `masked_value` is how a sensitive value is shown outside the confirm form.
"""

from __future__ import annotations

from vision.documents.fields import DOC_TYPES, DocType, FieldSpec, Found


def mask_id_number(number: str) -> str:
    """330106199001011234 → 3301**********1234: the region and last four, as banks show it."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def masked_value(key: str, value: str) -> str:
    return mask_id_number(value) if key == "id_number" else value[:1] + "*" * (len(value) - 1)


def sensitive_keys(doc_type: str) -> set[str]:
    return {f.key for f in DOC_TYPES[doc_type].fields if f.sensitive}


def read_document(data, doc_type: str | None = None, *, max_bytes: int | None = None):
    from vision.documents.reader import read_document as read

    return read(data, doc_type, max_bytes=max_bytes)


__all__ = ["DOC_TYPES", "DocType", "FieldSpec", "Found", "mask_id_number", "masked_value",
           "read_document", "sensitive_keys"]
