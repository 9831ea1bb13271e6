"""Credit and debit card numbers (PANs).

A card number is 13-19 digits whose first digits (the issuer identification
number, IIN) belong to a card network that issues numbers of that length, and
whose last digit is the Luhn check digit (``stdnum.luhn``). The networks'
published test numbers (4111 1111 1111 1111 ...) and filler are rejected
(CONTRACT: obvious test values are not exposures); a masked number
(``XXXX-XXXX-XXXX-1111``) is not a card number at all.

In text a Luhn-valid number in a card network's range is a card number by
itself; card words nearby ("Visa", "card", "exp", "CVV") raise its confidence,
and "order", "invoice", "tracking" ... labelling it drop it.
"""

from __future__ import annotations

import re

from stdnum import luhn

from exposure.detect.elements import (
    FINANCIAL,
    ElementFamily,
    FieldSpec,
    TextPattern,
    context_words,
    synonyms,
)
from exposure.detect.elements.ssn import directly_labelled

# (lowest prefix, highest prefix, allowed lengths): the networks' IIN ranges, prefixes compared on the
# number's first len(lowest) digits.
_LENGTHS_16_19 = (16, 17, 18, 19)
IIN_RANGES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("4", "4", (13, 16, 19)),  # Visa
    ("51", "55", (16,)),  # Mastercard
    ("2221", "2720", (16,)),  # Mastercard 2-series
    ("34", "34", (15,)),  # American Express
    ("37", "37", (15,)),  # American Express
    ("6011", "6011", _LENGTHS_16_19),  # Discover
    ("644", "649", _LENGTHS_16_19),  # Discover
    ("65", "65", _LENGTHS_16_19),  # Discover, RuPay
    ("622126", "622925", _LENGTHS_16_19),  # Discover / China UnionPay co-brand
    ("62", "62", _LENGTHS_16_19),  # China UnionPay
    ("3528", "3589", _LENGTHS_16_19),  # JCB
    ("300", "305", (14, *_LENGTHS_16_19)),  # Diners Club
    ("3095", "3095", (14, *_LENGTHS_16_19)),  # Diners Club
    ("36", "36", (14, *_LENGTHS_16_19)),  # Diners Club International
    ("38", "39", (14, *_LENGTHS_16_19)),  # Diners Club
    ("50", "50", (13, 14, 15, *_LENGTHS_16_19)),  # Maestro
    ("56", "58", (13, 14, 15, *_LENGTHS_16_19)),  # Maestro
    ("6304", "6304", (13, 14, 15, *_LENGTHS_16_19)),  # Maestro
    ("6759", "6759", (13, 14, 15, *_LENGTHS_16_19)),  # Maestro UK
    ("6761", "6763", (13, 14, 15, *_LENGTHS_16_19)),  # Maestro
    ("2200", "2204", _LENGTHS_16_19),  # Mir
    ("60", "60", (16,)),  # RuPay
    ("81", "82", (16,)),  # RuPay
    ("9792", "9792", (16,)),  # Troy
)

# Test numbers published by the card networks and payment processors (Stripe, Braintree, Adyen, PayPal ...).
TEST_CARDS = frozenset(
    {
        "4111111111111111", "4012888888881881", "4222222222222", "4242424242424242", "4000056655665556",
        "4005519200000004", "4009348888881881", "4012000033330026", "4012000077777777", "4217651111111119",
        "4500600000000061", "4462030000000000", "4917610000000000003", "4484070000000000", "4988438843884305",
        "5555555555554444", "5105105105105100", "5200828282828210", "5454545454545454", "5431111111111111",
        "2223003122003222", "2223000048400011", "2222400070000005", "378282246310005", "371449635398431",
        "378734493671000", "340000000000009", "370000000000002", "6011111111111117", "6011000990139424",
        "6011000400000000", "6011601160116611", "6445644564456445", "3530111333300000", "3566002020360505",
        "3566111111111113", "30569309025904", "38520000023237", "36227206271667", "36006666333344",
        "6200000000000005", "6250941006528599", "5019717010103742", "6331101999990016", "6759649826438453",
        "6799990100000000019", "5018000000000009", "5612000000000003",
    }
)  # fmt: skip

_SEPARATORS = re.compile(r"[\s-]")


def issuer_allows(digits: str) -> bool:
    """True when some card network issues numbers of this length with these first digits."""
    for low, high, lengths in IIN_RANGES:
        prefix = digits[: len(low)]
        if low <= prefix <= high and len(digits) in lengths:
            return True
    return False


def _looks_fake(digits: str) -> bool:
    """Filler: the digits between the 6-digit IIN and the check digit are one digit (4000 0000 0000 0002)."""
    return len(set(digits[6:-1])) == 1 or len(set(digits)) <= 2


def normalise_card(value: str) -> str:
    """The digits of a valid card number (length, IIN, Luhn, not a test card); "" otherwise.

    >>> [normalise_card(v) for v in ("4539 1488 0343 6467", "4111-1111-1111-1111", "4539148803436468")]
    ['4539148803436467', '', '']
    """
    digits = _SEPARATORS.sub("", value.strip())
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return ""
    if digits in TEST_CARDS or _looks_fake(digits) or not issuer_allows(digits):
        return ""
    return digits if luhn.is_valid(digits) else ""


_CARD_CONTEXT = context_words(
    "card", "credit", "debit", "visa", "mastercard", "master card", "amex", "american express", "discover",
    "diners", "jcb", "unionpay", "maestro", "cc", "cc#", "ccn", "pan", "exp", "expiry", "expiration", "cvv",
    "cvc", "cvv2", "cid", "security code", "cardholder", "charged", "payment",
)  # fmt: skip
# A label saying the digits are some other reference number.
_NOT_A_CARD = directly_labelled(
    "order", "invoice", "tracking", "confirmation", "reference", "ref", "transaction", "txn", "trans",
    "policy", "claim", "ticket", "case", "member id", "member", "subscriber", "group", "account", "acct",
    "routing", "npi", "phone", "fax", "serial", "imei", "iccid", "sim", "shipment", "package", "parcel",
    "awb", "waybill", "receipt", "auth", "authorization", "approval", "batch", "loan",
)  # fmt: skip

# The number ends here: no more digits, and no further group of four (an expiry "12/25" may follow).
_END = r"(?![\d-]|\.\d| \d{4}(?:\D|$))"

_CARD_HEADERS = synonyms(
    "card_number",
    "card_no",
    "card_num",
    "card_nbr",
    "card#",
    "cardnumber",
    "credit_card",
    "credit_card_number",
    "credit_card_no",
    "credit_card_num",
    "creditcard",
    "creditcardnumber",
    "debit_card",
    "debit_card_number",
    "cc",
    "cc_number",
    "cc_no",
    "cc_num",
    "ccnum",
    "ccnumber",
    "ccn",
    "cc#",
    "pan",
    "primary_account_number",
    "payment_card",
    "payment_card_number",
    "card_pan",
)

FAMILY = ElementFamily(
    name="payment_card",
    codes=("payment_card",),
    legal_category=FINANCIAL,
    fields=(
        FieldSpec(
            field="payment_card",
            element="payment_card",
            headers=_CARD_HEADERS,
            normalise=normalise_card,
            shape=r"^\d[\d -]{11,24}\d$",
            # Luhn fails nine random numbers in ten: a column 80% valid is cards even without a header.
            headerless_shape=r"^(?:\d{4}[- ]?){3}\d{1,7}$|^\d{4}[- ]\d{6}[- ]\d{4,5}$",
            priority=55,
        ),
    ),
    text_patterns=(
        TextPattern(
            # 4-4-4-4 (and 13-19 digit variants), with one separator kind or none.
            name="payment_card.grouped",
            kind="payment_card",
            scan=r"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,4}([ -]?\d{1,3})?",
            confirm=re.compile(
                r"(?<![\w-])(?<!\d )\d{4}(?P<sep>[ -]?)\d{4}(?P=sep)\d{4}(?P=sep)\d{1,4}(?:(?P=sep)\d{3})?"
                + _END
            ),
            normalise=normalise_card,
            context=_CARD_CONTEXT,
            context_before=50,
            context_after=30,
            context_required=False,
            context_confidence=0.95,
            negative_context=_NOT_A_CARD,
            confidence=0.8,
        ),
        TextPattern(
            # American Express 4-6-5, Diners 4-6-4.
            name="payment_card.amex",
            kind="payment_card",
            scan=r"\d{4}[ -]\d{6}[ -]\d{4,5}",
            confirm=re.compile(r"(?<![\w-])(?<!\d )\d{4}(?P<sep>[ -])\d{6}(?P=sep)\d{4,5}" + _END),
            normalise=normalise_card,
            context=_CARD_CONTEXT,
            context_before=50,
            context_after=30,
            context_required=False,
            context_confidence=0.95,
            negative_context=_NOT_A_CARD,
            confidence=0.8,
        ),
    ),
)
