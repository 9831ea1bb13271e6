"""The words of one person's letter: addressee, salutation, and each section filled in.

Only masked identifiers ever reach a letter (an SSN as "ending in 6789"); the
elements are named in plain words (``ELEMENT_PLAIN_WORDS``), for that person only.
A minor's letter is addressed to their parent or guardian.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exposure.model import ELEMENT_CODES, ELEMENT_PLAIN_WORDS
from exposure.report.letters.templates import Template, template_for

# Elements for which laws ask letters to give the credit bureaus' contacts (identity theft risk).
IDENTITY_THEFT_ELEMENTS = frozenset(
    {"ssn", "itin", "drivers_license", "passport", "financial_account", "payment_card"}
)

CREDIT_BUREAUS = (
    ("Equifax", "P.O. Box 105788, Atlanta, GA 30348-5788", "1-888-298-0045", "www.equifax.com"),
    ("Experian", "P.O. Box 9554, Allen, TX 75013", "1-888-397-3742", "www.experian.com"),
    ("TransUnion", "P.O. Box 2000, Chester, PA 19016", "1-888-909-8872", "www.transunion.com"),
)


@dataclass(frozen=True)
class LetterSettings:
    """What only the organisation can say; placeholders in brackets until the case config fills them."""

    organisation: str = "[Organisation name]"
    return_address: str = "[Return address]"
    contact_phone: str = "[toll-free number]"
    contact_email: str = ""
    website: str = ""
    what_happened: str = ""
    what_we_are_doing: str = (
        "We secured our systems, notified law enforcement, and reviewed the files involved to identify the "
        "people whose information they contained."
    )
    credit_monitoring: str = ""  # e.g. "24 months of credit monitoring through ... (code ...)"
    signatory: str = ""
    letter_date: dt.date | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], organisation: str = "") -> LetterSettings:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "letter_date" in known and isinstance(known["letter_date"], str):
            known["letter_date"] = dt.date.fromisoformat(known["letter_date"])
        if organisation and "organisation" not in known:
            known["organisation"] = organisation
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Recipient:
    """One person, from the persons table, with what the letter may show."""

    person_id: str
    full_name: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    elements: tuple[str, ...]
    is_minor: bool
    ssn_last4: str = ""
    data_owners: tuple[str, ...] = ()

    @property
    def has_address(self) -> bool:
        return bool(self.address_line1 and self.city and self.state and self.postal_code)


@dataclass(frozen=True)
class LetterText:
    person_id: str
    template: Template
    addressee: str
    address_lines: tuple[str, ...]
    salutation: str
    title: str
    sections: tuple[tuple[str, str], ...]  # (heading, paragraph)
    credit_bureaus: bool
    elements_in_words: str
    closing: tuple[str, ...]
    date: str
    return_block: tuple[str, ...]


def plain_elements(codes: Sequence[str], ssn_last4: str = "") -> str:
    """``name, date of birth and Social Security number (ending in 6789)`` in contract order."""
    words = []
    for code in ELEMENT_CODES:
        if code in codes:
            text = ELEMENT_PLAIN_WORDS[code]
            if code == "ssn" and ssn_last4:
                text += f" (ending in {ssn_last4})"
            words.append(text)
    if len(words) <= 1:
        return "".join(words) or "personal information"
    return ", ".join(words[:-1]) + " and " + words[-1]


def letter_text(
    recipient: Recipient,
    jurisdictions: Sequence[str],
    settings: LetterSettings,
    breach_date: dt.date | None,
    discovery_date: dt.date | None,
) -> LetterText:
    template = template_for(jurisdictions)
    elements_in_words = plain_elements(recipient.elements, recipient.ssn_last4)
    addressee = f"Parent or Guardian of {recipient.full_name}" if recipient.is_minor else recipient.full_name
    values = {
        "organisation": settings.organisation,
        "elements": elements_in_words,
        "possessive": "your child's" if recipient.is_minor else "your",
        "breach_date": _long_date(breach_date) or "[date of the breach]",
        "discovery_date": _long_date(discovery_date) or "[date of discovery]",
        "what_happened": settings.what_happened or _default_what_happened(settings, breach_date),
        "what_we_are_doing": settings.what_we_are_doing,
        "what_you_can_do": _what_you_can_do(settings, recipient.is_minor),
        "more_information": _more_information(settings),
    }
    sections = tuple((s.heading, s.text.format(**values)) for s in template.sections)
    bureaus = template.credit_bureaus and bool(IDENTITY_THEFT_ELEMENTS & set(recipient.elements))
    city_line = f"{recipient.city}, {recipient.state} {recipient.postal_code}".strip(", ")
    address = tuple(line for line in (recipient.address_line1, recipient.address_line2, city_line) if line)
    return LetterText(
        person_id=recipient.person_id,
        template=template,
        addressee=addressee,
        address_lines=address,
        salutation=f"Dear {addressee}:",
        title=template.title,
        sections=sections,
        credit_bureaus=bureaus or "US-MA" in template.name,  # the freeze text points to the bureaus
        elements_in_words=elements_in_words,
        closing=("Sincerely,", settings.signatory or settings.organisation),
        date=_long_date(settings.letter_date) or "[date of mailing]",
        return_block=(settings.organisation, *settings.return_address.split("\n")),
    )


def _long_date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else ""


def _default_what_happened(settings: LetterSettings, breach_date: dt.date | None) -> str:
    when = f"On or about {_long_date(breach_date)}" if breach_date else "Recently"
    return (
        f"{when}, an unauthorized party obtained a copy of files from systems of {settings.organisation}. "
        "We reviewed those files to find whose information was in them, and are writing to you because "
        "some of yours was."
    )


def _what_you_can_do(settings: LetterSettings, minor: bool) -> str:
    offer = (
        f" We are offering {settings.credit_monitoring} at no cost to you."
        if settings.credit_monitoring
        else ""
    )
    whose = "your child's" if minor else "your"
    return (
        f"Remain vigilant: review {whose} account statements and credit reports, and report anything "
        "suspicious. You may place a fraud alert or a security freeze on a credit file free of charge by "
        "contacting the consumer reporting agencies. You can get a free credit report at "
        "www.annualcreditreport.com or 1-877-322-8228, and learn about identity theft from the Federal "
        f"Trade Commission at www.identitytheft.gov or 1-877-438-4338.{offer}"
    )


def _more_information(settings: LetterSettings) -> str:
    ways = [f"call {settings.contact_phone}"]
    if settings.contact_email:
        ways.append(f"e-mail {settings.contact_email}")
    if settings.website:
        ways.append(f"visit {settings.website}")
    address = settings.return_address.replace("\n", ", ")
    return f"If you have questions, please {', '.join(ways)}, or write to us at {address}."
