"""Shared helpers for the vision tests: where the real crops are, and bad images made by hand."""

from __future__ import annotations

import struct
import zlib

import pytest

from vision.datasets import default_root

DATASETS = default_root()

# Tests that read ../shared/datasets (CI has it beside the clone; a bare clone may not).
needs_datasets = [
    pytest.mark.datasets,
    pytest.mark.skipif(
        not (DATASETS / "meter_digits" / "labels.csv").is_file()
        or not (DATASETS / "meter_needles" / "labels.csv").is_file(),
        reason="仓库旁没有 ../shared/datasets 真实数据集，跳过",
    ),
]


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width`×`height` pixels but carries no image data: a bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")
