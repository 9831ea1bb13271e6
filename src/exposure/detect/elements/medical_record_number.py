"""Medical record numbers: a provider's id for a patient's chart (MRN).

An MRN has no public format or check digit: each hospital system numbers its own. A value
counts when a header (``MRN``, ``medical_record_number``, ``chart_no``) or a label in text
(``MRN:``, ``Medical Record #``, ``Chart #``) says what it is, and it is shaped like an id:
letters and digits, at least four digits, not a date, not masked.
"""

from __future__ import annotations

import re

import polars as pl

from exposure.detect.elements import HEALTH, ElementFamily, FieldSpec, TextPattern, synonyms
from exposure.detect.elements.health_insurance_id import compact_identifier, compact_identifier_expression

MRN_MIN, MRN_MAX, MRN_MIN_DIGITS = 4, 20, 4


def normalise_mrn(value: str) -> str:
    """The MRN in compact upper-case form, or "" when it is not id-shaped.

    >>> normalise_mrn("00-123-456"), normalise_mrn("MR 0045 1123"), normalise_mrn("***4567")
    ('00123456', 'MR00451123', '')
    """
    return compact_identifier(value, MRN_MIN, MRN_MAX, MRN_MIN_DIGITS)


def mrn_expression(column: pl.Expr) -> pl.Expr:
    return compact_identifier_expression(column, MRN_MIN, MRN_MAX, MRN_MIN_DIGITS)


_LABEL = (
    r"(mrn|m\.r\.n\.?|medical[ \t]+record([ \t]+(number|no|num|nbr|id|#))?|med[ \t]*rec([ \t]+(number|no|#))?"
    r"|chart[ \t]*(number|no|num|id|#)|patient[ \t]+chart[ \t]*(number|no|#)?)"
)
_CONFIRM = re.compile(
    r"(?<![A-Za-z])(?:mrn|m\.r\.n\.?|medical[ \t]+record(?:[ \t]+(?:number|no|num|nbr|id|#))?"
    r"|med[ \t]*rec(?:[ \t]+(?:number|no|#))?|chart[ \t]*(?:number|no|num|id|#)"
    r"|patient[ \t]+chart[ \t]*(?:number|no|#)?)"
    # At least one separator: "MRN597467725" is one token (someone's id), not a label and a value.
    r"[ \t:#.]{1,6}(?P<value>[A-Za-z0-9][A-Za-z0-9-]{3,24})(?![A-Za-z0-9-])",
    re.IGNORECASE,
)

FAMILY = ElementFamily(
    name="medical_record_number",
    codes=("medical_record_number",),
    legal_category=HEALTH,
    fields=(
        FieldSpec(
            field="medical_record_number",
            element="medical_record_number",
            headers=synonyms(
                "mrn",
                "mrn_number",
                "mrn_id",
                "medical_record_number",
                "medical_record_no",
                "medical_record_num",
                "medical_record_id",
                "medical_record",
                "medical_records_number",
                "med_rec_number",
                "med_rec_no",
                "med_rec_num",
                "med_rec",
                "medrec",
                "medrec_number",
                "medrec_no",
                "mr_number",
                "mr_no",
                "chart_number",
                "chart_no",
                "chart_num",
                "chart_id",
                "patient_chart_number",
                "health_record_number",
                "emr_number",
                "emr_id",
                "ehr_number",
            ),
            normalise=normalise_mrn,
            polars_normalise=mrn_expression,
            header_tokens=frozenset({"mrn", "medrec"}),
            priority=64,
        ),
    ),
    text_patterns=(
        TextPattern(
            name="medical_record_number.labelled",
            kind="medical_record_number",
            scan=_LABEL,  # the label only: Python reads the value (bounded repeats slow the database build)
            confirm=_CONFIRM,
            normalise=normalise_mrn,
            caseless=True,
            confidence=0.9,
        ),
    ),
)
