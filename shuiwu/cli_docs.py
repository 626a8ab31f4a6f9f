"""Document-recognition command of `shuiwu`: `read-doc` (issue 7; name and JSON are a contract)."""

from __future__ import annotations

READ_DOC_HELP = "识别水费单、缴费凭证、发票、房产证、身份证等图片中的关键字段 / Read key fields from a document photo."
