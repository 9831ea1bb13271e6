"""Bank and other financial account numbers, and IBANs.

A U.S. account number has no check digit (5-17 digits, by bank), so it is
recognised by what labels it: a bank-account header in a table, an
"account number" label in text. What makes a generic "account number" a bank
account is a bank word beside it (checking, savings, bank, direct deposit) or an
ABA routing number beside it that ``stdnum.us.rtn`` validates. A routing number
identifies the bank, not the person: it is never the element itself, only a hint
(field ``routing_number``) that confirms the account next to it. IBANs carry
their own check digits and are validated by ``stdnum.iban``.

Hospital "patient account", policy, claim, order and invoice numbers are not
financial accounts (CONTRACT counting rules): those labels drop the candidate.
"""

from __future__ import annotations

import re

from stdnum import iban as stdnum_iban
from stdnum.us import rtn as stdnum_rtn

from exposure.detect.elements import (
    FINANCIAL,
    ElementFamily,
    FieldSpec,
    TextPattern,
    synonyms,
)

ROUTING_FIELD = "routing_number"
MIN_DIGITS = 5
MAX_DIGITS = 17

_SEPARATORS = re.compile(r"[\s-]")
_SEQUENTIAL = "012345678901234567890123456789"


def _looks_fake(digits: str) -> bool:
    return len(set(digits)) == 1 or digits in _SEQUENTIAL


def normalise_account(value: str) -> str:
    """The digits of a bank account number (5-17 digits, dashes and spaces dropped); "" otherwise.

    >>> normalise_account("0012-3456-789"), normalise_account("****6789"), normalise_account("1111111")
    ('00123456789', '', '')
    """
    digits = _SEPARATORS.sub("", value.strip())
    if not digits.isdigit() or not MIN_DIGITS <= len(digits) <= MAX_DIGITS or _looks_fake(digits):
        return ""
    return digits


def normalise_routing(value: str) -> str:
    """Nine digits when ``value`` is a valid ABA routing number (``stdnum.us.rtn``); "" otherwise."""
    digits = _SEPARATORS.sub("", value.strip())
    if len(digits) != 9 or _looks_fake(digits):
        return ""
    return digits if stdnum_rtn.is_valid(digits) else ""


def normalise_iban(value: str) -> str:
    """The compact IBAN when ``stdnum.iban`` validates it (country format and mod-97 check digits)."""
    try:
        return stdnum_iban.validate(value)
    except Exception:  # stdnum raises its own ValidationError subclasses; any of them means invalid
        return ""


def normalise_account_or_iban(value: str) -> str:
    """An account column may hold domestic numbers and IBANs side by side."""
    stripped = value.strip()
    if stripped[:2].isalpha():
        return normalise_iban(stripped)
    return normalise_account(stripped)


# ---- text ------------------------------------------------------------------------------------------

_BANK_WORDS = (
    r"bank|checking|chequing|savings|deposit|direct\s+deposit|dda|brokerage|investment|credit\s+union"
    r"|money\s+market|ira|401\s*\(?k\)?|retirement|ach|wire|eft|share|loan|mortgage|escrow|trust"
)
_ACCOUNT_SCAN = (
    r"(account|acct|a/c)\.?\s*(number|no|num|nbr|#)?\.?\s*[:#=.-]*\s*((is|was|on file)\s*:?\s*)?\d"
)
_LABELLED = re.compile(
    r"(?<![A-Za-z/])(?i:account|acct|a/c)\.?(?i:\s*(?:no\.?|num\.?|number|nbr|#)(?![A-Za-z])\.?)?[\s:#=.-]*"
    r"(?i:(?:is|was|on\s+file(?:\s+is)?)\s*:?\s*)?"
    r"(?<![\w*#])(?P<value>\d(?:\d|[ -](?=\d)){4,20})(?![\w*-])"
)
_BANK_NEAR = re.compile(rf"(?<![A-Za-z])(?:{_BANK_WORDS}|routing|aba|rtn|transit)(?![A-Za-z])", re.IGNORECASE)
_ROUTING_NEAR = re.compile(
    r"(?<![A-Za-z])(?:routing|aba|rtn|transit)(?:\s*(?:no\.?|number|#))?[\s:#=.-]*(?P<rtn>\d{9})(?!\d)",
    re.IGNORECASE,
)
_WINDOW = 80
# Words right before "account" (at most one word between) that make it some other organisation's number.
_OTHER_HOLDERS = (
    "patient", "hospital", "billing", "guarantor", "medical", "policy", "claim", "member", "invoice", "order",
    "utility", "service", "reference", "confirmation", "tracking", "npi", "provider", "phone", "fax",
    "wireless", "subscriber", "merchant", "vendor", "supplier", "email", "e-mail", "user", "online",
)  # fmt: skip
_NOT_A_BANK_ACCOUNT = re.compile(
    rf"(?<![A-Za-z])(?:{'|'.join(map(re.escape, _OTHER_HOLDERS))})(?:\s+[A-Za-z]+)?['’]?s?\s*$", re.IGNORECASE
)


def _near(match: re.Match[str]) -> str:
    text = match.string
    return text[max(match.start() - _WINDOW, 0) : match.end() + _WINDOW]


def routing_number_near(match: re.Match[str]) -> bool:
    """A valid ABA routing number labelled as such within the window around the account number."""
    return any(stdnum_rtn.is_valid(m.group("rtn")) for m in _ROUTING_NEAR.finditer(_near(match)))


def _is_bank_account(match: re.Match[str]) -> bool:
    """A bank word (checking, savings, bank, routing ...) around the number, or a valid routing number."""
    return bool(_BANK_NEAR.search(_near(match))) or routing_number_near(match)


def _is_routing_itself(match: re.Match[str]) -> bool:
    """The number is the bank's routing number written next to the account label (``Account/ABA:``)."""
    value = _SEPARATORS.sub("", match.group("value"))
    return bool(normalise_routing(value)) and bool(re.search(r"(?i)routing|aba", match.group(0)))


def _accept_bank(match: re.Match[str]) -> bool:
    return _is_bank_account(match) and not _is_routing_itself(match)


def _accept_other(match: re.Match[str]) -> bool:
    """An account number with no bank word and no routing number around it (kept for review)."""
    return not _is_bank_account(match) and not _is_routing_itself(match)


_ACCOUNT_HEADERS_BANK = synonyms(
    "bank_account",
    "bank_account_number",
    "bank_account_no",
    "bank_acct",
    "bank_acct_no",
    "bank_acct_number",
    "bank_acct_num",
    "checking_account",
    "checking_account_number",
    "checking_acct",
    "chk_acct",
    "savings_account",
    "savings_account_number",
    "savings_acct",
    "sav_acct",
    "dda",
    "dda_number",
    "dda_account",
    "deposit_account",
    "deposit_account_number",
    "direct_deposit_account",
    "direct_deposit_account_number",
    "dd_account",
    "dd_acct",
    "refund_account",
    "refund_account_number",
    "payment_account",
    "eft_account",
    "ach_account",
    "ach_account_number",
    "brokerage_account",
    "brokerage_account_number",
    "investment_account",
    "financial_account",
    "financial_account_number",
    "credit_union_account",
    "share_account",
    "loan_account_number",
    "mortgage_account_number",
    "ira_account",
    "ira_account_number",
    "retirement_account_number",
    "account_number_bank",
)
# Generic account headers: a bank account only beside a valid routing number in the same row.
_ACCOUNT_HEADERS_GENERIC = synonyms(
    "account",
    "account_number",
    "account_no",
    "account_num",
    "acct",
    "acct_number",
    "acct_no",
    "acct_num",
    "acct_nbr",
    "account_nbr",
    "acctno",
)
_IBAN_HEADERS = synonyms(
    "iban", "iban_number", "iban_no", "bank_iban", "iban_code", "international_bank_account"
)
_ROUTING_HEADERS = synonyms(
    "routing",
    "routing_number",
    "routing_no",
    "routing_num",
    "aba",
    "aba_number",
    "aba_routing",
    "aba_routing_number",
    "rtn",
    "bank_routing",
    "bank_routing_number",
    "transit_number",
    "transit_routing_number",
    "routing_transit_number",
    "dd_routing",
    "direct_deposit_routing",
    "refund_routing",
    "refund_routing_number",
)

_ACCOUNT_SHAPE = r"^(?:\d[\d -]{3,22}\d|[A-Za-z]{2}\d{2}[A-Za-z0-9 ]{10,36})$"

FAMILY = ElementFamily(
    name="financial_account",
    codes=("financial_account",),
    legal_category=FINANCIAL,
    fields=(
        FieldSpec(
            field="financial_account",
            element="financial_account",
            headers=_ACCOUNT_HEADERS_BANK | _IBAN_HEADERS,
            normalise=normalise_account_or_iban,
            shape=_ACCOUNT_SHAPE,
            headerless_shape=r"^[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?$",
            priority=60,
        ),
        FieldSpec(
            field="financial_account",
            element="financial_account",
            headers=_ACCOUNT_HEADERS_GENERIC,
            normalise=normalise_account_or_iban,
            shape=_ACCOUNT_SHAPE,
            priority=61,
            requires_any=(ROUTING_FIELD,),
        ),
        FieldSpec(
            field=ROUTING_FIELD,
            element="",  # identifies the bank; it confirms the account beside it
            headers=_ROUTING_HEADERS,
            normalise=normalise_routing,
            shape=r"^\d{3}[ -]?\d{3}[ -]?\d{3}$",
            priority=62,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="financial_account.bank",
            kind="financial_account",
            scan=_ACCOUNT_SCAN,
            confirm=_LABELLED,
            normalise=normalise_account,
            accept=_accept_bank,
            negative_context=_NOT_A_BANK_ACCOUNT,
            negative_before=25,
            caseless=True,
            confidence=0.9,
        ),
        TextPattern(
            # "Account #: 123456789" with no bank word or routing number around: maybe a bank account, maybe
            # a store's customer number. Kept, below the review threshold.
            name="financial_account.other",
            kind="financial_account",
            scan=_ACCOUNT_SCAN,
            confirm=_LABELLED,
            normalise=normalise_account,
            accept=_accept_other,
            negative_context=_NOT_A_BANK_ACCOUNT,
            negative_before=25,
            caseless=True,
            confidence=0.6,
        ),
        TextPattern(
            name="financial_account.iban",
            kind="financial_account",
            scan=r"[A-Z]{2}\d{2}( ?[A-Z0-9]{4}){2,7}( ?[A-Z0-9]{1,4})?",
            confirm=re.compile(
                r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])"
            ),
            normalise=normalise_iban,
            confidence=0.9,
        ),
    ),
)
