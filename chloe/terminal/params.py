"""CSI parameters: from the text between ``CSI`` and the final byte to numbers."""

from __future__ import annotations

from typing import Final

__all__ = ["MAX_PARAM", "PRIVATE_LEADS", "number", "params"]

MAX_PARAM: Final = 999_999_999
"""Larger parameters are capped here, so a hostile count costs bounded work."""

PRIVATE_LEADS: Final = frozenset("<=>?")
"""Characters that open private parameters (``CSI ? 25 h``, ``CSI > c``)."""


def number(text: str) -> int:
    """A CSI parameter; missing or odd ones are 0, huge ones are capped."""
    if not text.isdigit():
        return 0
    if len(text) < 10:
        return int(text)
    text = text.lstrip("0")  # leading zeros do not make a number big
    return int(text or "0") if len(text) < 10 else MAX_PARAM


def params(text: str) -> list[int]:
    """CSI parameters split at ``;`` (sub-parameters after ``:`` dropped)."""
    if not text:
        return []
    return [number(p.split(":", 1)[0]) for p in text.split(";")]
