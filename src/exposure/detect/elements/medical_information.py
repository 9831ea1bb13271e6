"""Medical information: diagnoses, procedures, prescriptions and treatment.

CONTRACT.md: diagnoses, procedures, claims and prescriptions are ``medical_information``;
enrollment in a plan is ``health_insurance_id`` (its own family), and a provider's NPI is
never an element.

* ICD-10-CM diagnosis codes are checked against the real code set: the CMS code list that
  ships inside the ``simple-icd-10-cm`` package (MIT), read as a plain list (the package's
  own import parses a 10 MB XML tree, which we do not need). ``Z99.999`` is shaped like a
  code but is not one, and is rejected.
* Procedure (CPT / HCPCS / ICD-10-PCS) and drug (NDC) codes have no public list here; they
  count by their header or label and their shape only.
* Free text: dotted ICD-10-CM codes on their own, undotted ones beside ``Dx``/``ICD``/
  ``diagnosis``, NDCs beside ``NDC``, the value of a ``Diagnosis:``/``Rx:``/``Medications:``
  label, and terms of :data:`DIAGNOSIS_TERMS` beside words such as "diagnosed with".
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

import polars as pl

from exposure.detect.elements import (
    HEALTH,
    ElementFamily,
    FieldSpec,
    TextPattern,
    context_words,
    synonyms,
)

ICD10CM_PACKAGE = "simple_icd_10_cm"
_ICD_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?$")


@functools.cache
def icd10cm_codes() -> frozenset[str]:
    """Every ICD-10-CM category, subcategory and code (with 7th characters), undotted and upper-case."""
    spec = importlib.util.find_spec(ICD10CM_PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the ICD-10-CM code set is missing: install simple-icd-10-cm")
    lists = sorted((Path(spec.submodule_search_locations[0]) / "data").glob("code-list-*.txt"))
    if not lists:
        raise RuntimeError("the ICD-10-CM code set is missing from simple-icd-10-cm")
    codes: set[str] = set()
    for code_list in lists:
        for line in code_list.read_text(encoding="utf-8").splitlines():
            code = line.split(" ")[0].strip().replace(".", "").upper()
            # Chapters ("1") and blocks ("A00-A09") are headings, not codes; the list also carries a few
            # non-CM entries ("QA0...") that no ICD-10-CM code looks like.
            if _ICD_SHAPE.match(code):
                codes.add(code)
    return frozenset(codes)


def normalise_icd10cm(value: str) -> str:
    """The dotted code (``E11.9``) when ``value`` is in the ICD-10-CM code set, else "".

    >>> normalise_icd10cm("e119"), normalise_icd10cm("S72.001A"), normalise_icd10cm("Z99.999")
    ('E11.9', 'S72.001A', '')
    """
    compact = value.strip().upper().replace(".", "")
    if not _ICD_SHAPE.match(compact) or compact not in icd10cm_codes():
        return ""
    return f"{compact[:3]}.{compact[3:]}" if len(compact) > 3 else compact


@functools.cache
def _icd10cm_code_list() -> pl.Series:
    return pl.Series("codes", sorted(icd10cm_codes()), dtype=pl.String)


def icd10cm_cell_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_icd10cm_cell`."""
    parts = (
        column.str.strip_chars()
        .str.to_uppercase()
        .str.replace_all(_LIST_SEPARATORS.pattern, ";")
        .str.split(";")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    compact = pl.element().str.replace_all(r"\.", "")
    dotted = pl.concat_str([compact.str.slice(0, 3), pl.lit("."), compact.str.slice(3)])
    known = compact.str.contains(_ICD_SHAPE.pattern) & compact.is_in(_icd10cm_code_list().implode())
    codes = parts.list.eval(
        pl.when(known).then(pl.when(compact.str.len_chars() > 3).then(dotted).otherwise(compact))
    )
    all_known = codes.list.eval(pl.element().is_not_null()).list.all() & (codes.list.len() > 0)
    return pl.when(all_known).then(codes.list.join(";"))


_ICD_CELL_SHAPE = (
    r"^[A-Za-z][0-9][0-9A-Za-z]\.?[0-9A-Za-z]{0,4}(?:\s*[,;| ]\s*[A-Za-z][0-9][0-9A-Za-z.]{1,7})*$"
)
_LIST_SEPARATORS = re.compile(r"\s*[,;|]\s*|\s+")


def normalise_icd10cm_cell(value: str) -> str:
    """One or more codes of a diagnosis cell (``E11.9, I10``), all valid, joined by ``;``; else ""."""
    parts = [p for p in _LIST_SEPARATORS.split(value.strip()) if p]
    codes = [normalise_icd10cm(p) for p in parts]
    return ";".join(codes) if codes and all(codes) else ""


# ---- procedure and drug codes ---------------------------------------------------------------------

# CPT: five digits, or four and F/T/U (category II, III, PLA); HCPCS level II: a letter A-V and four
# digits; ICD-10-PCS: seven characters of digits and letters without I and O. An optional modifier.
PROCEDURE_SHAPE = r"^(?:\d{4}[0-9FTU]|[A-V]\d{4}|[0-9A-HJ-NP-Z]{7})(?:[- ][0-9A-Z]{2})?$"
_PROCEDURE_RE = re.compile(PROCEDURE_SHAPE)


def procedure_code_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_procedure_code`."""
    code = column.str.strip_chars().str.to_uppercase()
    shaped = code.str.contains(PROCEDURE_SHAPE) & ~code.str.contains(r"^[A-Z]+$")
    return pl.when(shaped).then(code.str.replace_all(" ", "-", literal=True))


def normalise_procedure_code(value: str) -> str:
    """``99213-25`` -> ``99213-25``; "" when not shaped like a CPT, HCPCS or ICD-10-PCS code."""
    code = value.strip().upper()
    if not _PROCEDURE_RE.match(code) or code.isalpha():
        return ""
    return code.replace(" ", "-")


# National Drug Code: 10 digits in 4-4-2, 5-3-2 or 5-4-1 groups, or the 11-digit 5-4-2 billing form.
_NDC_RE = re.compile(r"^(?:\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2}|\d{10,11})$")


def ndc_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_ndc`."""
    code = column.str.strip_chars()
    digits = code.str.replace_all("-", "", literal=True)
    varied = digits.str.strip_chars(digits.str.slice(0, 1)) != ""
    return pl.when(code.str.contains(_NDC_RE.pattern) & varied).then(code)


def normalise_ndc(value: str) -> str:
    """An NDC as written (dashes kept), or ""."""
    code = value.strip()
    return code if _NDC_RE.match(code) and len(set(code.replace("-", ""))) > 1 else ""


# ---- descriptions ---------------------------------------------------------------------------------

MAX_DESCRIPTION = 120
_PLACEHOLDERS = frozenset(
    {"none", "n/a", "na", "null", "nil", "unknown", "unk", "no", "yes", "y", "n", "true", "false", "-", "--",
     "see attached", "see above", "pending", "tbd", "other", "not applicable", "not available", "declined"}
)  # fmt: skip
_LETTERS = re.compile(r"[^\W\d_]")
_DATE_LIKE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
# Where a value written after a label ends: a wide gap, or the next "Label:" on the same line.
_VALUE_END = re.compile(r"\s{3,}|\t|\s+[A-Z][A-Za-z]*(?: [A-Za-z]+)?:")


def normalise_description(value: str) -> str:
    """A diagnosis, drug or treatment written in words (spaces collapsed, capped), or "".

    >>> normalise_description("Type 2 diabetes mellitus"), normalise_description("N/A")
    ('Type 2 diabetes mellitus', '')
    """
    text = " ".join(value.split())
    if len(_LETTERS.findall(text)) < 3 or text.lower() in _PLACEHOLDERS or _DATE_LIKE.match(text):
        return ""
    return text[:MAX_DESCRIPTION]


def description_expression(column: pl.Expr) -> pl.Expr:
    """Whole-column version of :func:`normalise_description`."""
    text = column.str.replace_all(r"\s+", " ").str.strip_chars()
    real = (
        (text.str.count_matches(_LETTERS.pattern) >= 3)
        & ~text.str.to_lowercase().is_in(sorted(_PLACEHOLDERS))
        & ~text.str.contains(_DATE_LIKE.pattern)
    )
    return pl.when(real).then(text.str.slice(0, MAX_DESCRIPTION))


def _labelled_value(value: str) -> str:
    return normalise_description(_VALUE_END.split(value, maxsplit=1)[0].strip(" .,;"))


# ---- diagnosis terms in text ----------------------------------------------------------------------

# Conditions whose mention beside a person discloses health information. Lower case; matched as
# whole words, caseless, and only beside words such as "diagnosed with" (DIAGNOSIS_CONTEXT).
DIAGNOSIS_TERMS: tuple[str, ...] = (
    "diabetes", "diabetic", "hypertension", "hiv", "cancer", "carcinoma", "leukemia", "lymphoma", "melanoma",
    "tumor", "tumour", "depression", "major depressive disorder", "anxiety disorder", "bipolar disorder",
    "schizophrenia", "ptsd", "post-traumatic stress disorder", "adhd", "autism", "asthma", "copd",
    "hepatitis", "tuberculosis", "dementia", "alzheimer's disease", "alzheimer's", "parkinson's disease",
    "parkinson's", "multiple sclerosis", "epilepsy", "stroke", "heart failure", "coronary artery disease",
    "myocardial infarction", "chronic kidney disease", "kidney disease", "renal failure", "end-stage renal",
    "cirrhosis", "opioid use disorder", "substance use disorder", "alcohol use disorder", "alcoholism",
    "addiction", "pregnancy", "pregnant", "obesity", "covid-19", "syphilis", "gonorrhea", "chlamydia",
    "herpes", "sickle cell", "cystic fibrosis", "lupus", "rheumatoid arthritis", "crohn's disease",
    "ulcerative colitis", "anorexia", "bulimia", "eating disorder", "sleep apnea", "infertility",
    "chemotherapy", "radiation therapy", "dialysis", "mental illness", "suicidal ideation",
)  # fmt: skip
DIAGNOSIS_CONTEXT = context_words(
    "diagnosed", "diagnosis", "diagnoses", "dx", "history of", "hx of", "h/o", "treated for",
    "treatment for", "treatment of", "treating", "suffers from", "suffering from", "positive for",
    "living with", "presents with", "presented with", "being treated", "medical history", "condition",
    "prescribed", "managing", "patient has", "patient with", "admitted for", "admitted with", "undergoing",
    "receiving", "screening", "screened",
)  # fmt: skip
_TERMS = "|".join(re.escape(t).replace(r"\ ", " ") for t in DIAGNOSIS_TERMS)

_ICD_CONTEXT_WORDS = context_words(
    "dx",
    "diagnosis",
    "diagnoses",
    "diag",
    "icd",
    "icd10",
    "icd-10",
    "icd-10-cm",
    "icd10cm",
    "diagnosis code",
    "dx code",
    "dx codes",
    "diagnosis codes",
    "primary dx",
    "secondary dx",
)
# After a first code, the next one of a list ("Dx: E11.9, I10") has only a separator before it.
_ICD_CONTEXT = re.compile(rf"{_ICD_CONTEXT_WORDS.pattern}|^[\s,;/&]*(?:and\s+)?$", re.IGNORECASE)
_ICD_LABEL = r"dx|diag|diagnosis|diagnoses|icd|icd-?10|icd-?10-?cm"
_ICD_LABEL_GAP = r"(?i:[ \t]*(?:code|codes|cd))?[ \t]*[:#=-]?[ \t]*"
_UNDOTTED = r"[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}(?![A-Za-z0-9-]|\.[0-9A-Za-z])"
# A word right before a code-shaped token saying it numbers something else ("Section A01.1", "Room
# B12.3"): anchored at the token, so a surname "Page" on the line before does not count.
_NOT_A_DIAGNOSIS = re.compile(
    r"(?<![A-Za-z])(?:version|ver|v|section|sec|rule|room|rm|suite|ste|part|model|item|sku|lot|form|table"
    r"|figure|fig|page|step|unit|apt|flight|gate|seat|route|serial|order|invoice)\.?[ \t]*(?:no\.?|number|#)?"
    r"[ \t:#.]*$",
    re.IGNORECASE,
)
_NDC_LABEL = r"ndc|national[ \t]+drug[ \t]+code"
_NDC_GAP = r"(?i:[ \t]*(?:code|number|no|#)s?)?[ \t]*[:#=-]?[ \t]*"
_NDC_VALUE = r"\d{4,5}-\d{3,4}-\d{1,2}|\d{10,11}"

_MEDICAL_LABELS = (
    r"(primary[ \t]+|secondary[ \t]+|admitting[ \t]+|discharge[ \t]+|working[ \t]+)?(diagnosis|diagnoses|dx)"
    r"|medications?|current[ \t]+medications?|prescriptions?|prescribed|rx|allergies|chief[ \t]+complaint"
    r"|reason[ \t]+for[ \t]+visit|medical[ \t]+conditions?|health[ \t]+conditions?|medical[ \t]+history"
    r"|treatment[ \t]+plan|treatment|procedure[ \t]+performed"
)
_MEDICAL_LABEL_RE = re.compile(
    r"(?<![A-Za-z])(?:primary[ \t]+|secondary[ \t]+|admitting[ \t]+|discharge[ \t]+|working[ \t]+)?"
    r"(?:diagnosis|diagnoses|dx)"
    r"|(?<![A-Za-z])(?:medications?|current[ \t]+medications?|prescriptions?|prescribed|rx|allergies"
    r"|chief[ \t]+complaint|reason[ \t]+for[ \t]+visit|medical[ \t]+conditions?|health[ \t]+conditions?"
    r"|medical[ \t]+history|treatment[ \t]+plan|treatment|procedure[ \t]+performed)",
    re.IGNORECASE,
)
_LABELLED_CONFIRM = re.compile(
    rf"(?:{_MEDICAL_LABEL_RE.pattern})[ \t]*:[ \t]*(?P<value>[^\W\d_]{{2}}[^\r\n]{{1,200}})", re.IGNORECASE
)


def _icd_pattern(
    name: str, scan: str, confirm: str, context_required: bool, confidence: float
) -> TextPattern:
    return TextPattern(
        name=f"medical_information.{name}",
        kind="medical_information",
        scan=scan,
        confirm=re.compile(confirm),
        normalise=normalise_icd10cm,
        context=_ICD_CONTEXT,
        context_before=30,
        context_required=context_required,
        context_confidence=0.95,
        negative_context=_NOT_A_DIAGNOSIS,
        negative_before=12,
        confidence=confidence,
    )


FAMILY = ElementFamily(
    name="medical_information",
    codes=("medical_information",),
    legal_category=HEALTH,
    fields=(
        FieldSpec(
            field="diagnosis_code",
            element="medical_information",
            headers=synonyms(
                "diagnosis_code",
                "diagnosis_codes",
                "diagnosis",
                "diagnoses",
                "dx",
                "dx_code",
                "dx_codes",
                "diag",
                "diag_code",
                "diag_cd",
                "dx_cd",
                "icd",
                "icd10",
                "icd_10",
                "icd10_code",
                "icd_10_code",
                "icd10cm",
                "icd_10_cm",
                "icd_code",
                "icd_cd",
                "primary_diagnosis",
                "primary_dx",
                "principal_diagnosis",
                "admitting_diagnosis",
                "secondary_diagnosis",
            ),
            normalise=normalise_icd10cm_cell,
            polars_normalise=icd10cm_cell_expression,
            shape=_ICD_CELL_SHAPE,
            header_tokens=frozenset({"icd", "icd10", "dx", "diagnosis", "diagnoses", "diag"}),
            min_valid_share=0.5,
            priority=70,
        ),
        FieldSpec(
            field="procedure_code",
            element="medical_information",
            headers=synonyms(
                "procedure_code",
                "procedure_codes",
                "proc_code",
                "proc_cd",
                "px_code",
                "cpt",
                "cpt_code",
                "cpt4",
                "cpt_4",
                "hcpcs",
                "hcpcs_code",
                "hcpcs_cd",
                "icd10_pcs",
                "icd_10_pcs",
                "pcs_code",
                "service_code",
                "procedure",
            ),
            normalise=normalise_procedure_code,
            polars_normalise=procedure_code_expression,
            shape=PROCEDURE_SHAPE.replace("[0-9A-Z]", "[0-9A-Za-z]"),
            header_tokens=frozenset({"cpt", "hcpcs"}),
            priority=71,
        ),
        FieldSpec(
            field="drug_code",
            element="medical_information",
            headers=synonyms(
                "ndc", "ndc_code", "ndc_number", "ndc11", "ndc_11", "ndc10", "national_drug_code", "drug_code"
            ),
            normalise=normalise_ndc,
            polars_normalise=ndc_expression,
            shape=r"^[\d-]{10,13}$",
            header_tokens=frozenset({"ndc"}),
            priority=72,
        ),
        FieldSpec(
            field="medical_description",
            element="medical_information",
            headers=synonyms(
                "diagnosis",
                "diagnoses",
                "dx",
                "diagnosis_description",
                "diagnosis_desc",
                "diagnosis_name",
                "dx_description",
                "dx_desc",
                "primary_diagnosis",
                "secondary_diagnosis",
                "admitting_diagnosis",
                "principal_diagnosis",
                "condition",
                "conditions",
                "medical_condition",
                "medical_conditions",
                "health_condition",
                "health_conditions",
                "chronic_conditions",
                "medical_history",
                "medication",
                "medications",
                "medication_name",
                "current_medications",
                "meds",
                "drug",
                "drug_name",
                "drug_description",
                "prescription",
                "prescriptions",
                "rx",
                "rx_name",
                "treatment",
                "treatments",
                "treatment_plan",
                "procedure",
                "procedure_description",
                "procedure_desc",
                "procedure_name",
                "allergies",
                "allergy",
                "chief_complaint",
                "reason_for_visit",
                "visit_reason",
                "lab_result",
                "lab_results",
                "test_result",
                "disability",
                "immunizations",
                "vaccinations",
                "icd10_description",
            ),
            normalise=normalise_description,
            polars_normalise=description_expression,
            header_tokens=frozenset({"diagnosis", "diagnoses", "medication", "medications", "prescription"}),
            min_valid_share=0.5,
            priority=73,
        ),
    ),
    text_patterns=(
        _icd_pattern(
            "icd10cm.dotted",
            r"[A-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}",
            r"(?<![A-Za-z0-9.])[A-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4}(?![A-Za-z0-9]|\.[0-9A-Za-z])",
            context_required=False,
            confidence=0.8,
        ),
        TextPattern(
            # Undotted codes only right after a diagnosis label: a scan for every letter-digit-digit run
            # would make a candidate of every part number in a document.
            name="medical_information.icd10cm.labelled",
            kind="medical_information",
            scan=rf"(?i:{_ICD_LABEL}){_ICD_LABEL_GAP}[A-Z][0-9][0-9A-Z]",
            confirm=re.compile(rf"(?<![A-Za-z])(?i:{_ICD_LABEL}){_ICD_LABEL_GAP}(?P<value>{_UNDOTTED})"),
            normalise=normalise_icd10cm,
            confidence=0.9,
        ),
        _icd_pattern(
            # The next codes of a list ("Dx: E119, I10"): context is the label, or the code just before.
            "icd10cm.list",
            r"[,;&/][ \t]*[A-Z][0-9][0-9A-Z]",
            rf"[,;&/][ \t]*(?P<value>{_UNDOTTED})",
            context_required=True,
            confidence=0.9,
        ),
        TextPattern(
            # Anchored at the "NDC" label: a scan for every 10-11 digit number would make a candidate of
            # each phone, order and tracking number.
            name="medical_information.ndc",
            kind="medical_information",
            scan=rf"(?i:{_NDC_LABEL}){_NDC_GAP}({_NDC_VALUE})",
            confirm=re.compile(
                rf"(?<![A-Za-z])(?i:{_NDC_LABEL}){_NDC_GAP}(?P<value>(?:{_NDC_VALUE}))(?![\d-])"
            ),
            normalise=normalise_ndc,
            confidence=0.9,
        ),
        TextPattern(
            name="medical_information.labelled",
            kind="medical_information",
            scan=rf"({_MEDICAL_LABELS})[ \t]*:[ \t]*[^\r\n]{{3}}",
            confirm=_LABELLED_CONFIRM,
            normalise=_labelled_value,
            caseless=True,
            confidence=0.85,
        ),
        TextPattern(
            name="medical_information.term",
            kind="medical_information",
            scan=rf"({_TERMS})",
            confirm=re.compile(rf"(?<![A-Za-z])(?:{_TERMS})(?![A-Za-z])", re.IGNORECASE),
            normalise=lambda term: term.lower(),
            context=DIAGNOSIS_CONTEXT,
            context_before=40,
            caseless=True,
            confidence=0.8,
        ),
    ),
)
