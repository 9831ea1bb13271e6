"""Generate the demo case: a fake breached file share plus the truth to score the tool against.

Layout of ``out_dir``::

    input/                        what the tool scans (never holds a truth file)
    case.toml                     the case configuration, two data owners
    passwords.txt                 the case's passwords file (``--passwords``): opens one zip
    ground_truth.csv              one row per person the tool should list
    ground_truth_unreadable.csv   people seen only in files that cannot be read
    ground_truth_mentions.csv     one row per person mention written
    expected_files.csv            the status each file should get in files.csv

Conventions the truth files follow:
- ``path`` is relative to ``input/``; archive members are ``a.zip!inner/b.csv`` (nested:
  ``a.zip!b.zip!c.csv``, tar: ``a.tar.gz!dir/c.tsv``, 7z: ``a.7z!dir/c.csv``). A single
  gzipped file holds one member named after it without ``.gz`` (``x.csv.gz!x.csv``), as
  the inventory lists it. E-mail attachments are ``m.eml!members.csv``; mbox messages
  are ``box.mbox!message-00001.eml``.
- ``location`` says where in the file the person is named:
  ``row N`` (delimited text and Parquet: N = line number of the data row, header = line 1;
  Parquet: the 1-based record), ``line N`` (text and NDJSON: the line that names the person;
  in text it starts a paragraph), ``body line N`` (the line of an e-mail's decoded body),
  ``<sheet>!row N`` (XLSX: the row number Excel shows), ``<table>!row N`` (SQLite and SQL
  dumps: the row in insertion order), ``paragraph N`` (DOCX body paragraphs, 1-based, empty
  ones included), ``page N`` (PDF pages and scanned images), ``segment N`` (X12 and HL7:
  the segment naming the person, counted in the whole file, ISA/MSH = 1), ``record N``
  (EBCDIC fixed-length records), ``$.members[N]`` (JSON, JSONPath, 0-based), ``record N``
  (XML ``<member>`` elements), ``slide 1 table 1 row N`` (PPTX), ``DICOM header``,
  ``transmission N / AM01`` (NCPDP D.0); HTML ``line N``, RTF/ODT ``paragraph N``, TIFF ``page N``.
  Readers may well say it another way: ``evaluate`` also matches on name and birth date
  or on the SSN within the file.
- ``format`` is what a reader must understand to find the mention (csv, text, xlsx, docx,
  pdf, ocr, eml, eml-attachment, mbox, x12, hl7, cobol, sqlite, json, ndjson, sqldump,
  parquet, 7z-member, zip-password, html, xml, rtf, odt, pptx, tiff, dicom, ncpdp); ``role``
  is the person's role where the format names one (subscriber, dependent, patient,
  next_of_kin), blank otherwise.
- ``elements`` are what was really written in a readable file: masked SSNs and values in
  encrypted, truncated or binary files do not count. A zip whose password is in
  ``passwords.txt`` is unreadable (the default run has no ``--passwords``); its mentions
  have ``needs_password`` = true, and its row in expected_files.csv has
  ``status_with_passwords`` = processed.
- Owners: an owner's ``paths`` globs, and for X12 files its ``x12_ids`` (ISA/GS ids).
- ``expected_files.csv`` omits members of archives that cannot be opened; ``reason_keyword``
  is a word the files.csv reason should contain (blank: any reason).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import shutil
import tomllib
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from faker import Faker

from exposure.config import CaseConfig, parse_config
from exposure.demo.documents import FIXED_EPOCH, PROCESSED, Doc, WalkedDoc, walk
from exposure.demo.kinds import check_formats
from exposure.demo.kinds_data import passwords_file_text
from exposure.demo.kinds_health import LAKESIDE_X12_ID, OCEANVIEW_X12_ID
from exposure.demo.layout import (
    LAKESIDE_DIR,
    LAKESIDE_NAME,
    OCEANVIEW_DIR,
    OCEANVIEW_NAME,
    build_batch,
    new_batch,
)
from exposure.demo.people import BREACH_DATE, PeopleFactory, Person

TRUTH_COLUMNS = [
    "truth_id", "first_name", "middle_name", "last_name", "suffix", "date_of_birth", "ssn", "address_line1",
    "city", "state", "postal_code", "email", "phone", "elements", "data_owners", "is_minor",
    # beyond the brief, so tests can find the tricky people without re-deriving them
    "household_id", "role", "tags",
    "variant",  # the people.VARIANTS entry some file writes instead of the truth, "" for none
]  # fmt: skip
MENTION_COLUMNS = [
    "path",
    "location",
    "truth_id",
    "readable",
    "hard",
    "elements",
    "format",
    "role",
    "needs_password",
    "variant",  # how this source writes the person differently (people.VARIANTS), "" for the truth
]
EXPECTED_FILE_COLUMNS = ["path", "expected_status", "reason_keyword", "status_with_passwords"]


@dataclass
class DemoCase:
    root: Path
    input_dir: Path
    truth_path: Path
    mentions_path: Path
    config_path: Path
    unreadable_path: Path = field(default=Path())
    expected_files_path: Path = field(default=Path())
    passwords_path: Path = field(default=Path())  # exists only when a kind needs it


@dataclass
class PersonTruth:
    """What the corpus exposes about one person, split by whether the tool can read it."""

    person: Person
    elements: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)
    unreadable_elements: set[str] = field(default_factory=set)
    unreadable_owners: set[str] = field(default_factory=set)
    readable_mentions: int = 0
    variant: str = ""  # the person's variant, when some file (readable or not) wrote it


def generate_demo(
    out_dir: Path,
    people: int = 400,
    seed: int = 7,
    files_per_kind: int = 1,
    formats: Collection[str] | None = None,
) -> DemoCase:
    """Write the demo case to ``out_dir``; the same arguments always give the same bytes.

    ``people`` is the population of one batch (a few of them appear only in unreadable
    files); ``files_per_kind`` > 1 writes that many batches, each with its own people
    and its own copy of every file kind, for benchmarks. ``formats`` names the kinds of
    ``kinds.NEW_FORMATS`` to write besides CSV and text (None: all; ``()``: none, which
    gives exactly the CSV-and-text corpus, byte for byte, whatever the other kinds do).
    """
    if people < 20 or files_per_kind < 1:
        raise ValueError("need people >= 20 (room for the special households) and files_per_kind >= 1")
    check_formats(formats)
    out_dir = Path(out_dir)
    case = _case_paths(out_dir)
    docs, population = _build_corpus(people, seed, files_per_kind, formats)
    _write_input(case.input_dir, docs)
    _write_passwords(case.passwords_path, docs)
    config_text = case_toml()
    case.config_path.write_text(config_text, encoding="utf-8")
    config = parse_config(tomllib.loads(config_text), source=str(case.config_path))
    walked = list(walk(docs))
    truths = _person_truths(walked, population, config)
    _write_truth(case.truth_path, [t for t in truths if t.readable_mentions], readable=True)
    _write_truth(case.unreadable_path, [t for t in truths if not t.readable_mentions], readable=False)
    _write_mentions(case.mentions_path, walked)
    _write_expected_files(case.expected_files_path, walked)
    return case


def _case_paths(out_dir: Path) -> DemoCase:
    return DemoCase(
        root=out_dir,
        input_dir=out_dir / "input",
        truth_path=out_dir / "ground_truth.csv",
        mentions_path=out_dir / "ground_truth_mentions.csv",
        config_path=out_dir / "case.toml",
        unreadable_path=out_dir / "ground_truth_unreadable.csv",
        expected_files_path=out_dir / "expected_files.csv",
        passwords_path=out_dir / "passwords.txt",
    )


def _build_corpus(
    people: int, seed: int, files_per_kind: int, formats: Collection[str] | None = None
) -> tuple[list[Doc], list[Person]]:
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    factory = PeopleFactory(rng, fake)
    docs: list[Doc] = []
    population: list[Person] = []
    for index in range(files_per_kind):
        suffix = "" if files_per_kind == 1 else f"_{index + 1:03d}"
        batch = new_batch(index, suffix, factory, people, seed)
        docs.extend(build_batch(batch, formats))
        population.extend(p for h in batch.households for p in h.members)
    return docs, population


def case_toml() -> str:
    return f'''name = "Demo incident 2024-03: Harborline Data Services file share"
breach_date = "{BREACH_DATE.isoformat()}"

[[owner]]
name = "{OCEANVIEW_NAME}"
paths = ["{OCEANVIEW_DIR}/**"]
x12_ids = ["{OCEANVIEW_X12_ID}"]

[[owner]]
name = "{LAKESIDE_NAME}"
paths = ["{LAKESIDE_DIR}/**"]
x12_ids = ["{LAKESIDE_X12_ID}"]
hipaa_role = "business_associate"    # the vendor processes this health plan's claims

[notice]
role = "vendor"                      # Harborline held both owners' data
discovery_date = "{(BREACH_DATE + dt.timedelta(days=4)).isoformat()}"
vendor_notice_date = "{(BREACH_DATE + dt.timedelta(days=9)).isoformat()}"

[letters]
organisation = "Harborline Data Services"
return_address = "400 Quay Street\\nPortland, ME 04101"
contact_phone = "1-800-555-0142"
website = "www.harborline.example/notice"
what_happened = "On {BREACH_DATE:%B} {BREACH_DATE.day}, {BREACH_DATE.year}, an unauthorized party copied \
files from a file share of Harborline Data Services, which processes records for your insurer."
credit_monitoring = "24 months of credit monitoring and identity restoration services"
'''


def _write_passwords(path: Path, docs: Iterable[Doc]) -> None:
    """Beside input/, never inside: a passwords file found in the breached data would be data."""
    if any(item.doc.password for item in walk(docs)):
        path.write_text(passwords_file_text(), encoding="utf-8")
    elif path.exists():
        path.unlink()


def _write_input(input_dir: Path, docs: Iterable[Doc]) -> None:
    """Write the top-level docs; the input folder is rebuilt so no stale file survives a rerun."""
    if input_dir.exists():
        shutil.rmtree(input_dir)
    for doc in docs:
        target = input_dir / doc.name
        if target.exists():
            raise ValueError(f"two demo files share the path {doc.name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(doc.data)
        os.utime(target, (FIXED_EPOCH, FIXED_EPOCH))


def _person_truths(
    walked: list[WalkedDoc], population: list[Person], config: CaseConfig
) -> list[PersonTruth]:
    truths = {p.truth_id: PersonTruth(p) for p in population}
    mentioned: set[str] = set()
    for item in walked:
        owners = owners_of(item, config)
        for mention in item.doc.mentions:
            truth = truths[mention.person.truth_id]
            mentioned.add(mention.person.truth_id)
            truth.variant = truth.variant or mention.variant
            if item.readable:
                truth.elements |= mention.elements
                truth.owners |= owners
                truth.readable_mentions += 1
            else:
                truth.unreadable_elements |= mention.elements
                truth.unreadable_owners |= owners
    missing = sorted(set(truths) - mentioned)
    if missing:  # a generator bug: every generated person must be written somewhere
        raise AssertionError(f"people generated but never written: {missing[:5]}")
    return [truths[k] for k in sorted(truths)]


def owners_of(item: WalkedDoc, config: CaseConfig) -> set[str]:
    """An owner's paths globs match the file; for X12 files, an owner's x12_ids the ISA/GS ids too."""
    owners = set(config.owners_for_path(item.path))
    ids = set(item.doc.x12_ids)
    owners |= {o.name for o in config.owners if ids & set(o.x12_ids)}
    return owners


def _write_truth(path: Path, truths: list[PersonTruth], readable: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(TRUTH_COLUMNS)
        for truth in truths:
            p = truth.person
            elements = truth.elements if readable else truth.unreadable_elements
            owners = truth.owners if readable else truth.unreadable_owners
            writer.writerow(
                [
                    p.truth_id,
                    p.first_name,
                    p.middle_name,
                    p.last_name,
                    p.suffix,
                    p.date_of_birth.isoformat(),
                    p.ssn,
                    p.address_line1,
                    p.city,
                    p.state,
                    p.postal_code,
                    p.email,
                    p.phone,
                    ";".join(sorted(elements)),
                    ";".join(sorted(owners)),
                    _bool(p.is_minor),
                    p.household_id,
                    p.role,
                    ";".join(sorted(p.tags)),
                    truth.variant,
                ]
            )


def _write_mentions(path: Path, walked: list[WalkedDoc]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MENTION_COLUMNS)
        for item in walked:
            for m in item.doc.mentions:
                writer.writerow(
                    [
                        item.path,
                        m.location,
                        m.person.truth_id,
                        _bool(item.readable),
                        _bool(m.hard),
                        ";".join(sorted(m.elements)),
                        item.doc.format,
                        m.role,
                        _bool(item.needs_password),
                        m.variant,
                    ]
                )


def _write_expected_files(path: Path, walked: list[WalkedDoc]) -> None:
    """Every file and archive member the tool must account for (members of unopenable archives excepted)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EXPECTED_FILE_COLUMNS)
        for item in walked:
            if item.listed:
                with_passwords = PROCESSED if item.doc.password else item.doc.status
                writer.writerow([item.path, item.doc.status, item.doc.reason, with_passwords])


def _bool(value: bool) -> str:
    return "true" if value else "false"


def mentions_by_person(mentions_path: Path) -> dict[str, list[dict[str, str]]]:
    """The mentions file grouped by truth_id: a helper for tests that score the tool."""
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    with mentions_path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            grouped[row["truth_id"]].append(row)
    return dict(grouped)
