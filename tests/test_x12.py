"""X12 reader: every sample read as people with roles, the tokenizer's delimiters and envelopes,
damaged input, and a large file streamed in bounded memory."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exposure.extract import ExtractError, reader_for
from exposure.extract.x12 import Delimiters, X12Tokenizer, read_x12
from exposure.model import Detections

from conftest import SAMPLES, SRC

X12 = SAMPLES / "x12"
ALL_SAMPLES = sorted(p.name for p in X12.iterdir())
PERSON_CODES = {"IL", "QC", "03", "74", "70", "31", "S3", "QD", "S1", "GD", "J6", "LR", "E1", "EI", "GB"}


def detections(data: bytes, keep_fixtures: bool = True) -> Detections:
    """Everything the reader finds in ``data`` (fixtures kept by default, to test the loop logic)."""
    out = Detections()
    for batch in read_x12(io.BytesIO(data), keep_fixtures=keep_fixtures):
        out.extend(batch)
    return out


def sample(name: str) -> bytes:
    return (X12 / name).read_bytes()


def people(found: Detections) -> list[tuple[str, str, str]]:
    return [(m.role, m.full_name, m.date_of_birth) for m in found.mentions]


def elements_of(found: Detections, full_name: str, code: str) -> list[str]:
    keys = {m.key for m in found.mentions if m.full_name == full_name}
    return [e.value for e in found.elements if e.mention_key in keys and e.code == code]


def segments(data: bytes, chunk_bytes: int = 1 << 20) -> list[tuple[int, str, list[str]]]:
    return list(X12Tokenizer(io.BytesIO(data), chunk_bytes))


# -- every sample: the right people, and never a provider -----------------------------------------

EXPECTED_PEOPLE = {
    "lfh_270_dependent-health-benefit-check.270": [
        ("subscriber", "", ""),  # the inquiry names the subscriber by member id only
        ("dependent", "MARY SMITH", "1978-10-14"),
    ],
    "lfh_271_dependent-health-benefit-check.271": [
        ("subscriber", "JOHN SMITH", "1963-05-19"),
        ("child", "MARY SMITH", "1998-10-14"),
    ],
    "lfh_276_claim-level-status.276": [
        ("subscriber", "FRED SMITH", "1930-12-10"),
        ("subscriber", "MARY JONES", "1930-11-15"),
        ("subscriber", "JOHN MANN", ""),
        ("patient", "JOSEPH MANN", "1995-11-01"),
    ],
    "lfh_277_claim-level-status.277": [
        ("subscriber", "FRED SMITH", ""),
        ("subscriber", "MARY JONES", ""),
        ("subscriber", "JOHN MANN", ""),
        ("patient", "JOSEPH MANN", ""),
    ],
    "lfh_834_add-dependent.834": [("child", "JOHN P DOE", "1977-08-16")],
    "lfh_834_change-subscriber-information.834": [("subscriber", "JAMES DOE", "1950-04-15")],
    "lfh_834_enroll-employee-multiple-products.834": [("subscriber", "JOHN P DOE", "1940-08-16")],
    "lfh_835_managed-care.835": [("patient", "WILLIAM BUDD", ""), ("patient", "SUSAN SETTLE", "")],
    "lfh_837_demo.cob.example4.837": [
        ("subscriber", "WAYNE M MEDYUM", "1956-01-10"),
        ("other_insured", "CAROL MEDYUM", ""),
    ],
    "lfh_837_demo.example1.837": [("subscriber", "JANE SMITH", ""), ("patient", "TED SMITH", "1973-05-01")],
    "lfh_837_institutional-claim.837i": [
        ("subscriber", "JON T DOE", "1926-11-11"),
        ("other_insured", "JANE S DOE", ""),
    ],
    "lfh_837_patient-is-dependent.837": [
        ("subscriber", "JANE SMITH", "1943-05-01"),
        ("patient", "TED SMITH", "1973-05-01"),
    ],
    "pyx12_834_deident_family.txt": [
        ("subscriber", "ROBERT J SMITH", "1975-08-20"),
        ("spouse", "MARY A SMITH", "1977-03-03"),
        ("child", "MICHAEL SMITH", "2010-06-12"),
    ],
    "pyx12_835_mult_loops.txt": [("patient", "JOHANN S BACH", "")],
    "pyx12_example834_5010.txt": [("subscriber", "JOHN A DOE", "1967-03-30")],
    "pyx12_multiple_st_loops.txt": [("subscriber", "JOHN A DOE", "1967-03-30")] * 4,
}


def test_expectations_cover_every_sample() -> None:
    assert sorted(EXPECTED_PEOPLE) == ALL_SAMPLES


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_sample_people_and_roles(name: str) -> None:
    assert people(detections(sample(name))) == EXPECTED_PEOPLE[name]


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_no_provider_payer_or_employer_is_a_person(name: str) -> None:
    """No mention or element comes from an NM1/N1 of an organisation or provider, nor from the
    segments of its loop up to the next NM1."""
    data = sample(name)
    found = detections(data)
    organisation_segments: set[int] = set()
    in_organisation = False
    for index, segment_id, elements in segments(data):
        if segment_id in ("NM1", "N1"):
            in_organisation = segment_id == "N1" or elements[1] not in PERSON_CODES or elements[2] == "2"
        elif segment_id in ("HL", "INS", "CLM", "CLP", "LX", "SBR", "HD", "TRN", "SVC", "SV1", "SV2", "HI"):
            in_organisation = False
        if in_organisation:
            organisation_segments.add(index)
    for mention in found.mentions:
        assert int(mention.key.rsplit(" ", 1)[-1]) not in organisation_segments, mention.key
    for item in found.elements:
        assert int(item.location.split()[-1]) not in organisation_segments, (item.code, item.location)


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_mentions_are_findable_and_complete(name: str) -> None:
    found = detections(sample(name))
    keys = [m.key for m in found.mentions]
    assert len(keys) == len(set(keys))
    for mention in found.mentions:
        assert mention.key.startswith("ST ") and " / segment " in mention.key
        assert mention.location == mention.key
        assert mention.attributes["x12_sender"] and mention.attributes["x12_receiver"]
        assert mention.attributes["x12_gs_sender"] and mention.attributes["x12_gs_receiver"]
    for item in found.elements:
        assert item.mention_key in keys
        assert item.detector == f"x12.{found.mentions[0].attributes['x12_set']}"
        assert item.location.startswith("segment ")


def test_834_family_roles_ids_and_subscriber_id_in_dependent_loops() -> None:
    found = detections(sample("pyx12_834_deident_family.txt"))
    subscriber, spouse, child = found.mentions
    assert subscriber.attributes["x12_sender"] == "WIDGETCORP"
    assert subscriber.attributes["x12_receiver"] == "CAREPLUS"
    assert subscriber.attributes["x12_sponsor"] == "WIDGET CORPORATION"
    assert (subscriber.city, subscriber.state, subscriber.postal_code) == ("RIVERSIDE", "CA", "92501")
    assert elements_of(found, "ROBERT J SMITH", "health_insurance_id") == ["M000002"]
    # REF*0F in a dependent's loop is the subscriber's id: not the spouse's or the child's element.
    assert elements_of(found, "MARY A SMITH", "health_insurance_id") == []
    assert elements_of(found, "MICHAEL SMITH", "health_insurance_id") == []
    assert spouse.attributes["x12_subscriber_id"] == "M000003"
    # ... while a member supplemental id (REF*17) in that loop is the dependent's own.
    family = sample("pyx12_834_deident_family.txt")
    with_own_id = family.replace(b"REF*0F*M000003~", b"REF*0F*M000003~REF*17*D3~")
    assert elements_of(detections(with_own_id), "MARY A SMITH", "health_insurance_id") == ["D3"]
    assert child.key == "ST 1 / INS 3 / segment 25"
    # The sample's SSNs (000-00-0002 ...) are invalid numbers: dropped.
    assert not [e for e in found.elements if e.code == "ssn"]
    assert not subscriber.ssn


def test_834_ssn_phone_email_and_previous_name() -> None:
    enroll = sample("lfh_834_enroll-employee-multiple-products.834")
    enroll = enroll.replace(b"*34*123456789", b"*34*536904399")
    enroll = enroll.replace(b"WP*7172341240", b"EM*Jo@Example.com")
    found = detections(enroll)
    (member,) = found.mentions
    assert member.ssn == "536904399"
    assert member.phone == "+17172343334" and member.email == "jo@example.com"
    assert (member.address_line1, member.address_line2) == ("100 MARKET ST", "APT 30")
    assert elements_of(found, "JOHN P DOE", "address") == ["100 MARKET ST, APT 30, CAMP HILL, PA 17011"]

    change = detections(sample("lfh_834_change-subscriber-information.834"))
    (member,) = change.mentions
    assert member.ssn == "103229876"
    assert member.date_of_birth == "1950-04-15"  # 2100B's DMG is the previous identity's
    assert elements_of(change, "JAMES DOE", "name") == ["JAMES DOE", "JAMES E DOE"]


def test_fixture_people_are_dropped_by_the_registered_reader(tmp_path: Path) -> None:
    reader = reader_for("x12")
    assert reader is not None and reader.name == "x12"
    found = Detections()
    for batch in reader.read(X12 / "lfh_834_add-dependent.834"):
        assert isinstance(batch, Detections)
        found.extend(batch)
    assert found.mentions == []  # "John Doe" is a test record, not a person
    (ssn,) = found.elements  # ... but a valid SSN is kept, unattributed, for a reviewer
    assert (ssn.code, ssn.mention_key, ssn.needs_review) == ("ssn", "", True)
    kept = detections(sample("pyx12_834_deident_family.txt"), keep_fixtures=False)
    assert len(kept.mentions) == 3


def test_837_patient_is_dependent_gets_the_diagnoses() -> None:
    found = detections(sample("lfh_837_patient-is-dependent.837"))  # ISA12 00501, GS08 004010X098A1
    subscriber, patient = found.mentions
    assert subscriber.attributes["x12_version"] == "004010X098A1"
    medical = elements_of(found, "TED SMITH", "medical_information")
    assert {"BK:0340", "BF:V7389", "HC:99213"} <= set(medical)
    assert elements_of(found, "JANE SMITH", "medical_information") == []
    assert patient.attributes["x12_relationship"] == "19"
    assert elements_of(found, "TED SMITH", "health_insurance_id") == ["JS01111223333"]
    assert not patient.ssn  # REF*SY 000221111 is not a valid SSN


def test_837_claim_goes_to_subscriber_without_patient_loop_and_cob_insured_is_separate() -> None:
    found = detections(sample("lfh_837_demo.cob.example4.837"))
    medical = set(elements_of(found, "WAYNE M MEDYUM", "medical_information"))
    assert {"BK:71516", "BF:71906", "HC:99203"} <= medical
    assert elements_of(found, "CAROL MEDYUM", "medical_information") == []
    assert elements_of(found, "CAROL MEDYUM", "health_insurance_id") == ["COM188-404777"]
    carol = next(m for m in found.mentions if m.full_name == "CAROL MEDYUM")
    assert (carol.address_line1, carol.city) == ("PO BOX 45", "MAYN")

    institutional = detections(sample("lfh_837_institutional-claim.837i"))
    medical = set(elements_of(institutional, "JON T DOE", "medical_information"))
    assert {"BK:3669", "BF:4019", "BF:79431", "0305 HC:85025"} <= medical
    assert not any(v.startswith(("BH:", "BE:", "BG:")) for v in medical)  # billing codes, not health


def test_837_billing_provider_ssn_is_not_a_person() -> None:
    data = sample("lfh_837_demo.example1.837").replace(b"REF*EI*587654321", b"REF*SY*536904399")
    found = detections(data)
    assert "536904399" not in {e.value for e in found.elements}
    assert [m.role for m in found.mentions] == ["subscriber", "patient"]


def test_835_patients_with_claims_and_service_lines() -> None:
    found = detections(sample("lfh_835_managed-care.835"))
    claim = elements_of(found, "WILLIAM BUDD", "medical_information")
    assert claim == ["claim 5554555444 800.00", "HC:99211"]
    assert elements_of(found, "SUSAN SETTLE", "health_insurance_id") == ["44455666610"]
    assert found.mentions[0].attributes["x12_payer"] == "RUSHMORE LIFE"
    # The payer's and payee's bank accounts (BPR) and addresses are nobody's.
    assert not [e for e in found.elements if e.code in ("financial_account", "address")]


def test_270_271_subscriber_and_dependent() -> None:
    inquiry = detections(sample("lfh_270_dependent-health-benefit-check.270"))
    assert elements_of(inquiry, "", "health_insurance_id") == ["11122333301"]
    response = detections(sample("lfh_271_dependent-health-benefit-check.271"))
    subscriber, child = response.mentions
    assert (subscriber.address_line1, subscriber.address_line2, subscriber.state) == (
        "15197 BROADWAY AVENUE", "APT 215", "MO",
    )  # fmt: skip
    assert child.attributes["x12_relationship"] == "19"
    assert "JONES" not in {m.last_name for m in response.mentions}  # 2120C NM1*P3 is a provider


def test_276_277_dmg_before_nm1_and_claims_on_the_patient() -> None:
    found = detections(sample("lfh_276_claim-level-status.276"))
    joseph = next(m for m in found.mentions if m.full_name == "JOSEPH MANN")
    assert joseph.key == "ST 1 / HL 8 / segment 33"
    assert "HC:99203" in elements_of(found, "JOSEPH MANN", "medical_information")
    assert elements_of(found, "JOHN MANN", "medical_information") == []
    status = detections(sample("lfh_277_claim-level-status.277"))
    assert "HC:99203" in elements_of(status, "JOSEPH MANN", "medical_information")


def test_odd_delimiters_and_trailing_spaces() -> None:
    data = sample("pyx12_example834_5010.txt")  # ISA16 '\', and "~ \n" after segments
    tokenizer = X12Tokenizer(io.BytesIO(data))
    listed = list(tokenizer)
    assert tokenizer.delimiters == Delimiters(element="*", repetition="^", component="\\", segment="~")
    assert listed[0][2][16] == "\\"
    assert [s for _, s, _ in listed][:4] == ["ISA", "GS", "ST", "BGN"]
    assert all(s for _, s, _ in listed)
    (member,) = detections(data).mentions
    assert elements_of(detections(data), "JOHN A DOE", "health_insurance_id") == ["00389999", "K129999A"]
    assert member.postal_code == "49010"


def test_four_st_loops_in_one_file() -> None:
    found = detections(sample("pyx12_multiple_st_loops.txt"))
    assert [m.key.split(" / ")[0] for m in found.mentions] == ["ST 1", "ST 2", "ST 3", "ST 4"]
    tokenizer = X12Tokenizer(io.BytesIO(sample("pyx12_multiple_st_loops.txt")))
    list(tokenizer)
    assert tokenizer.delimiters is not None and tokenizer.delimiters.repetition == ""  # ISA11 'U'


# -- tokenizer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_chunk_boundaries_do_not_change_segments(name: str) -> None:
    data = sample(name)
    assert segments(data, chunk_bytes=7) == segments(data)


def test_one_line_one_per_line_and_crlf_agree() -> None:
    one_line = sample("lfh_837_demo.example1.837")
    per_line = one_line.replace(b"~", b"~\r\n")
    assert [s[1:] for s in segments(one_line)] == [s[1:] for s in segments(per_line)]


def test_interchanges_with_different_delimiters_in_one_file() -> None:
    family = sample("pyx12_834_deident_family.txt")
    other = sample("lfh_271_dependent-health-benefit-check.271").replace(b"*", b"|").replace(b"~", b"!\n")
    found = detections(family + other + family)
    assert [m.key.split(" / ")[0] for m in found.mentions] == ["ST 1"] * 3 + ["ST 2"] * 2 + ["ST 3"] * 3
    assert people(found)[3] == ("subscriber", "JOHN SMITH", "1963-05-19")


def test_mainframe_80_column_wrapping() -> None:
    flat = sample("pyx12_834_deident_family.txt").replace(b"\n", b"")
    wrapped = b"\r\n".join(flat[i : i + 80] for i in range(0, len(flat), 80))
    assert people(detections(wrapped)) == EXPECTED_PEOPLE["pyx12_834_deident_family.txt"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"ISA*00*          *00*   ", "truncated ISA"),
        (b"Dear customer, your claim has been processed.\n" * 20, "does not start with an ISA"),
        (b"ISA*00*" + b"0" * 400, "malformed ISA"),
        (b"ISA*00*          *00*          *ZZ*A*ZZ*B*260401*0900*^*00501*1*0*T*:~" + bytes(range(256)) * 8,
         "damaged X12"),
        (b"ISA*00*          *00*          *ZZ*A*ZZ*B*260401*0900*^*00501*1*0*T*:~GS*" + b"A" * (2 << 20),
         "longer than 1 MB"),
    ],
)  # fmt: skip
def test_damaged_input_raises_extract_error(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "damaged.x12"
    path.write_bytes(data)
    reader = reader_for("x12")
    assert reader is not None
    with pytest.raises(ExtractError, match=reason) as caught:
        list(reader.read(path))
    assert "customer" not in str(caught.value)


def test_file_cut_short_still_yields_the_people_before_the_cut() -> None:
    data = sample("pyx12_834_deident_family.txt")
    cut = data[: data.index(b"INS*N*19")]
    assert people(detections(cut)) == EXPECTED_PEOPLE["pyx12_834_deident_family.txt"][:2]


def test_unknown_transaction_set_uses_nm1_entity_codes() -> None:
    isa = (
        b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
        b"*260401*0900*^*00501*000000001*0*T*:~"
    )
    body = (
        "GS*HI*SENDER*RECEIVER*20260401*0900*1*X*005010X217~ST*278*0001*005010X217~"
        "HL*1**20*1~NM1*X3*2*REVIEW ORG*****PI*123~HL*2*1*21*1~NM1*1P*1*WELBY*MARCUS****XX*1234567893~"
        "HL*3*2*22*1~NM1*IL*1*RIVERA*ANA****MI*W123~DMG*D8*19800101*F~"
        "HL*4*3*EV*0~HI*ABK:E119~SE*10*0001~GE*1*1~IEA*1*000000001~"
    )
    found = detections(isa + body.encode())
    assert people(found) == [("subscriber", "ANA RIVERA", "1980-01-01")]
    assert found.mentions[0].attributes["x12_sender"] == "SENDER"


# -- a large file, streamed ----------------------------------------------------------------------

_BOUNDED_MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from exposure.extract import reader_for
    reader = reader_for("x12")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mentions = largest = elements = 0
    for batch in reader.read(sys.argv[1]):
        mentions += len(batch.mentions)
        elements += len(batch.elements)
        largest = max(largest, len(batch.mentions))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"mentions": mentions, "elements": elements, "largest": largest,
                      "growth_kib": after - before}))
    """
)


def write_large_834(path: Path, families: int) -> int:
    """The family of the pyx12 sample repeated with varied names, and a 3 KB note per family so
    the file is much larger than any buffer the reader may hold. Returns the segment count."""
    text = sample("pyx12_834_deident_family.txt").decode()
    parts = [s.strip() for s in text.split("~") if s.strip()]
    first = next(i for i, s in enumerate(parts) if s.startswith("INS*"))
    end = next(i for i, s in enumerate(parts) if s.startswith("SE*"))
    head, family, tail = parts[:first], parts[first:end], parts[end + 1 :]
    note = "NTE*ADD*" + "X" * 3000
    count = 0
    with open(path, "w", encoding="ascii") as out:
        out.write("~\n".join(head) + "~\n")
        for number in range(families):
            last = f"SM{chr(65 + number % 26)}{chr(65 + number // 26 % 26)}ITH"
            out.write("~\n".join(s.replace("*SMITH*", f"*{last}*") for s in [*family, note]) + "~\n")
            count += len(family) + 1
        out.write(f"SE*{count + len(head) - 1}*0001~\n" + "~\n".join(tail) + "~\n")
    return count + len(head) + 1 + len(tail)


def test_large_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "large.834"
    families = 10_000
    assert write_large_834(path, families) >= 200_000
    size_kib = path.stat().st_size // 1024
    assert size_kib > 30_000
    env = {"PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", _BOUNDED_MEMORY_SCRIPT, str(path)], capture_output=True,
                          text=True, env=env, timeout=120, check=True)  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["mentions"] == families * 3
    assert result["largest"] <= 1100  # Detections come in batches ...
    assert result["growth_kib"] < min(64 * 1024, size_kib // 2)  # ... and the file is never held whole
