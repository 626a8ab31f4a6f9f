"""Did the resident really say yes? The check before anything that spends money or changes a
record: the NLU's `affirm` alone is not enough (it once read "阿巴阿巴" as yes), the words must
be a plain yes too, or the message a quick-reply button's payload."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Below this the model is guessing; a real "是的" / "确认" scores above 0.99.
AFFIRM_MIN_CONFIDENCE = 0.8

# One or more plain yes-words, optionally closed by a modal particle: 是的, 对对对, 好的好的,
# 确认缴费, 嗯嗯, 没问题啊, OK. Nothing else counts, however sure the model is.
_YES = re.compile(
    r"(?:是的?|对的?|嗯+|好的?|可以的?|确认(?:缴费|支付|无误|提交)?|确定|没问题|没错|正确|同意|行|"
    r"ok(?:ay)?|yes|读数正确)+[啊呀吧哈啦嘞滴咯呢]?"
)
# Spaces, punctuation and emoji around the words do not matter ("好的！", "是的，确认").
_NOISE = re.compile(r"[\W_]+")


def plain_yes(text: str | None) -> bool:
    """Is the text nothing but an affirmative ("是的", "确认", "好的！")?"""
    words = _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())
    return bool(words) and _YES.fullmatch(words) is not None


def explicit_yes(message: dict[str, Any]) -> bool:
    """Is this user message (tracker.latest_message) an unmistakable yes?

    Either the `/affirm` payload of a quick-reply button, or the affirm intent with high
    confidence whose text is a plain affirmative word.
    """
    intent = message.get("intent") or {}
    if intent.get("name") != "affirm":
        return False
    text = (message.get("text") or "").strip()
    if text.startswith("/"):
        return text.split("{", 1)[0] == "/affirm"
    return float(intent.get("confidence") or 0) >= AFFIRM_MIN_CONFIDENCE and plain_yes(text)
