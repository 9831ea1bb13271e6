"""Online credentials: a user name or e-mail together with a password or security answer.

CONTRACT.md: a user name alone is not a credential. So a password / PIN / security-answer
column is ``online_credentials`` only when the same person of the row also has a user name
(the ``username`` hint below) or an e-mail (``requires_any``); in text, a ``Password:`` or
``pwd=`` needs a user name label or an e-mail address within a short window before or after
it. Hashed passwords count: they are the secret as the breached system stored it.

The element keeps a digest of the secret (as biometric values do): the case database never
needs the secret itself, and holding fewer secrets is better.
"""

from __future__ import annotations

import re

import polars as pl

from exposure.detect.elements import CREDENTIALS, ElementFamily, FieldSpec, TextPattern, synonyms
from exposure.detect.elements.biometric import (
    digest,
    digest_expression,
    is_placeholder,
    placeholder_expression,
)

MIN_SECRET_LENGTH = 4  # a four-digit PIN
MAX_SECRET_LENGTH = 512  # long enough for any stored hash (bcrypt, argon2, PBKDF2 strings)


def normalise_secret(value: str) -> str:
    """``sha256:...`` of a password, hash, PIN or security answer; "" for placeholders and masks.

    >>> normalise_secret("********"), normalise_secret("Y"), normalise_secret("hunter22")[:7]
    ('', '', 'sha256:')
    """
    text = value.strip()
    if is_placeholder(text) or not MIN_SECRET_LENGTH <= len(text) <= MAX_SECRET_LENGTH:
        return ""
    return digest(text)


def secret_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_secret`."""
    text = column.str.strip_chars()
    length = text.str.len_chars()
    real = ~placeholder_expression(text) & length.is_between(MIN_SECRET_LENGTH, MAX_SECRET_LENGTH)
    return digest_expression(pl.when(real).then(text))


_USERNAME_SHAPE = r"^[^\s:;,<>\"']{3,64}$"
_USERNAME_RE = re.compile(_USERNAME_SHAPE)


def normalise_username(value: str) -> str:
    """A login name (no spaces, 3-64 characters), as written; "" otherwise."""
    text = value.strip()
    return text if _USERNAME_RE.match(text) and not is_placeholder(text) else ""


def username_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_username`."""
    text = column.str.strip_chars()
    return pl.when(text.str.contains(_USERNAME_SHAPE) & ~placeholder_expression(text)).then(text)


# ---- text ---------------------------------------------------------------------------------------

_SECRET_LABELS = (
    r"(password|passwd|pwd|pass[ \t]*code|passphrase|pin|pin[ \t]+code|security[ \t]+answer"
    r"|secret[ \t]+answer|answer[ \t]+to[ \t]+(the[ \t]+)?security[ \t]+question"
    r"|security[ \t]+question[ \t]+answer|(temporary|new|current)[ \t]+password)"
)
# The same alternatives without capturing groups (Python), after a boundary Hyperscan cannot express.
_SECRET_CONFIRM = re.compile(
    r"(?<![A-Za-z_])"
    + _SECRET_LABELS.replace("(", "(?:")
    + r"[\"']?[ \t]*[:=][ \t]*[\"']?(?P<value>[^\s\"';,]{1,128})",
    re.IGNORECASE,
)
# A user name label, or an e-mail address, near the secret: the other half of a credential.
_ACCOUNT_NEAR = re.compile(
    r"(?<![A-Za-z_])(?:user(?:[ _-]?(?:name|id))?|login(?:[ _-]?(?:name|id))?|logon(?:[ _-]?id)?|uid"
    r"|account[ _-]?name|e-?mail(?:[ _-]?address)?)[\"']?[ \t]*[:=][ \t]*[\"']?[^\s\"';,]{3}"
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    re.IGNORECASE,
)
# Words about passwords in general ("reset your password: click here") are not one.
_SECRET_PROSE = re.compile(
    r"^(?:[(\[<{][A-Za-z ]*[)\]>}]?$|click|here|https?|www\.|reset|change|forgot|enter|required|must|should"
    r"|none$|n/a$|hidden$)",
    re.IGNORECASE,
)


def _secret_value(value: str) -> str:
    return "" if _SECRET_PROSE.match(value) else normalise_secret(value)


FAMILY = ElementFamily(
    name="online_credentials",
    codes=("online_credentials",),
    legal_category=CREDENTIALS,
    fields=(
        FieldSpec(
            field="username",
            element="",  # a hint: a user name alone is not a credential (CONTRACT counting rules)
            headers=synonyms(
                "username",
                "user_name",
                "user_id",
                "userid",
                "user_login",
                "login",
                "login_id",
                "login_name",
                "logon",
                "logon_id",
                "logon_name",
                "screen_name",
                "account_login",
                "account_username",
                "online_id",
                "web_id",
                "web_username",
                "portal_username",
                "portal_login",
                "uid",
            ),
            normalise=normalise_username,
            polars_normalise=username_expression,
            priority=90,
        ),
        FieldSpec(
            field="password",
            element="online_credentials",
            headers=synonyms(
                "password",
                "passwd",
                "pwd",
                "passcode",
                "pass_code",
                "passphrase",
                "pin",
                "pin_code",
                "pin_number",
                "password_hash",
                "hashed_password",
                "passwordhash",
                "pwd_hash",
                "pass_hash",
                "passhash",
                "encrypted_password",
                "password_digest",
                "user_password",
                "login_password",
                "account_password",
                "online_password",
                "web_password",
                "portal_password",
                "security_answer",
                "security_answer_1",
                "security_answer_2",
                "security_question_answer",
                "secret_answer",
                "challenge_answer",
                "secret",
            ),
            normalise=normalise_secret,
            polars_normalise=secret_expression,
            header_tokens=frozenset({"password", "passwd", "passcode", "pwd"}),
            requires_any=("email", "username"),
            min_valid_share=0.3,
            priority=91,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="online_credentials.labelled",
            kind="online_credentials",
            scan=rf"{_SECRET_LABELS}[\"']?[ \t]*[:=][ \t]*[\"']?[^\s\"';,]",
            confirm=_SECRET_CONFIRM,
            normalise=_secret_value,
            context=_ACCOUNT_NEAR,
            context_before=120,
            context_after=120,
            caseless=True,
            confidence=0.9,
        ),
    ),
)
