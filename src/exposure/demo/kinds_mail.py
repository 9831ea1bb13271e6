"""Mail of the demo share: an EML message with a CSV attachment, and an MBOX of three messages.

A message's body mention is located ``body line N``: the line of the decoded body text
that names the person (the e-mail reader's location). The attachment is the member
``message.eml!members.csv``; mbox messages are the members ``box.mbox!message-0000N.eml``,
as the inventory names them.
"""

from __future__ import annotations

import datetime as dt
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from exposure.demo.documents import Doc, PersonMention, TableBuilder
from exposure.demo.layout import (
    LAKESIDE_NAME,
    OCEANVIEW_NAME,
    ROSTER_COLUMNS,
    ROSTER_ELEMENTS,
    STAFF,
    VENDOR_DOMAIN,
    Batch,
    roster_row,
    unique_people,
)
from exposure.demo.people import (
    SEGMENT_LAKESIDE,
    SEGMENT_OCEANVIEW,
    Person,
    full_display,
    ssn_digits,
    us_date,
)

SENT = dt.datetime(2024, 3, 4, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=-5)))


def _adults(batch: Batch, segment: str) -> list[Person]:
    return [p for p in batch.people(segment) if p.is_adult]


def _body_with_person(intro: list[str], person: Person, with_ssn: bool) -> tuple[str, int, set[str]]:
    """Body text, the 1-based line naming the person, and the elements written about them."""
    lines = [*intro, f"Member: {full_display(person)}", f"DOB: {us_date(person.date_of_birth)}"]
    name_line = len(intro) + 1
    elements = {"name", "date_of_birth"}
    if with_ssn:
        lines.append(f"SSN: {ssn_digits(person)}")
        elements.add("ssn")
    lines += ["", "Thanks,", "Harborline eligibility team"]
    return "\n".join(lines) + "\n", name_line, elements


def _message(sender: tuple[str, str], subject: str, sent: dt.datetime, number: str) -> EmailMessage:
    name, user = sender
    message = EmailMessage(policy=policy.default)
    message["From"] = f"{name} <{user}@{VENDOR_DOMAIN}>"
    message["To"] = f"eligibility@{VENDOR_DOMAIN}"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = f"<{number}@{VENDOR_DOMAIN}>"  # fixed: make_msgid would use the clock and host
    return message


# ---- EML with a CSV attachment ------------------------------------------------------------


def eml_files(batch: Batch) -> list[Doc]:
    people = unique_people(batch.sample(_adults(batch, SEGMENT_OCEANVIEW), 0, 6))
    in_body, attached = people[0], people[1:]
    return [eml_with_attachment(batch, in_body, attached)]


def eml_with_attachment(batch: Batch, in_body: Person, attached: list[Person]) -> Doc:
    table = TableBuilder(ROSTER_COLUMNS, ROSTER_ELEMENTS)
    for person in attached:
        table.add(roster_row(batch, person), person)
    attachment = table.doc("members.csv", format="eml-attachment")
    intro = [
        "Hi team,",
        "",
        f"Attached are the {OCEANVIEW_NAME} members whose records failed the March load.",
        "One more that is not in the file:",
        "",
    ]
    body, name_line, elements = _body_with_person(intro, in_body, with_ssn=True)
    message = _message(STAFF[0], "March load failures", SENT, f"eml.{batch.index}.1")
    message.set_content(body)
    message.add_attachment(attachment.data, maintype="text", subtype="csv", filename="members.csv")
    message.set_boundary(f"=====harborline-{batch.index}-1=====")  # the default boundary is random
    mention = PersonMention(f"body line {name_line}", in_body, frozenset(elements))
    name = f"mail_dump/{batch.named('2024-03')}/load_failures.eml"
    return Doc(name, message.as_bytes(), [mention], members=[attachment], format="eml")


# ---- MBOX ---------------------------------------------------------------------------------


def mbox_files(batch: Batch) -> list[Doc]:
    people = unique_people(batch.sample(_adults(batch, SEGMENT_LAKESIDE), 0, 3))
    return [mailbox(batch, people)]


def mailbox(batch: Batch, people: list[Person]) -> Doc:
    """Three messages in one mbox, each about one member; their bodies name the person."""
    chunks, members = [], []
    for number, person in enumerate(people, 1):
        sent = SENT + dt.timedelta(days=number, minutes=7 * number)
        intro = [f"Please re-send the {LAKESIDE_NAME} ID card for:", ""]
        body, name_line, elements = _body_with_person(intro, person, with_ssn=number != 2)
        message = _message(
            STAFF[number % len(STAFF)], f"ID card re-send #{number}", sent, f"mbox.{batch.index}.{number}"
        )
        message.set_content(body)
        data = message.as_bytes()
        mention = PersonMention(f"body line {name_line}", person, frozenset(elements))
        members.append(Doc(f"message-{number:05d}.eml", data, [mention], format="mbox"))
        envelope = (
            f"From {STAFF[number % len(STAFF)][1]}@{VENDOR_DOMAIN} {sent.strftime('%a %b %d %H:%M:%S %Y')}\n"
        )
        chunks.append(envelope.encode() + data + b"\n")
    name = f"mail_dump/mailboxes/{batch.named('member_services')}.mbox"
    return Doc(name, b"".join(chunks), members=members, format="mbox")
