"""Health plan member ids: member / subscriber / insured ids, Medicaid ids, Medicare MBI and HICN.

CONTRACT.md: enrollment in a health plan shows as ``health_insurance_id`` (the member id);
policy, group, claim and plan numbers are not elements (``columns.py`` drops headers that
say so, and text labels for them are not matched here).

A member id has no check digit, so a value is accepted when a header or a label says what
it is and it is shaped like an id (letters and digits, with enough digits, not a date,
not masked). The Medicare Beneficiary Identifier has published format rules (CMS, "MBI
format specifications"): 11 characters, position 1 a digit 1-9, positions 2, 5, 8, 9 letters,
3 and 6 letter or digit, 4, 7, 10, 11 digits, letters never S L O I B Z. Those rules are
specific enough that an MBI is recognised in text without a label.
"""

from __future__ import annotations

import re

import polars as pl

from exposure.detect.elements import (
    HEALTH,
    ElementFamily,
    FieldSpec,
    TextPattern,
    context_words,
    synonyms,
)

# ---- shared id shape (also used by medical_record_number) -----------------------------------------

_SEPARATORS = r"[\s.-]"
_SEPARATORS_RE = re.compile(_SEPARATORS)
# Dates under an id header are other columns' values (an effective date), never an id.
DATE_SHAPE = r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:[ T]\d.*)?$"
_DATE_RE = re.compile(DATE_SHAPE)
# Masked ids (****1234, XXXXX1234) are not the element (CONTRACT counting rules).
MASKED_SHAPE = r"[*•#]|^[xX]{3,}"
_MASKED_RE = re.compile(MASKED_SHAPE)


def compact_identifier(value: str, min_length: int, max_length: int, min_digits: int) -> str:
    """Upper-case letters and digits of an id-shaped ``value`` (separators dropped), or "".

    >>> compact_identifier("xyz 1234-5678", 5, 20, 3), compact_identifier("***1234", 5, 20, 3)
    ('XYZ12345678', '')
    """
    stripped = value.strip()
    if not stripped or _DATE_RE.match(stripped) or _MASKED_RE.search(stripped):
        return ""
    compact = _SEPARATORS_RE.sub("", stripped).upper()
    if not (min_length <= len(compact) <= max_length) or not compact.isascii() or not compact.isalnum():
        return ""
    if sum(c.isdigit() for c in compact) < min_digits or len(set(compact)) == 1:
        return ""  # 000000000 or AAAAAAA are fillers
    return compact


def compact_identifier_expression(
    column: pl.Expr, min_length: int, max_length: int, min_digits: int
) -> pl.Expr:
    """Whole-column version of :func:`compact_identifier`."""
    stripped = column.str.strip_chars()
    compact = stripped.str.replace_all(_SEPARATORS, "").str.to_uppercase()
    filler = compact.str.strip_chars(compact.str.slice(0, 1)) == ""
    valid = (
        compact.str.contains(rf"^[A-Z0-9]{{{min_length},{max_length}}}$")
        & (compact.str.count_matches(r"\d") >= min_digits)
        & ~stripped.str.contains(DATE_SHAPE)
        & ~stripped.str.contains(MASKED_SHAPE)
        & ~filler
    )
    return pl.when(valid).then(compact)


# ---- member ids -----------------------------------------------------------------------------------

MEMBER_ID_MIN, MEMBER_ID_MAX, MEMBER_ID_MIN_DIGITS = 5, 20, 3


def normalise_member_id(value: str) -> str:
    """A member / subscriber / Medicaid id in compact upper-case form, or "".

    >>> normalise_member_id("xeh 123-456-789"), normalise_member_id("01/02/2020")
    ('XEH123456789', '')
    """
    return compact_identifier(value, MEMBER_ID_MIN, MEMBER_ID_MAX, MEMBER_ID_MIN_DIGITS)


def member_id_expression(column: pl.Expr) -> pl.Expr:
    return compact_identifier_expression(column, MEMBER_ID_MIN, MEMBER_ID_MAX, MEMBER_ID_MIN_DIGITS)


# ---- Medicare Beneficiary Identifier --------------------------------------------------------------

_MBI_LETTER = "[AC-HJKMNP-RT-Y]"  # A-Z without S L O I B Z
_MBI_ALNUM = "[0-9AC-HJKMNP-RT-Y]"
# Dashes (1EG4-TE5-MK72) are how CMS prints an MBI for reading; the id itself has none.
MBI_SHAPE = (
    f"[1-9]{_MBI_LETTER}{_MBI_ALNUM}[0-9]-?{_MBI_LETTER}{_MBI_ALNUM}[0-9]-?"
    f"{_MBI_LETTER}{_MBI_LETTER}[0-9][0-9]"
)
_MBI_RE = re.compile(f"^{MBI_SHAPE.replace('-?', '')}$")
# CMS's own example, printed on sample cards and in every MBI guide.
FIXTURE_MBIS = frozenset({"1EG4TE5MK73"})


def normalise_mbi(value: str) -> str:
    """The 11-character MBI when ``value`` follows the CMS format rules, else "".

    >>> normalise_mbi("1EG4-TE5-MK72"), normalise_mbi("1SG4TE5MK72"), normalise_mbi("1EG4TE5MK73")
    ('1EG4TE5MK72', '', '')
    """
    compact = _SEPARATORS_RE.sub("", value.strip()).upper()
    return compact if _MBI_RE.match(compact) and compact not in FIXTURE_MBIS else ""


def mbi_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_mbi`."""
    compact = column.str.strip_chars().str.replace_all(_SEPARATORS, "").str.to_uppercase()
    return pl.when(compact.str.contains(_MBI_RE.pattern) & ~compact.is_in(sorted(FIXTURE_MBIS))).then(compact)


# ---- legacy Medicare HICN (SSN-based, retired 2020 but still in old files) ------------------------

# Nine digits and a beneficiary identification code (A, B1, C2, D, T ...), or a Railroad Retirement
# Board number: one to three letters before six or nine digits.
_HICN_RE = re.compile(r"^(?:\d{9}[A-Z][A-Z0-9]?|[A-Z]{1,3}\d{6}(?:\d{3})?)$")


def normalise_medicare_id(value: str) -> str:
    """An MBI or a legacy HICN, compact and upper-case, or "".

    >>> normalise_medicare_id("123-45-6789A"), normalise_medicare_id("1EG4TE5MK72")
    ('123456789A', '1EG4TE5MK72')
    """
    mbi = normalise_mbi(value)
    if mbi:
        return mbi
    compact = _SEPARATORS_RE.sub("", value.strip()).upper()
    return compact if _HICN_RE.match(compact) and not _MASKED_RE.search(value) else ""


def medicare_id_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_medicare_id`."""
    compact = column.str.strip_chars().str.replace_all(_SEPARATORS, "").str.to_uppercase()
    hicn = pl.when(compact.str.contains(_HICN_RE.pattern) & ~column.str.contains(MASKED_SHAPE)).then(compact)
    return pl.coalesce(mbi_expression(column), hicn)


# ---- text -----------------------------------------------------------------------------------------

# "Member ID: ...", "Subscriber #", "Medicaid No.", "Insured's ID number" ... Hyperscan finds the label
# word only (a value of bounded length in the scan makes the database slow to build); Python reads
# the rest. Policy and group numbers have labels of their own and are not matched.
_MEMBER_LABEL = r"(member|subscriber|insured|enrollee|medicaid|medicare|mbr)"
_MEMBER_CONFIRM = re.compile(
    r"(?<![A-Za-z])(?P<label>member|subscriber|insured'?s?|enrollee|medicaid(?:[ \t]+(?:recipient|client))?"
    r"|medicare(?:[ \t]+beneficiary)?|mbr)"
    r"[ \t]*(?P<id>identification|identifier|id|number|num|nbr|no|#)?[ \t]*"
    r"(?:number|no|#)?\.?[ \t]*[:#]?[ \t]*"
    r"(?P<value>[A-Za-z0-9](?:[A-Za-z0-9]|[ -](?=[A-Za-z0-9])){3,22}[A-Za-z0-9]?)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# "medicaid" and "medicare" name the id themselves; "member" alone ("Member: Jane Smith") does not.
_SELF_NAMING_LABELS = frozenset({"medicaid", "medicare"})


def _member_label_names_an_id(match: re.Match[str]) -> bool:
    label = match.group("label").split()[0].lower()
    return bool(match.group("id")) or label in _SELF_NAMING_LABELS


_DIGIT_GROUPS = re.compile(r"^\d{2,6}(?:[ -]\d{2,6})+(?![A-Za-z0-9])")


def _member_value(value: str) -> str:
    """The id after a label: its first space-free run, or digit groups written with spaces (1234 5678 90)."""
    grouped = _DIGIT_GROUPS.match(value)
    if grouped:
        return normalise_member_id(grouped.group(0))
    words = value.split()
    return normalise_member_id(words[0]) if words else ""


_MEDICARE_CONTEXT = context_words("medicare", "mbi", "beneficiary identifier", "medicare number", "hicn")
# Other numbers an MBI-shaped token might be: a reference is no member id.
_NOT_A_MEMBER_ID = context_words(
    "order", "invoice", "tracking", "confirmation", "serial", "claim", "policy", "group", "ticket",
    "reference", "ref", "npi", "license key", "product key", "sku", "part", "model", "transaction", "case",
)  # fmt: skip

FAMILY = ElementFamily(
    name="health_insurance_id",
    codes=("health_insurance_id",),
    legal_category=HEALTH,
    fields=(
        FieldSpec(
            field="medicare_mbi",
            element="health_insurance_id",
            headers=synonyms(
                "mbi",
                "medicare_beneficiary_identifier",
                "medicare_beneficiary_id",
                "medicare_beneficiary_number",
                "mbi_number",
                "mbi_id",
            ),
            normalise=normalise_mbi,
            polars_normalise=mbi_expression,
            shape=r"^[0-9A-Za-z]{4}-?[0-9A-Za-z]{3}-?[0-9A-Za-z]{4}$",
            header_tokens=frozenset({"mbi"}),
            priority=60,
        ),
        FieldSpec(
            field="medicare_id",
            element="health_insurance_id",
            headers=synonyms(
                "medicare_id",
                "medicare_number",
                "medicare_no",
                "medicare_num",
                "medicare_id_number",
                "medicare_claim_number",  # the HICN's printed name on the old red-white-blue card
                "hicn",
                "hic_number",
                "hic_no",
                "hic",
                "hicn_number",
            ),
            normalise=normalise_medicare_id,
            polars_normalise=medicare_id_expression,
            shape=r"^[0-9A-Za-z -]{7,16}$",
            header_tokens=frozenset({"hicn"}),
            priority=61,
        ),
        FieldSpec(
            field="member_id",
            element="health_insurance_id",
            headers=synonyms(
                "member_id",
                "member_number",
                "member_no",
                "member_id_number",
                "member_identifier",
                "memberid",
                "mbr_id",
                "mbr_no",
                "mbr_number",
                "mbr_num",
                "subscriber_id",
                "subscriber_number",
                "subscriber_no",
                "subscriber_identifier",
                "subscriberid",
                "insured_id",
                "insured_number",
                "insured_id_number",
                "insureds_id",
                "insured_s_id",
                "enrollee_id",
                "enrollee_number",
                "medicaid_id",
                "medicaid_number",
                "medicaid_no",
                "medicaid_num",
                "medicaid_id_number",
                "medicaid_recipient_id",
                "cin",  # New York Medicaid's client identification number
                "client_identification_number",
                "health_insurance_id",
                "health_insurance_number",
                "insurance_member_id",
                "insurance_id_number",
                "ins_member_id",
                "health_plan_member_id",
                "health_member_id",
                "member_card_number",
            ),
            normalise=normalise_member_id,
            polars_normalise=member_id_expression,
            header_tokens=frozenset({"medicaid"}),
            priority=62,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="health_insurance_id.labelled",
            kind="health_insurance_id",
            scan=_MEMBER_LABEL,
            confirm=_MEMBER_CONFIRM,
            normalise=_member_value,
            accept=_member_label_names_an_id,
            caseless=True,
            confidence=0.9,
        ),
        TextPattern(
            # The MBI format is specific enough to stand without a label; beside "Medicare" it is surer.
            name="health_insurance_id.mbi",
            kind="health_insurance_id",
            scan=MBI_SHAPE,
            confirm=re.compile(rf"(?<![A-Za-z0-9-]){MBI_SHAPE}(?![A-Za-z0-9-])"),
            normalise=normalise_mbi,
            context=_MEDICARE_CONTEXT,
            context_before=60,
            context_required=False,
            context_confidence=0.95,
            negative_context=_NOT_A_MEMBER_ID,
            negative_before=30,
            confidence=0.85,
        ),
    ),
)
