"""Field checks of document reading: GB 11643 ID numbers, dates, amounts, 户号, masking."""

from __future__ import annotations

from datetime import date

import pytest

from vision.documents import mask_id_number, validate
from vision.documents.render import _upper_amount


def test_id_number_checksum_per_gb_11643():
    assert validate.id_number("11010519491231002X") == "11010519491231002X"
    assert validate.id_number("11010519491231002x") == "11010519491231002X"
    assert validate.id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"  # full-width
    with pytest.raises(ValueError, match="校验位"):
        validate.id_number("110105194912310021")
    with pytest.raises(ValueError, match="18 位"):
        validate.id_number("11010519491231002")
    with pytest.raises(ValueError, match="出生日期"):
        first17 = "11010520991231002"  # born in the future
        validate.id_number(first17 + validate.id_check_char(first17), today=date(2026, 1, 1))


def test_dates_amounts_and_account_numbers():
    assert validate.calendar_date("2024年5月12日") == "2024-05-12"
    assert validate.calendar_date("开票日期：2024-05-12") == "2024-05-12"
    with pytest.raises(ValueError, match="日期"):
        validate.calendar_date("2024年2月30日")
    assert validate.amount("¥1,234.5 元") == "1234.50"
    with pytest.raises(ValueError, match="金额"):
        validate.amount("0.00")
    assert validate.account_no("3101 000123") == "3101000123"
    with pytest.raises(ValueError, match="户号"):
        validate.account_no("0401000001")  # not one of the city's district codes


def test_masks_and_amount_in_words():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert _upper_amount("123.45") == "壹佰贰拾叁元肆角伍分"
    assert _upper_amount("1005.00") == "壹仟零伍元整"
