"""What the stolen file share holds: which files, in which folders, naming whom.

The share belongs to a small vendor, Harborline Data Services, that processes data
for two clients (the data owners) and keeps its own HR files next to theirs. Each
``*_file`` function writes one kind of file and is the single place that decides
its columns and how names, dates and SSNs are spelled there. The CSV and text kinds
are here (``BATCH_FILES``); the other formats (XLSX, PDF, X12 ...) are in the
``kinds*`` modules, registered by format name in ``kinds.FORMAT_KINDS``: to add a
format, write one more ``*_files(batch)`` function there and register it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from faker import Faker

from exposure.demo.documents import (
    FAILED,
    SKIPPED,
    Doc,
    TableBuilder,
    TextBuilder,
    encrypted_zip_doc,
    gzip_doc,
    tar_gz_doc,
    truncated_zip_doc,
    zip_doc,
)
from exposure.demo.people import (
    DOB_MISSING,
    DOB_SWAP,
    HYPHENATED,
    NICKNAME,
    OLDER_FILE_VARIANTS,
    SEGMENT_LAKESIDE,
    SEGMENT_OCEANVIEW,
    SEGMENT_STAFF,
    SURNAME_TYPO,
    Household,
    PeopleFactory,
    Person,
    Written,
    build_population,
    first_last,
    full_display,
    initial,
    last_comma_first_mi,
    masked_ssn,
    phone_as,
    plan_variants,
    short_us_date,
    ssn_digits,
    truth_written,
    us_date,
    written_as,
)

OCEANVIEW_NAME = "Oceanview Life & Annuity"
LAKESIDE_NAME = "Lakeside Health Partners"
VENDOR_DOMAIN = "harborline-data.example"

OCEANVIEW_DIR = "clients/oceanview"
LAKESIDE_DIR = "clients/lakeside"

# People who are in an unreadable file only: the tool cannot list them.
UNREADABLE_SECURE = "unreadable_secure"
UNREADABLE_CORRUPT = "unreadable_corrupt"

ROSTER_COLUMNS = [
    "member_id", "first_name", "last_name", "dob", "ssn", "address", "city", "state", "zip", "email", "phone",
]  # fmt: skip
ROSTER_ELEMENTS = {
    "first_name": "name", "last_name": "name", "dob": "date_of_birth", "ssn": "ssn",
    "address": "address", "email": "email", "phone": "phone",
}  # fmt: skip


@dataclass
class Batch:
    """One population and one full set of files; ``files_per_kind`` batches scale the corpus."""

    index: int
    suffix: str  # "" for a single batch, "_002" ... otherwise, before the extension
    rng: random.Random
    fake: Faker
    households: list[Household]
    ids: dict[tuple[str, str], str] = field(default_factory=dict)  # (prefix, truth_id) -> id
    used_ids: set[str] = field(default_factory=set)
    # The newer file kinds (kinds*.py) draw from their own generator, so adding or leaving out a
    # format never changes the bytes of the CSV and text files, nor the next batch's people.
    formats_rng: random.Random = field(default_factory=random.Random)
    variant_written: set[str] = field(default_factory=set)  # truth ids whose variant a file already wrote

    def spell(self, person: Person, variants: frozenset[str]) -> Written:
        """How this file writes ``person``: their variant when it is one of ``variants`` and no
        earlier file wrote it (a variant appears in one source only), else the truth."""
        if person.variant in variants and person.truth_id not in self.variant_written:
            self.variant_written.add(person.truth_id)
            return written_as(person, person.variant)
        return truth_written(person)

    def named(self, path: str) -> str:
        """``a/b.tar.gz`` -> ``a/b_002.tar.gz`` so each batch's files sit beside the others."""
        folder, _, file_name = path.rpartition("/")
        stem, dot, extension = file_name.partition(".")
        renamed = f"{stem}{self.suffix}{dot}{extension}"
        return f"{folder}/{renamed}" if folder else renamed

    def people(self, segment: str) -> list[Person]:
        return [p for h in self.households if h.segment == segment for p in h.members]

    def households_of(self, segment: str) -> list[Household]:
        return [h for h in self.households if h.segment == segment]

    def sample(self, people: Sequence[Person], fraction: float, minimum: int = 1) -> list[Person]:
        count = min(len(people), max(minimum, round(len(people) * fraction)))
        chosen = self.rng.sample(list(people), count)
        return sorted(chosen, key=lambda p: p.truth_id)

    def member_id(self, person: Person, prefix: str) -> str:
        """The person's id in one owner's system, stable across that owner's files and never shared."""
        key = (prefix, person.truth_id)
        if key not in self.ids:
            value = f"{prefix}{self.rng.randint(1_000_000, 9_999_999)}"
            while value in self.used_ids:
                value = f"{prefix}{self.rng.randint(1_000_000, 9_999_999)}"
            self.ids[key] = value
            self.used_ids.add(value)
        return self.ids[key]


def new_batch(index: int, suffix: str, factory: PeopleFactory, size: int, seed: int = 0) -> Batch:
    households = build_population(factory, size)
    assign_segments(households, factory.rng)
    plan_variants(households, f"{seed}/{index}")  # its own generators: the people stay who they were
    return Batch(
        index,
        suffix,
        factory.rng,
        factory.fake,
        households,
        used_ids=factory.used_ids,
        formats_rng=random.Random(f"formats/{seed}/{index}"),  # a str seed hashes the same on every run
    )


def assign_segments(households: list[Household], rng: random.Random) -> None:
    """Decide whose customer each household is; the special households go where they test most."""
    jr_sr, twins, turning_18, *others = households
    jr_sr.segment = twins.segment = SEGMENT_OCEANVIEW
    turning_18.segment = SEGMENT_STAFF
    for household in others:
        roll = rng.random()
        household.segment = (
            SEGMENT_OCEANVIEW if roll < 0.42 else SEGMENT_LAKESIDE if roll < 0.78 else SEGMENT_STAFF
        )
    singles = [h for h in others if len(h.members) == 1 and h.members[0].is_adult]
    for household in singles[:4]:
        household.segment = UNREADABLE_SECURE
    for household in singles[4:6]:
        household.segment = UNREADABLE_CORRUPT
    for household in households:
        if household.segment == SEGMENT_STAFF:
            household.members[0].role = "employee"
            for member in household.members[1:]:
                member.role = "dependent"


def build_batch(batch: Batch, formats: Collection[str] | None = None) -> list[Doc]:
    """Every top-level file of one batch, paths relative to the input root.

    The CSV and text kinds of ``BATCH_FILES`` always; then the kinds of ``kinds.FORMAT_KINDS``
    named in ``formats`` (None: all of them).
    """
    from exposure.demo.kinds import format_files  # kinds modules import this one: import when called

    docs: list[Doc] = []
    for build in BATCH_FILES:
        docs.extend(build(batch))
    docs.extend(format_files(batch, formats))
    return docs


# ---- Oceanview: a life insurer --------------------------------------------------


# Which variants each file may write: older files (archives of past years) the maiden names and old
# addresses; current files the nicknames, typos and birth-date slips. A file without an SSN column
# never drops the birth date, so every variant mention stays linkable.
MAINFRAME_VARIANTS = frozenset({NICKNAME, SURNAME_TYPO, DOB_MISSING})
POLICYHOLDER_VARIANTS = frozenset({NICKNAME, SURNAME_TYPO, DOB_MISSING, HYPHENATED})
PAYROLL_VARIANTS = frozenset({NICKNAME, DOB_MISSING})
CLAIMS_VARIANTS = frozenset({NICKNAME, SURNAME_TYPO, DOB_SWAP, HYPHENATED})
ORDERS_VARIANTS = frozenset({NICKNAME, DOB_SWAP})
CRM_VARIANTS = frozenset({NICKNAME, DOB_SWAP, HYPHENATED})
NOTE_VARIANTS = frozenset({NICKNAME})


def oceanview_files(batch: Batch) -> list[Doc]:
    households = batch.households_of(SEGMENT_OCEANVIEW)
    in_roster, in_enrollment = _split_households(batch, households, 0.65, keep_first=2)
    members = [p for h in households for p in h.members]
    docs = [
        member_roster_file(batch, f"{OCEANVIEW_DIR}/members/member_roster.csv", in_roster),
        enrollment_zip(batch, in_enrollment),
        eligibility_masked_file(batch, batch.sample(members, 0.2, 4)),
        mainframe_extract_file(batch, batch.sample(members, 0.3, 4) + _jr_sr(members)),
        encrypted_member_zip(batch, batch.people(UNREADABLE_SECURE) + batch.sample(members, 0.02, 3)),
    ]
    adults = [p for p in members if p.is_adult]
    letter_people = unique_people(batch.sample(adults, 0.12, 4) + _jr_sr(members))
    docs += [letter_file(batch, person, n) for n, person in enumerate(letter_people)]
    return docs


def _split_households(
    batch: Batch, households: list[Household], share: float, keep_first: int = 0
) -> tuple[list[Person], list[Person]]:
    """Split households (never a family) between two files; the first ``keep_first`` stay in the first."""
    fixed, rest = households[:keep_first], households[keep_first:]
    first, second = list(fixed), []
    for household in rest:
        (first if batch.rng.random() < share else second).append(household)
    return [p for h in first for p in h.members], [p for h in second for p in h.members]


def _jr_sr(people: list[Person]) -> list[Person]:
    return [p for p in people if p.tags & {"junior", "senior"}]


def unique_people(people: list[Person]) -> list[Person]:
    return sorted({p.truth_id: p for p in people}.values(), key=lambda p: p.truth_id)


def member_roster_file(batch: Batch, path: str, people: list[Person], fixtures: bool = True) -> Doc:
    table = TableBuilder(ROSTER_COLUMNS, ROSTER_ELEMENTS)
    if fixtures:  # the row every system keeps for testing; not a person
        table.add(
            {
                "member_id": "OV0000001",
                "first_name": "John",
                "last_name": "Doe",
                "dob": "1970-01-01",
                "ssn": "123-45-6789",
                "address": "123 Main St",
                "city": "Anytown",
                "state": "NY",
                "zip": "10001",
                "email": "john.doe@example.com",
                "phone": "555-555-5555",
            }
        )
    for person in people:
        table.add(roster_row(batch, person), person)
    return table.doc(batch.named(path))


def roster_row(batch: Batch, person: Person) -> dict[str, str]:
    """A person as Oceanview's member roster writes them (ROSTER_COLUMNS)."""
    return {
        "member_id": batch.member_id(person, "OV"),
        "first_name": person.first_name,  # no middle name here: a variant the resolver must join
        "last_name": person.last_name,
        "dob": person.date_of_birth.isoformat(),
        "ssn": person.ssn,
        "address": person.address_line1,
        "city": person.city,
        "state": person.state,
        "zip": person.postal_code,
        "email": person.email,
        "phone": phone_as(person, 1),
    }


def enrollment_zip(batch: Batch, people: list[Person]) -> Doc:
    """A zip of quarterly enrollment CSVs with their own header words."""
    halves = (people[0::2], people[1::2])
    members = [enrollment_csv(batch, f"enrollment/q{n}_2023.csv", half) for n, half in enumerate(halves, 1)]
    return zip_doc(batch.named(f"{OCEANVIEW_DIR}/archive/enrollment_2023.zip"), members)


def enrollment_csv(batch: Batch, name: str, people: list[Person]) -> Doc:
    table = TableBuilder(
        ["subscriber_id", "last_name", "first_name", "middle_name", "birth_date", "ssn", "street", "city",
         "st", "zip", "home_phone", "email_address", "relationship"],
        {"last_name": "name", "first_name": "name", "birth_date": "date_of_birth", "ssn": "ssn",
         "street": "address", "home_phone": "phone", "email_address": "email"},
    )  # fmt: skip
    for person in people:
        written = batch.spell(person, OLDER_FILE_VARIANTS)
        table.add(
            {
                "subscriber_id": batch.member_id(person, "OV"),
                "last_name": written.last_name,
                "first_name": written.first_name,
                "middle_name": person.middle_name,
                "birth_date": us_date(person.date_of_birth),
                "ssn": person.ssn,
                "street": written.address_line1,
                "city": written.city,
                "st": written.state,
                "zip": written.postal_code,
                "home_phone": phone_as(person, 0),
                "email_address": person.email,
                "relationship": {"primary": "self", "spouse": "spouse"}.get(person.role, "child"),
            },
            person,
            variant=written.variant,
        )
    return table.doc(name)


def eligibility_masked_file(batch: Batch, people: list[Person]) -> Doc:
    """Half the SSNs masked to the last four: those rows expose name and DOB, not an SSN."""
    table = TableBuilder(
        ["policy_number", "first_name", "last_name", "dob", "ssn", "product", "effective_date"],
        {"first_name": "name", "last_name": "name", "dob": "date_of_birth", "ssn": "ssn"},
    )
    for person in people:
        masked = batch.rng.random() < 0.5
        table.add(
            {
                "policy_number": batch.member_id(person, "OV"),
                "first_name": person.first_name,
                "last_name": person.last_name,
                "dob": person.date_of_birth.isoformat(),
                "ssn": masked_ssn(person) if masked else person.ssn,
                "product": batch.rng.choice(["TERM20", "WL100", "FIA7", "VA-PLUS"]),
                "effective_date": _recent_date(batch).isoformat(),
            },
            person,
        )
    return table.doc(batch.named(f"{OCEANVIEW_DIR}/members/eligibility_2024.csv"))


def mainframe_extract_file(batch: Batch, people: list[Person]) -> Doc:
    """A pipe-delimited .dat from a mainframe job: upper case, SSN without dashes, CRLF."""
    table = TableBuilder(
        ["MBR_ID", "LAST_NAME", "FIRST_NAME", "MIDDLE_INIT", "NAME_SFX", "BIRTH_DT", "SSN", "ADDR_LINE_1",
         "CITY", "ST", "ZIP5"],
        {"LAST_NAME": "name", "FIRST_NAME": "name", "BIRTH_DT": "date_of_birth", "SSN": "ssn",
         "ADDR_LINE_1": "address"},
        delimiter="|",
        line_end="\r\n",
    )  # fmt: skip
    for person in unique_people(people):
        written = batch.spell(person, MAINFRAME_VARIANTS)
        table.add(
            {
                "MBR_ID": batch.member_id(person, "OV"),
                "LAST_NAME": written.last_name.upper(),
                "FIRST_NAME": written.first_name.upper(),
                "MIDDLE_INIT": initial(person.middle_name).upper(),
                "NAME_SFX": person.suffix.upper(),
                "BIRTH_DT": written.date_of_birth.strftime("%Y%m%d") if written.date_of_birth else "",
                "SSN": ssn_digits(person),
                "ADDR_LINE_1": person.address_line1.upper(),
                "CITY": person.city.upper(),
                "ST": person.state,
                "ZIP5": person.postal_code,
            },
            person,
            variant=written.variant,
        )
    return table.doc(batch.named(f"{OCEANVIEW_DIR}/export/members_extract.dat"), encoding="cp1252")


def encrypted_member_zip(batch: Batch, people: list[Person]) -> Doc:
    roster = member_roster_file(batch, "members_secure.csv", unique_people(people), fixtures=False)
    roster.name = "members_secure.csv"  # archive members keep their own names in every batch
    return encrypted_zip_doc(batch.named(f"{OCEANVIEW_DIR}/secure/members_secure.zip"), [roster], batch.rng)


def letter_file(batch: Batch, person: Person, number: int) -> Doc:
    """One letter to one person: address block, salutation, SSN (or its last four) and DOB."""
    text = TextBuilder()
    text.add(OCEANVIEW_NAME, "PO Box 4410", "Portland, OR 97208", "")
    text.add(_recent_date(batch).strftime("%B %d, %Y"), "")
    name_line = text.add(full_display(person).upper())
    text.add(person.address_line1.upper(), f"{person.city.upper()}, {person.state} {person.postal_code}", "")
    text.add(f"Re: Contract {batch.member_id(person, 'OV')}", "")
    salutation = f"{person.first_name} {person.last_name}{' ' + person.suffix + '.' if person.suffix else ''}"
    text.add(f"Dear {salutation},", "")
    text.add("We are writing to confirm the information we hold for your contract. Please review it.", "")
    elements = {"name", "address", "date_of_birth"}
    if batch.rng.random() < 0.7:
        text.add(f"SSN: {person.ssn}")
        elements.add("ssn")
    else:  # the last four only: recognises the person, exposes no SSN
        text.add(f"Social Security number ending in {person.ssn[-4:]}")
    text.add(f"Date of birth: {us_date(person.date_of_birth)}", "")
    text.add(
        "If anything is wrong, call Policy Services at 1-800-555-0142.",
        "",
        "Sincerely,",
        "",
        "Mark Ellison",
        "Policy Services, " + OCEANVIEW_NAME,
    )
    text.mention(name_line, person, elements)
    member = batch.member_id(person, "OV")
    return text.doc(f"{OCEANVIEW_DIR}/letters/{batch.named('2024-02')}/letter_{member}_{number:03d}.txt")


# ---- Lakeside: a health plan -----------------------------------------------------


def lakeside_files(batch: Batch) -> list[Doc]:
    households = batch.households_of(SEGMENT_LAKESIDE)
    in_policy, rest = _split_households(batch, households, 0.55)
    in_history, in_claims = _split_households(batch, _households_of_people(batch, rest), 0.55)
    members = [p for h in households for p in h.members]
    also_oceanview = batch.sample([p for p in batch.people(SEGMENT_OCEANVIEW) if p.is_adult], 0.06, 2)
    claims = claims_contacts_file(batch, f"{LAKESIDE_DIR}/reports/claims_contacts.csv", in_claims)
    adults = [p for p in members if p.is_adult]
    docs = [
        policyholders_file(batch, in_policy + also_oceanview),
        history_zip(batch, in_history),
        claims,
        _copy(claims, batch.named("exports/old/claims_contacts.csv")),
        orders_file(batch, batch.sample(adults, 0.2, 4)),
    ]
    docs += [case_note_file(batch, person, n) for n, person in enumerate(batch.sample(members, 0.08, 3))]
    docs.append(training_patient_note(batch))
    return docs


def _households_of_people(batch: Batch, people: list[Person]) -> list[Household]:
    ids = {p.household_id for p in people}
    return [h for h in batch.households if h.household_id in ids]


def _copy(doc: Doc, path: str) -> Doc:
    """The same bytes in another folder: two documents with identical content."""
    return Doc(path, doc.data, list(doc.mentions), format=doc.format)


def policyholders_file(batch: Batch, people: list[Person]) -> Doc:
    table = TableBuilder(
        ["policy_number", "insured_name", "date_of_birth", "ssn", "mailing_address", "city", "state", "zip",
         "email", "phone", "annual_premium"],
        {"insured_name": "name", "date_of_birth": "date_of_birth", "ssn": "ssn", "mailing_address": "address",
         "email": "email", "phone": "phone"},
    )  # fmt: skip
    rows = [(p, batch.spell(p, POLICYHOLDER_VARIANTS)) for p in people]
    fixture_at = batch.rng.randint(0, len(rows))
    rows.insert(fixture_at, (None, None))
    for person, written in rows:
        if person is None:  # a QA row left in production
            table.add(
                {
                    "policy_number": "LHP-0000000",
                    "insured_name": "PATIENT, TEST",
                    "date_of_birth": "01/01/1900",
                    "ssn": "078-05-1120",
                    "mailing_address": "1 Test Way",
                    "city": "Testville",
                    "state": "MN",
                    "zip": "55555",
                }
            )
            continue
        table.add(
            {
                "policy_number": batch.member_id(person, "LHP-"),
                "insured_name": last_comma_first_mi(written, upper=True),
                "date_of_birth": us_date(written.date_of_birth) if written.date_of_birth else "",
                "ssn": person.ssn,
                "mailing_address": person.address_line1,
                "city": person.city,
                "state": person.state,
                "zip": person.postal_code,
                "email": person.email,
                "phone": phone_as(person, batch.rng.randint(0, 4)),
                "annual_premium": f"{batch.rng.uniform(300, 9000):.2f}",
            },
            person,
            variant=written.variant,
        )
    return table.doc(batch.named(f"{LAKESIDE_DIR}/policies/policyholders.csv"))


def history_zip(batch: Batch, people: list[Person]) -> Doc:
    """A zip holding a readme and another zip: the nested case."""
    table = TableBuilder(
        ["Policy No", "Insured First", "Insured Last", "DOB", "SSN", "Address", "City", "State", "Zip"],
        {"Insured First": "name", "Insured Last": "name", "DOB": "date_of_birth", "SSN": "ssn",
         "Address": "address"},
    )  # fmt: skip
    for person in people:
        written = batch.spell(person, OLDER_FILE_VARIANTS)
        table.add(
            {
                "Policy No": batch.member_id(person, "LHP-"),
                "Insured First": f"{person.first_name} {initial(person.middle_name)}".strip(),
                "Insured Last": written.last_name,
                "DOB": person.date_of_birth.isoformat(),
                "SSN": person.ssn,
                "Address": written.address_line1,
                "City": written.city,
                "State": written.state,
                "Zip": written.postal_code,
            },
            person,
            variant=written.variant,
        )
    inner = zip_doc("2022/policyholders_2022.zip", [table.doc("policyholders_2022.csv")])
    readme = Doc("README.txt", b"Policy history exports, one zip per year. Retention: 7 years.\n")
    return zip_doc(batch.named(f"{LAKESIDE_DIR}/archive/history.zip"), [readme, inner])


def claims_contacts_file(batch: Batch, path: str, people: list[Person]) -> Doc:
    table = TableBuilder(
        ["claim_number", "claimant_first", "claimant_middle", "claimant_last", "claimant_dob",
         "claimant_email", "claimant_phone"],
        {"claimant_first": "name", "claimant_last": "name", "claimant_dob": "date_of_birth",
         "claimant_email": "email", "claimant_phone": "phone"},
    )  # fmt: skip
    for person in people:
        written = batch.spell(person, CLAIMS_VARIANTS)
        table.add(
            {
                "claim_number": f"CLM{batch.rng.randint(10_000_000, 99_999_999)}",
                "claimant_first": written.first_name,
                "claimant_middle": initial(person.middle_name),
                "claimant_last": written.last_name,
                "claimant_dob": short_us_date(written.date_of_birth),
                "claimant_email": person.email,
                "claimant_phone": phone_as(person, 2),
            },
            person,
            variant=written.variant,
        )
    return table.doc(batch.named(path))


def orders_file(batch: Batch, people: list[Person]) -> Doc:
    """Orders with SSN look-alikes: 9-digit order numbers (many valid-looking) and invoice numbers."""
    table = TableBuilder(
        ["order_number", "order_date", "customer_name", "customer_dob", "ship_address", "ship_city",
         "ship_state", "ship_zip", "contact_phone", "invoice_number", "amount"],
        {"customer_name": "name", "customer_dob": "date_of_birth", "ship_address": "address",
         "contact_phone": "phone"},
    )  # fmt: skip
    for person in people:
        written = batch.spell(person, ORDERS_VARIANTS)
        table.add(
            {
                "order_number": decoy_nine_digits(batch.rng),
                "order_date": _recent_date(batch).isoformat(),
                "customer_name": first_last(written),
                "customer_dob": written.date_of_birth.isoformat(),
                "ship_address": person.address_line1,
                "ship_city": person.city,
                "ship_state": person.state,
                "ship_zip": person.postal_code,
                "contact_phone": phone_as(person, 0),
                "invoice_number": f"INV-{batch.rng.randint(100_000, 999_999)}",
                "amount": f"{batch.rng.uniform(10, 900):.2f}",
            },
            person,
            variant=written.variant,
        )
    return table.doc(batch.named(f"{LAKESIDE_DIR}/orders/orders_2023.csv"))


def _ssn_shaped(rng: random.Random) -> str:
    return f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


def decoy_nine_digits(rng: random.Random) -> str:
    """Nine digits that an SSN pattern alone would accept."""
    return f"{rng.randint(1, 665):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"


def case_note_file(batch: Batch, person: Person, number: int) -> Doc:
    text = TextBuilder()
    text.add(f"{LAKESIDE_NAME.upper()} - MEMBER SERVICES NOTE", f"Note ID: CN-2023-{number + 1:05d}")
    written = batch.spell(person, NOTE_VARIANTS)
    name = first_last(written).upper() if number % 2 else first_last(written)
    text.add("")  # the patient block is its own paragraph, as the note template prints it
    name_line = text.add(f"Patient: {name}")
    text.add(f"DOB: {us_date(person.date_of_birth)}")
    elements = {"name", "date_of_birth"}
    if person.phone:
        text.add(f"Callback: {phone_as(person, 0)}")
        elements.add("phone")
    text.add(
        "Author: K. Alvarez, Member Services",
        "",
        "Caller asked to update mailing preferences. Identity verified with date of birth.",
        "No further action needed.",
    )
    text.mention(name_line, person, elements, variant=written.variant)
    policy = batch.member_id(person, "LHP-")
    return text.doc(f"{LAKESIDE_DIR}/notes/{batch.named('2023')}/note_{policy}_{number:03d}.txt")


def training_patient_note(batch: Batch) -> Doc:
    """A training note about the system's test patient: not an affected individual."""
    text = TextBuilder()
    text.add(
        f"{LAKESIDE_NAME.upper()} - MEMBER SERVICES NOTE",
        "Note ID: CN-TRAINING-00001",
        "",
        "Patient: Test Patient",
        "DOB: 01/01/1900",
        "Author: QA",
        "",
        "Training record. Do not process.",
    )
    return text.doc(f"{LAKESIDE_DIR}/notes/{batch.named('2023')}/note_test_patient.txt")


# ---- the vendor's own HR files ------------------------------------------------------


def hr_files(batch: Batch) -> list[Doc]:
    households = batch.households_of(SEGMENT_STAFF)
    employees = [h.members[0] for h in households]
    dependents = [p for h in households for p in h.members[1:]]
    departed = set(p.truth_id for p in batch.sample(employees, 0.15, 1))
    current = [p for p in employees if p.truth_id not in departed]
    last_year = sorted(
        [p for p in employees if p.truth_id in departed] + batch.sample(current, 0.6),
        key=lambda p: p.truth_id,
    )
    backup = tar_gz_doc(
        batch.named("hr/backup/hr_2022.tar.gz"),
        [payroll_file(batch, "hr_2022/payroll_2022.tsv", last_year, fixture=False,
                      variants=OLDER_FILE_VARIANTS),
         dependents_file(batch, "hr_2022/dependents.csv", dependents)],
    )  # fmt: skip
    return [payroll_file(batch, batch.named("hr/payroll_2023.tsv"), current), backup]


def payroll_file(
    batch: Batch,
    path: str,
    people: list[Person],
    fixture: bool = True,
    variants: frozenset[str] = PAYROLL_VARIANTS,
) -> Doc:
    table = TableBuilder(
        ["Employee ID", "Employee Name", "Social Security #", "Birth Date", "Department", "Home Address",
         "City", "State", "Zip", "Home Phone", "Annual Salary"],
        {"Employee Name": "name", "Social Security #": "ssn", "Birth Date": "date_of_birth",
         "Home Address": "address", "Home Phone": "phone"},
        delimiter="\t",
        line_end="\r\n",
    )  # fmt: skip
    if fixture:
        table.add(
            {
                "Employee ID": "E00000",
                "Employee Name": "EMPLOYEE, TEST",
                "Social Security #": "078-05-1120",
                "Birth Date": "01/01/1900",
                "Department": "IT",
            }
        )
    for person in people:
        written = batch.spell(person, variants)
        table.add(
            {
                "Employee ID": batch.member_id(person, "E"),
                "Employee Name": last_comma_first_mi(written),
                "Social Security #": person.ssn,
                "Birth Date": us_date(written.date_of_birth) if written.date_of_birth else "",
                "Department": batch.rng.choice(["Claims", "Operations", "IT", "Finance", "Client Services"]),
                "Home Address": written.address_line1,
                "City": written.city,
                "State": written.state,
                "Zip": written.postal_code,
                "Home Phone": phone_as(person, 0),
                "Annual Salary": str(batch.rng.randrange(38_000, 140_000, 500)),
            },
            person,
            variant=written.variant,
        )
    return table.doc(path)


def dependents_file(batch: Batch, path: str, dependents: list[Person]) -> Doc:
    """Benefit dependents: spouses and children, many of them minors."""
    table = TableBuilder(
        ["employee_id", "dependent_first", "dependent_last", "relationship", "dependent_dob",
         "dependent_ssn"],
        {"dependent_first": "name", "dependent_last": "name", "dependent_dob": "date_of_birth",
         "dependent_ssn": "ssn"},
    )  # fmt: skip
    heads = {h.household_id: h.members[0] for h in batch.households}
    for person in dependents:
        table.add(
            {
                "employee_id": batch.member_id(heads[person.household_id], "E"),
                "dependent_first": person.first_name,
                "dependent_last": person.last_name,
                "relationship": _relationship(person, heads[person.household_id]),
                "dependent_dob": person.date_of_birth.isoformat(),
                "dependent_ssn": person.ssn,
            },
            person,
        )
    return table.doc(path)


def _relationship(dependent: Person, employee: Person) -> str:
    same_generation = abs(dependent.date_of_birth.year - employee.date_of_birth.year) < 15
    return "spouse" if dependent.is_adult and same_generation else "child"


# ---- shared exports ---------------------------------------------------------------


def export_files(batch: Batch) -> list[Doc]:
    readable_adults = [
        p for segment in (SEGMENT_OCEANVIEW, SEGMENT_LAKESIDE, SEGMENT_STAFF)
        for p in batch.people(segment) if p.is_adult and p.email
    ]  # fmt: skip
    return [
        crm_export_file(batch, batch.sample(readable_adults, 0.12, 4)),
        newsletter_file(batch, batch.sample(readable_adults, 0.02, 4)),
        vendor_invoices_file(batch),
        export_log_file(batch),
        Doc(batch.named("exports/empty_export.csv"), b"", status=SKIPPED, reason="empty"),
    ]


def crm_export_file(batch: Batch, people: list[Person]) -> Doc:
    """A single gzipped CSV (not an archive of several files)."""
    table = TableBuilder(
        ["contact_id", "full_name", "birthdate", "email", "mobile"],
        {"full_name": "name", "birthdate": "date_of_birth", "email": "email", "mobile": "phone"},
    )
    for person in people:
        written = batch.spell(person, CRM_VARIANTS)
        table.add(
            {
                "contact_id": f"C-{batch.rng.randint(100_000, 999_999)}",
                "full_name": full_display(written),
                "birthdate": short_us_date(written.date_of_birth),
                "email": person.email,
                "mobile": phone_as(person, 4),
            },
            person,
            variant=written.variant,
        )
    inner = table.doc("crm_export.csv")
    return gzip_doc(batch.named("exports/crm_export.csv.gz"), inner)


def newsletter_file(batch: Batch, people: list[Person]) -> Doc:
    """Name and e-mail only: the hard mentions (no SSN, no DOB; the date is a signup date)."""
    table = TableBuilder(["full_name", "email", "signed_up"], {"full_name": "name", "email": "email"})
    for person in people:
        table.add(
            {
                "full_name": first_last(person),
                "email": person.email,
                "signed_up": _recent_date(batch).isoformat(),
            },
            person,
            hard=True,
        )
    return table.doc(batch.named("exports/newsletter_signups.csv"))


def vendor_invoices_file(batch: Batch) -> Doc:
    """Companies, phone numbers and 9-digit numbers, and no people at all."""
    table = TableBuilder(
        ["invoice_number", "order_number", "vendor_name", "vendor_phone", "amount", "due_date"], {}
    )
    rng = batch.rng
    for _ in range(25):
        table.add(
            {
                # shaped like an SSN with a suffix: the column says it is an invoice
                "invoice_number": _ssn_shaped(rng) + "-A",
                "order_number": decoy_nine_digits(rng),
                "vendor_name": batch.fake.company(),
                "vendor_phone": f"({rng.choice(['800', '888', '877'])}) 555-01{rng.randint(0, 99):02d}",
                "amount": f"{rng.uniform(100, 25_000):.2f}",
                "due_date": _recent_date(batch).isoformat(),
            }
        )
    return table.doc(batch.named("exports/vendor_invoices.csv"))


def export_log_file(batch: Batch) -> Doc:
    text = TextBuilder()
    start = dt.datetime(2024, 3, 1, 2, 0, 0)
    for n in range(20):
        stamp = start + dt.timedelta(hours=n * 7, minutes=batch.rng.randint(0, 59))
        text.add(
            f"{stamp.isoformat(sep=' ')} job {decoy_nine_digits(batch.rng)} exported "
            f"{batch.rng.randint(100, 90_000)} rows status=OK"
        )
    return text.doc(batch.named("exports/export_log.txt"))


# ---- the mail dump --------------------------------------------------------------------


STAFF = (("Dana Whitfield", "dwhitfield"), ("Marcus Olsen", "molsen"), ("Priya Raman", "praman"))


def mail_files(batch: Batch) -> list[Doc]:
    pool = [p for s in (SEGMENT_OCEANVIEW, SEGMENT_LAKESIDE) for p in batch.people(s) if p.is_adult]
    count = max(4, len(batch.households) // 25)
    docs = [mail_message(batch, person, n) for n, person in enumerate(batch.sample(pool, 0, count))]
    corrupt_people = batch.people(UNREADABLE_CORRUPT) + batch.sample(batch.people(SEGMENT_LAKESIDE), 0, 3)
    docs += [statements_corrupt_zip(batch, unique_people(corrupt_people)), binary_blob(batch)]
    return docs


def mail_message(batch: Batch, person: Person, number: int) -> Doc:
    """A message saved as text: staff in the headers (not affected), one member in the body."""
    sender_name, sender = STAFF[number % len(STAFF)]
    sent = dt.datetime(2024, 3, 1, 8, 0) + dt.timedelta(days=number % 12, minutes=batch.rng.randint(0, 600))
    text = TextBuilder()
    text.add(
        f"From: {sender_name} <{sender}@{VENDOR_DOMAIN}>",
        f"To: eligibility@{VENDOR_DOMAIN}",
        f"Date: {sent.strftime('%a, %d %b %Y %H:%M:%S')} -0500",
        "Subject: Record correction request",
        "",
        "Hi team,",
        "",
        "Please correct the record below before the next file run.",
        "",
    )
    name_line = text.add(f"Member: {full_display(person)}")
    text.add(f"DOB: {person.date_of_birth.isoformat()}")
    elements = {"name", "date_of_birth"}
    if number % 3 != 2:
        text.add(f"SSN {ssn_digits(person) if number % 2 else person.ssn}")
        elements.add("ssn")
    else:
        text.add(f"SSN last four {person.ssn[-4:]}")
    text.add("", "Thanks,", sender_name.split()[0], f"Harborline Data Services | {sender}@{VENDOR_DOMAIN}")
    text.mention(name_line, person, elements)
    return text.doc(f"mail_dump/{batch.named('2024-03')}/msg_{number + 1:04d}.txt")


def statements_corrupt_zip(batch: Batch, people: list[Person]) -> Doc:
    table = TableBuilder(
        ["account_holder", "dob", "ssn", "statement_date", "balance"],
        {"account_holder": "name", "dob": "date_of_birth", "ssn": "ssn"},
    )
    for person in people:
        table.add(
            {"account_holder": first_last(person), "dob": person.date_of_birth.isoformat(), "ssn": person.ssn,
             "statement_date": "2024-02-29", "balance": f"{batch.rng.uniform(0, 5000):.2f}"},
            person,
        )  # fmt: skip
    members = [table.doc("statements.csv"), Doc("cover.txt", b"March statements batch.\n" * 40)]
    return truncated_zip_doc(batch.named("mail_dump/attachments/statements_march.zip"), members)


def binary_blob(batch: Batch) -> Doc:
    """Bytes that are not text at all, under a .csv name."""
    data = b"\x00\x01\x02\xff" + batch.rng.randbytes(4092)
    return Doc(batch.named("mail_dump/attachments/export_final.csv"), data, status=FAILED, reason="")


def _recent_date(batch: Batch) -> dt.date:
    return dt.date(2023, 1, 1) + dt.timedelta(days=batch.rng.randint(0, 420))


BATCH_FILES: tuple[Callable[[Batch], list[Doc]], ...] = (
    oceanview_files,
    lakeside_files,
    hr_files,
    export_files,
    mail_files,
)
