"""E-mail addresses (normalised to lower case)."""

from __future__ import annotations

import re

import polars as pl

from exposure.detect.elements import CONTACT, ElementFamily, FieldSpec, TextPattern, synonyms

# A practical address shape (not RFC 5322): what real exports and letters contain.
EMAIL_SHAPE = r"^[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$"
_EMAIL_RE = re.compile(EMAIL_SHAPE)


def normalise_email(value: str) -> str:
    """Lower-cased address, or "" when ``value`` is not shaped like one."""
    candidate = value.strip().strip(".").lower()
    if candidate.startswith("mailto:"):
        candidate = candidate[len("mailto:") :]
    return candidate if _EMAIL_RE.match(candidate) else ""


def email_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_email`."""
    lowered = column.str.strip_chars().str.to_lowercase().str.strip_prefix("mailto:")
    # The shape is anchored at both ends, so its match is the whole value: null where it does not match,
    # without a second copy of ``lowered`` (Polars would compute it again).
    return lowered.str.extract(EMAIL_SHAPE, 0)


FAMILY = ElementFamily(
    name="email",
    codes=("email",),
    legal_category=CONTACT,
    fields=(
        FieldSpec(
            field="email",
            element="email",
            headers=synonyms("email", "email_address", "e_mail", "emailaddress", "e_mail_address", "mail"),
            header_tokens=frozenset({"email"}),
            normalise=normalise_email,
            polars_normalise=email_expression,
            headerless_shape=r"^\s*[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\s*$",
            priority=40,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="email.address",
            kind="email",
            # Scanned up to the top-level domain's first two letters: a candidate's start is where the run
            # before its "@" starts, found once per address rather than once per letter of ".info".
            scan=r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2}",
            confirm=re.compile(
                r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
                r"(?![A-Za-z0-9-])"
            ),
            normalise=normalise_email,
            confidence=0.95,
        ),
    ),
)
