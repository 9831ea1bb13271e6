"""The shapes that flow between pipeline stages.

Extractors yield ``Table`` (records) or ``TextBlock`` (text with positions);
detectors turn them into ``Mention`` (one appearance of a person) and
``Element`` (one exposed value tied to a mention). Everything here is plain
data so it can cross a process boundary and land in the case database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

# Element codes of CONTRACT.md. Order is the display order in reports.
ELEMENT_CODES: tuple[str, ...] = (
    "name",
    "ssn",
    "itin",
    "date_of_birth",
    "address",
    "phone",
    "email",
    "drivers_license",
    "passport",
    "financial_account",
    "payment_card",
    "health_insurance_id",
    "medical_record_number",
    "medical_information",
    "biometric",
    "online_credentials",
)

# Each element in plain words, for reports and letters a person reads.
ELEMENT_PLAIN_WORDS: dict[str, str] = {
    "name": "name",
    "ssn": "Social Security number",
    "itin": "Individual Taxpayer Identification Number",
    "date_of_birth": "date of birth",
    "address": "postal address",
    "phone": "telephone number",
    "email": "e-mail address",
    "drivers_license": "driver's license or state ID card number",
    "passport": "passport number",
    "financial_account": "bank or other financial account number",
    "payment_card": "credit or debit card number",
    "health_insurance_id": "health insurance member or subscriber number",
    "medical_record_number": "medical record number",
    "medical_information": "medical information (such as diagnoses, treatment, claims or prescriptions)",
    "biometric": "biometric data (such as fingerprints, face, voice or retina data)",
    "online_credentials": "user name or e-mail address with a password or security answer",
}

# File statuses of files.csv.
PROCESSED = "processed"
FAILED = "failed"
SKIPPED = "skipped"
PENDING = "pending"


@dataclass
class Table:
    """Records from one table of a file (a CSV, a sheet, a SQL table).

    ``rows`` yields ``(row_number, values)``; ``row_number`` is the 1-based
    line/row of the source so a reviewer can find it, and ``values`` lines up
    with ``columns`` (missing cells are empty strings).
    """

    name: str
    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]
    has_header: bool = True
    # A fast reader may give the rows as Polars frames instead: string columns ``c0``, ``c1`` ... (one per
    # column, "" for missing cells) and ``__row`` (the row number). A consumer reads either ``rows`` or
    # ``frames``, never both (they share one underlying reader).
    frames: Iterator[pl.DataFrame] | None = None


@dataclass
class TextBlock:
    """A run of text with a position a reviewer can open (page, line, part)."""

    location: str
    text: str
    offset: int = 0  # character offset of ``text`` in the whole document
    confidence: float | None = None  # OCR mean word confidence (0-100); None for born-digital text


@dataclass
class Mention:
    """One appearance of a (possibly) affected individual in one document."""

    key: str  # unique within the blob, deterministic: e.g. "row 12" or "row 12/spouse"
    location: str  # where a reviewer finds it: "row 12", "line 40", "page 3"
    role: str = "individual"  # subscriber, dependent, patient, spouse ...
    full_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    suffix: str = ""
    date_of_birth: str = ""  # ISO YYYY-MM-DD
    ssn: str = ""  # 9 digits, validated
    ssn_last4: str = ""  # a masked / partial SSN, kept as a linking hint only
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""  # 2-letter USPS code
    postal_code: str = ""
    email: str = ""
    phone: str = ""  # E.164 where parseable
    attributes: dict[str, str] = field(default_factory=dict)  # owner-rule columns, ids
    needs_review: bool = False


@dataclass
class Element:
    """One detected data element, tied to a mention (or to none when unattributed)."""

    code: str  # one of ELEMENT_CODES
    value: str  # normalised raw value (stays in the case database only)
    location: str
    mention_key: str = ""  # "" when no person could be tied to it
    offset: int = -1  # character offset in the document for text, -1 for records
    column: str = ""  # source column for records
    confidence: float = 1.0
    detector: str = ""
    needs_review: bool = False


# Columnar detections (records detect into frames, the worker stores Arrow tables): the columns of the
# case database's ``mentions`` and ``elements`` tables, in order.
MENTION_TABLE_COLUMNS: tuple[str, ...] = (
    "sha256", "mention_key", "location", "role", "full_name", "first_name", "middle_name", "last_name",
    "suffix", "date_of_birth", "ssn", "ssn_last4", "address_line1", "address_line2", "city", "state",
    "postal_code", "email", "phone", "attributes", "needs_review",
)  # fmt: skip
ELEMENT_TABLE_COLUMNS: tuple[str, ...] = (
    "sha256", "mention_key", "code", "value", "location", "offset", "column", "confidence", "detector",
    "needs_review",
)  # fmt: skip


@dataclass
class Detections:
    mentions: list[Mention] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)

    def extend(self, other: Detections) -> None:
        self.mentions.extend(other.mentions)
        self.elements.extend(other.elements)
