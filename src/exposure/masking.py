"""Masking of sensitive values for anything printed or logged.

Raw values stay in the case database and in outputs that must hold them;
every message a person or a log sees goes through ``mask_text``.
"""

from __future__ import annotations

import logging
import re

# Nine digits written as an SSN (with or without separators), card-like runs of
# 12-19 digits, and long digit runs in general: all shown with only the last 4.
_SSN_LIKE = re.compile(r"(?<!\d)(\d{3})([- ]?)(\d{2})\2(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d(?:[ -]?\d){7,18}(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def mask_ssn(value: str) -> str:
    """``123-45-6789`` -> ``***-**-6789``."""
    digits = re.sub(r"\D", "", value)
    return f"***-**-{digits[-4:]}" if len(digits) >= 4 else "***"


def mask_value(code: str, value: str) -> str:
    """A display form of an element value that reveals at most its last characters."""
    if not value:
        return ""
    if code in ("ssn", "itin"):
        return mask_ssn(value)
    if code == "email":
        return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", value)
    if code in ("name", "address", "medical_information", "biometric", "online_credentials"):
        return value[:1] + "***"
    if code == "date_of_birth":
        return "****-**-**"
    tail = re.sub(r"\W", "", value)[-4:]
    return "*" * max(len(value) - len(tail), 3) + tail


def mask_text(text: str) -> str:
    """Mask anything in free text that looks like an identifier (for logs and errors)."""
    text = _SSN_LIKE.sub(lambda m: f"***-**-{m.group(4)}", text)
    text = _LONG_DIGITS.sub(lambda m: "****" + re.sub(r"\D", "", m.group(0))[-4:], text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


class MaskingFilter(logging.Filter):
    """Rewrites every log record's message through ``mask_text``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True
