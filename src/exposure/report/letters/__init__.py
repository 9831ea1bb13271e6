"""Letters: one PDF per person with a mailing address, a mail-merge file, and regulators' form data.

    report/letters/<person_id>.pdf      the notice, from the template of the person's jurisdictions
    report/letters/mail_merge.csv       one row per letter, for print vendors (masked identifiers only)
    report/letters/no_address.csv       people with no mailing address: substitute notice or e-mail
    report/regulator_forms/*.csv        Maine AG form and HHS breach portal fields, filled from the case

Which template: see ``templates.py``. What a letter may show: see ``content.py``
(never a full SSN, account or card number).
"""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.letters.content import LetterSettings, LetterText, Recipient, letter_text
from exposure.report.letters.pdf import letter_pdf
from exposure.report.letters.regulator_forms import hhs_form, maine_form, write_form

__all__ = ["LetterStats", "letter_settings", "write_letters"]

MAIL_MERGE_COLUMNS = [
    "person_id",
    "letter_file",
    "template",
    "addressee",
    "salutation",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "is_minor",
    "elements",
    "ssn_last4",
    "jurisdictions",
]


@dataclass(frozen=True)
class LetterStats:
    letters: int
    no_address: int
    forms: tuple[Path, ...]


def letter_settings(config: CaseConfig) -> LetterSettings:
    """Letter settings from the case config's ``[letters]`` table (the case name until it names the
    organisation)."""
    return LetterSettings.from_mapping(dict(config.letters), config.name)


def _recipients(con: duckdb.DuckDBPyConnection) -> list[Recipient]:
    rows = con.execute("""
        SELECT person_id, coalesce(full_name, ''), coalesce(address_line1, ''), coalesce(address_line2, ''),
               coalesce(city, ''), coalesce(state, ''), coalesce(postal_code, ''), coalesce(elements, ''),
               coalesce(is_minor, false), coalesce(ssn_last4, ''), coalesce(data_owners, '')
        FROM persons ORDER BY person_id
    """).fetchall()
    return [
        Recipient(
            pid,
            name,
            line1,
            line2,
            city,
            state,
            postal,
            tuple(e for e in elements.split(";") if e),
            bool(minor),
            last4,
            tuple(o for o in owners.split(";") if o),
        )
        for pid, name, line1, line2, city, state, postal, elements, minor, last4, owners in rows
    ]


def write_letters(
    con: duckdb.DuckDBPyConnection,
    config: CaseConfig,
    report_dir: Path,
    person_jurisdictions: Mapping[str, Sequence[str]],
    settings: LetterSettings | None = None,
    workers: int | None = None,
    hipaa_media_states: Sequence[str] = (),
) -> LetterStats:
    """Write every letter, the mail-merge and no-address lists, and the regulator form data.

    Letters are rendered by ``workers`` processes (default: all cores) once there are enough of them
    to pay for starting the processes; the files are the same either way. ``hipaa_media_states``: the
    states where the law engine found HIPAA media notice owed (the HHS form reports them).
    """
    settings = settings or letter_settings(config)
    folder = Path(report_dir) / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.pdf"):  # a re-run writes exactly the current letters
        stale.unlink()
    discovery = config.notice.discovery_date
    recipients = _recipients(con)
    missing = [r for r in recipients if not r.has_address]
    jobs = [(r, tuple(person_jurisdictions.get(r.person_id, ()))) for r in recipients if r.has_address]
    job = _LetterJob(folder, settings, config.breach_date, discovery)
    merged = _run_letter_jobs(job, jobs, workers)
    _write_csv(folder / "mail_merge.csv", MAIL_MERGE_COLUMNS, merged)
    _write_csv(
        folder / "no_address.csv",
        ["person_id", "full_name", "reason"],
        [
            [r.person_id, r.full_name, "no complete mailing address: substitute notice or e-mail"]
            for r in missing
        ],
    )
    forms = _write_forms(
        Path(report_dir) / "regulator_forms",
        config,
        settings,
        recipients,
        person_jurisdictions,
        merged,
        hipaa_media_states,
    )
    return LetterStats(letters=len(merged), no_address=len(missing), forms=tuple(forms))


# Below this many letters one process is quicker than starting a pool.
PARALLEL_FROM = 400
_CHUNK = 200


@dataclass(frozen=True)
class _LetterJob:
    folder: Path
    settings: LetterSettings
    breach_date: dt.date | None
    discovery_date: dt.date | None

    def __call__(self, chunk: list[tuple[Recipient, tuple[str, ...]]]) -> list[list[str]]:
        """Render and write a chunk of letters; their mail-merge rows, in order."""
        rows = []
        for recipient, jurisdictions in chunk:
            letter = letter_text(
                recipient, jurisdictions, self.settings, self.breach_date, self.discovery_date
            )
            name = f"{recipient.person_id}.pdf"
            (self.folder / name).write_bytes(letter_pdf(letter))
            rows.append(_merge_row(recipient, letter, name, list(jurisdictions)))
        return rows


def _run_letter_jobs(
    job: _LetterJob, jobs: list[tuple[Recipient, tuple[str, ...]]], workers: int | None
) -> list[list[str]]:
    workers = workers or os.cpu_count() or 1
    chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
    if workers < 2 or len(jobs) < PARALLEL_FROM:
        return [row for chunk in chunks for row in job(chunk)]
    # forkserver: the parent holds an open DuckDB connection that a plain fork must not copy.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        return [row for rows in pool.map(job, chunks) for row in rows]


def _merge_row(
    recipient: Recipient, letter: LetterText, file_name: str, jurisdictions: list[str]
) -> list[str]:
    last4 = f"ending in {recipient.ssn_last4}" if recipient.ssn_last4 and "ssn" in recipient.elements else ""
    return [
        recipient.person_id,
        f"letters/{file_name}",
        letter.template.name,
        letter.addressee,
        letter.salutation,
        recipient.address_line1,
        recipient.address_line2,
        recipient.city,
        recipient.state,
        recipient.postal_code,
        "true" if recipient.is_minor else "false",
        letter.elements_in_words,
        last4,
        ";".join(sorted(jurisdictions)),
    ]


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _write_forms(
    folder: Path,
    config: CaseConfig,
    settings: LetterSettings,
    recipients: list[Recipient],
    person_jurisdictions: Mapping[str, Sequence[str]],
    merged: list[list[str]],
    hipaa_media_states: Sequence[str],
) -> list[Path]:
    discovery: dt.date | None = config.notice.discovery_date
    elements = sorted({e for r in recipients for e in r.elements})
    written = []
    maine = [r for r in recipients if "US-ME" in person_jurisdictions.get(r.person_id, ())]
    if maine:
        sample = next((row[1] for row in merged if row[8] == "ME"), "")
        fields = maine_form(
            settings.organisation,
            len(recipients),
            len(maine),
            elements,
            config.breach_date,
            discovery,
            sample,
            settings.credit_monitoring,
        )
        written.append(write_form(folder / "maine_attorney_general.csv", fields))
    hipaa = [r for r in recipients if "HIPAA" in person_jurisdictions.get(r.person_id, ())]
    if hipaa:
        hipaa_elements = sorted({e for r in hipaa for e in r.elements})
        owners = sorted({o for r in hipaa for o in r.data_owners}) or [""]
        business_associate_for = [
            o for o in owners if config.hipaa_role_for(o or None) == "business_associate"
        ]
        covered = [o for o in owners if o and o not in business_associate_for]
        if config.notice.hipaa_role == "covered_entity" or (not business_associate_for and not covered):
            covered = [settings.organisation, *covered]
        fields = hhs_form(
            covered_entities=business_associate_for + covered,
            business_associate=settings.organisation if business_associate_for else "",
            hipaa_persons=len(hipaa),
            elements=hipaa_elements,
            breach_date=config.breach_date,
            discovery_date=discovery,
            no_address=sum(1 for r in hipaa if not r.has_address),
            media_states=sorted(hipaa_media_states),
        )
        written.append(write_form(folder / "hhs_breach_portal.csv", fields))
    return written
