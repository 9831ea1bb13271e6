"""Data for regulators' forms, filled from the case: the Maine Attorney General's breach form and the
HHS Office for Civil Rights breach portal. Fields only the organisation can answer stay blank, marked
``[to be completed]``, so nobody mistakes a blank for "none"."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

TO_COMPLETE = "[to be completed]"

# HHS breach portal "Type of Protected Health Information Involved" categories, by element code.
_HHS_PHI_TYPES = {
    "Clinical": ("medical_information", "medical_record_number"),
    "Demographic": (
        "name",
        "address",
        "date_of_birth",
        "ssn",
        "drivers_license",
        "email",
        "phone",
        "passport",
        "itin",
        "biometric",
    ),
    "Financial": ("financial_account", "payment_card", "health_insurance_id"),
    "Other": ("online_credentials",),
}
_MAINE_ELEMENTS = {
    "ssn": "Social Security Number",
    "drivers_license": "Driver's License Number or Non-Driver Identification Card Number",
    "financial_account": "Financial Account Number or Credit/Debit Card Number (in combination "
    "with security code, access code, password or PIN for the account)",
    "payment_card": "Financial Account "
    "Number or Credit/Debit Card Number (in combination with security code, access code, password or PIN for "
    "the account)",
    "online_credentials": "Account passwords or personal identification numbers or other access codes",
}


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else TO_COMPLETE


def maine_form(
    organisation: str,
    total_persons: int,
    maine_residents: int,
    elements: Sequence[str],
    breach_date: dt.date | None,
    discovery_date: dt.date | None,
    sample_letter: str,
    credit_monitoring: str,
) -> list[tuple[str, str]]:
    """The fields of the Maine AG's online breach notification form (Me. Rev. Stat. tit. 10, § 1348)."""
    acquired = sorted({_MAINE_ELEMENTS[c] for c in elements if c in _MAINE_ELEMENTS})
    return [
        ("Entity name", organisation),
        ("Type of organization", TO_COMPLETE),
        ("Total number of persons affected (including residents)", str(total_persons)),
        ("Total number of Maine residents affected", str(maine_residents)),
        ("Date(s) breach occurred", _date(breach_date)),
        ("Date breach discovered", _date(discovery_date)),
        ("Description of the breach", TO_COMPLETE),
        ("Information acquired - name or other personal identifier in combination with", "; ".join(acquired)),
        ("Type of notification", "Written"),
        ("Date(s) of consumer notification", TO_COMPLETE),
        ("Were identity theft protection services offered", "Yes" if credit_monitoring else TO_COMPLETE),
        ("Description of services offered", credit_monitoring or TO_COMPLETE),
        ("Copy of notice to affected Maine residents", sample_letter or TO_COMPLETE),
    ]


def hhs_form(
    covered_entities: Sequence[str],
    business_associate: str,
    hipaa_persons: int,
    elements: Sequence[str],
    breach_date: dt.date | None,
    discovery_date: dt.date | None,
    no_address: int,
    media_states: Sequence[str],
) -> list[tuple[str, str]]:
    """The fields of the HHS OCR breach portal report (45 CFR 164.408). A business associate's
    breach is reported by each covered entity whose data it held (164.410), naming the associate."""
    phi = [kind for kind, codes in _HHS_PHI_TYPES.items() if set(codes) & set(elements)]
    return [
        (
            "Breach affecting",
            "500 or More Individuals" if hipaa_persons >= 500 else "Fewer Than 500 Individuals",
        ),
        ("Report type", "Initial Breach Report"),
        ("Covered entity name", "; ".join(covered_entities) or TO_COMPLETE),
        ("Type of covered entity", TO_COMPLETE),
        ("Business associate involved", "Yes" if business_associate else "No"),
        ("Business associate name", business_associate),
        ("Breach start date", _date(breach_date)),
        ("Breach end date", _date(breach_date)),
        ("Discovery start date", _date(discovery_date)),
        ("Approximate number of individuals affected by the breach", str(hipaa_persons)),
        ("Type of breach", TO_COMPLETE),
        ("Location of breached information", TO_COMPLETE),
        ("Type of protected health information involved", "; ".join(phi)),
        ("Brief description of the breach", TO_COMPLETE),
        ("Safeguards in place prior to breach", TO_COMPLETE),
        ("Individual notice provided start date", TO_COMPLETE),
        # 45 CFR 164.404(d)(2): substitute notice when contact information is out of date for 10 or more
        ("Substitute notice required", "Yes" if no_address >= 10 else "No"),
        ("Media notice required", "Yes (" + ", ".join(media_states) + ")" if media_states else "No"),
    ]


def write_form(path: Path, fields: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["field", "value"])
        writer.writerows(fields)
    return path


def count_by_state(states: Mapping[str, str], person_ids: Sequence[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for person_id in person_ids:
        state = states.get(person_id, "")
        counts[state] = counts.get(state, 0) + 1
    return counts
