"""The notice engine on small cases built in the case database: thresholds at their boundaries
(taken from the statutes' text), element combinations, safe harbours and due dates."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from exposure.case.db import open_case
from exposure.config import CaseConfig, NoticeSettings, Owner, parse_config
from exposure.report.jurisdictions import COLUMNS, write_jurisdictions
from exposure.report.law import evaluate_case
from exposure.report.law.engine import add_period
from exposure.report.notification_list import write_notification_list

DISCOVERY = dt.date(2025, 4, 1)  # a Tuesday
DETERMINATION = dt.date(2025, 4, 10)
CONFIG = CaseConfig(
    name="engine test",
    breach_date=dt.date(2025, 3, 20),
    notice=NoticeSettings(discovery_date=DISCOVERY, determination_date=DETERMINATION),
)


def add_people(con, count: int, state: str, elements: str, owners: str = "", named: bool = True,
               prefix: str | None = None) -> None:  # fmt: skip
    """Insert ``count`` persons sharing a state, element list and owners (ids prefix-0001 ...)."""
    prefix = prefix or f"{state}-{elements}-{owners}"
    con.execute(
        """
        INSERT INTO persons (person_id, first_name, last_name, state, elements, data_owners)
        SELECT ? || '-' || lpad(i::VARCHAR, 6, '0'), CASE WHEN ? THEN 'Pat' END, CASE WHEN ? THEN 'Doe' END,
               ?, ?, ? FROM range(?) t(i)
        """,
        [prefix, named, named, state, elements, owners, count],
    )


def owed(notices, code: str, kind: str):
    return [o for o in notices.obligations_for(code) if o.notice == kind and o.owed]


def listed(notices, code: str, kind: str):
    return [o for o in notices.obligations_for(code) if o.notice == kind]


# ---------------------------------------------------------------- thresholds at the boundary


@pytest.mark.parametrize(("people", "expected"), [(249, False), (250, True)])
def test_texas_attorney_general_at_250_or_more(con, people, expected):
    add_people(con, people, "TX", "name;ssn")
    notices = evaluate_case(con, CONFIG)
    (ag,) = listed(notices, "US-TX", "regulator")
    assert (ag.owed, ag.count, ag.comparator, ag.threshold) == (expected, people, ">=", 250)
    assert ("at least 250" in ag.why) and ("does not meet" in ag.why) != expected
    assert ag.due_date == (DETERMINATION + dt.timedelta(days=30) if expected else None)
    assert not owed(notices, "US-TX", "consumer_reporting_agencies")  # more than 10,000 only


@pytest.mark.parametrize(("people", "expected"), [(499, False), (500, True)])
def test_florida_department_of_legal_affairs_at_500_or_more(con, people, expected):
    add_people(con, people, "FL", "name;ssn")
    notices = evaluate_case(con, CONFIG)
    assert bool(owed(notices, "US-FL", "regulator")) is expected
    (individuals,) = owed(notices, "US-FL", "individuals")
    assert individuals.due_date == DETERMINATION + dt.timedelta(days=30)


@pytest.mark.parametrize(("people", "expected"), [(1000, False), (1001, True)])
def test_missouri_attorney_general_and_cras_above_1000(con, people, expected):
    add_people(con, people, "MO", "name;ssn")
    notices = evaluate_case(con, CONFIG)
    assert bool(owed(notices, "US-MO", "regulator")) is expected
    assert bool(owed(notices, "US-MO", "consumer_reporting_agencies")) is expected
    (individuals,) = owed(notices, "US-MO", "individuals")
    assert individuals.due_date is None and "unreasonable delay" in individuals.deadline_text


@pytest.mark.parametrize(("people", "expected"), [(500, False), (501, True)])
def test_washington_attorney_general_above_500_within_30_days(con, people, expected):
    add_people(con, people, "WA", "date_of_birth;name")  # a full date of birth with a name counts in WA
    notices = evaluate_case(con, CONFIG)
    assert notices.residents["US-WA"] == people
    ag = owed(notices, "US-WA", "regulator")
    assert bool(ag) is expected
    if expected:
        assert ag[0].due_date == DISCOVERY + dt.timedelta(days=30)


@pytest.mark.parametrize(("people", "expected"), [(500, False), (501, True)])
def test_california_sample_copy_to_attorney_general_above_500(con, people, expected):
    add_people(con, people, "CA", "name;ssn")
    notices = evaluate_case(con, CONFIG)
    (individuals,) = owed(notices, "US-CA", "individuals")
    assert individuals.due_date == DISCOVERY + dt.timedelta(days=30)
    ag = owed(notices, "US-CA", "regulator")
    assert bool(ag) is expected
    if expected:  # 15 days after the consumer notice; without its date, after the latest allowed one
        assert ag[0].due_date == individuals.due_date + dt.timedelta(days=15)


def test_california_sample_copy_counts_from_the_configured_notice_date(con):
    add_people(con, 501, "CA", "name;ssn")
    sent = dt.date(2025, 4, 20)
    config = CaseConfig(notice=NoticeSettings(discovery_date=DISCOVERY, individual_notice_date=sent))
    (ag,) = owed(evaluate_case(con, config), "US-CA", "regulator")
    assert ag.due_date == sent + dt.timedelta(days=15)


def test_new_york_agencies_for_any_resident_and_cras_above_5000(con):
    add_people(con, 1, "NY", "name;ssn")
    notices = evaluate_case(con, CONFIG)
    (regulator,) = owed(notices, "US-NY", "regulator")
    assert "Attorney General" in regulator.recipient and "State Police" in regulator.recipient
    assert not owed(notices, "US-NY", "consumer_reporting_agencies")
    (individuals,) = owed(notices, "US-NY", "individuals")
    assert individuals.due_date == DISCOVERY + dt.timedelta(days=30)


def test_massachusetts_always_attorney_general_and_ocabr(con):
    add_people(con, 1, "MA", "financial_account;name")  # MA: account number with or without a code
    config = CaseConfig(notice=NoticeSettings(discovery_date=DISCOVERY, account_numbers_usable=False))
    notices = evaluate_case(con, config)
    recipients = [o.recipient for o in owed(notices, "US-MA", "regulator")]
    assert len(recipients) == 2 and any("OCABR" in r for r in recipients)
    assert set(notices.rules["US-MA"].letter.content_prohibited) == {"breach_nature", "affected_count"}


@pytest.mark.parametrize(("people", "cras"), [(1, False), (1000, False), (1001, True)])
def test_maine_attorney_general_for_any_resident_cras_above_1000(con, people, cras):
    add_people(con, people, "ME", "drivers_license;name")
    notices = evaluate_case(con, CONFIG)
    assert owed(notices, "US-ME", "regulator")
    assert bool(owed(notices, "US-ME", "consumer_reporting_agencies")) is cras
    (individuals,) = owed(notices, "US-ME", "individuals")
    assert individuals.due_date == DISCOVERY + dt.timedelta(days=30)


# ---------------------------------------------------------------- HIPAA


def hipaa_config(role: str = "covered_entity", **dates) -> CaseConfig:
    settings = NoticeSettings(discovery_date=DISCOVERY, hipaa_role=role, **dates)
    return CaseConfig(breach_date=dt.date(2025, 3, 20), notice=settings)


def test_hipaa_hhs_at_500_total_but_media_only_above_500_in_a_state(con):
    add_people(con, 500, "OH", "health_insurance_id;name")
    notices = evaluate_case(con, hipaa_config())
    assert notices.residents["HIPAA"] == 500
    (hhs,) = owed(notices, "HIPAA", "hhs")
    assert (hhs.comparator, hhs.threshold, hhs.due_date) == (">=", 500, DISCOVERY + dt.timedelta(days=60))
    (media,) = listed(notices, "HIPAA", "media")
    assert (media.state, media.count, media.owed) == ("OH", 500, False)


def test_hipaa_media_per_state_above_500(con):
    add_people(con, 501, "OH", "medical_information;name")
    add_people(con, 300, "KY", "medical_information;name")
    notices = evaluate_case(con, hipaa_config())
    media = {o.state: o.owed for o in listed(notices, "HIPAA", "media")}
    assert media == {"KY": False, "OH": True}
    assert notices.residents_by_state["HIPAA"] == {"KY": 300, "OH": 501}


def test_hipaa_under_500_goes_to_the_annual_log(con):
    add_people(con, 12, "OH", "medical_information;name")
    notices = evaluate_case(con, hipaa_config())
    (log,) = owed(notices, "HIPAA", "hhs")
    assert log.comparator == "<" and log.due_date == dt.date(2026, 3, 1)  # 60 days after 31 Dec 2025


def test_hipaa_needs_a_configured_role_and_a_health_element(con):
    add_people(con, 5, "OH", "medical_information;name", prefix="sick")
    add_people(con, 5, "OH", "name;ssn", prefix="plain")
    assert "HIPAA" not in evaluate_case(con, CONFIG).residents
    notices = evaluate_case(con, hipaa_config())
    assert notices.residents["HIPAA"] == 5
    assert notices.person_jurisdictions["plain-000000"] == ["US-OH"]
    assert notices.person_jurisdictions["sick-000000"] == ["HIPAA"]  # Ohio's law has no health elements


def test_business_associate_tells_the_covered_entity_and_its_clock_starts_at_that_notice(con):
    add_people(con, 20, "OH", "medical_information;name", owners="Lakeside Health")
    told = dt.date(2025, 4, 15)
    config = CaseConfig(
        owners=(Owner("Lakeside Health", hipaa_role="business_associate"),),
        notice=NoticeSettings(discovery_date=DISCOVERY, vendor_notice_date=told),
    )
    notices = evaluate_case(con, config)
    (to_entity,) = owed(notices, "HIPAA", "covered_entity")
    assert to_entity.due_date == DISCOVERY + dt.timedelta(days=60) and to_entity.count == 20
    (individuals,) = owed(notices, "HIPAA", "individuals")
    assert individuals.due_date == told + dt.timedelta(days=60)


# ---------------------------------------------------------------- element combinations


@pytest.mark.parametrize(
    ("state", "elements", "named", "covered"),
    [
        ("CA", "ssn", False, False),  # a name is required with the SSN
        ("CA", "name;ssn", True, True),
        ("CA", "online_credentials", False, True),  # credentials count without a name
        ("ME", "online_credentials", False, False),  # Maine: passwords only with a name
        ("ME", "name;online_credentials", True, True),
        ("TX", "medical_information", False, True),  # health information counts without a name
        ("TX", "date_of_birth;name", True, False),
        ("WA", "date_of_birth;name", True, True),
        ("IN", "ssn", False, True),  # Indiana: an unencrypted SSN alone
        ("FL", "email;name;phone", True, False),
    ],
)
def test_personal_information_combinations(con, state, elements, named, covered):
    add_people(con, 1, state, elements, named=named, prefix="p")
    codes = evaluate_case(con, CONFIG).person_jurisdictions["p-000000"]
    assert (f"US-{state}" in codes) is covered


def test_account_numbers_need_a_usable_code_except_in_massachusetts(con):
    add_people(con, 1, "TX", "financial_account;name", prefix="tx")
    add_people(con, 1, "MA", "financial_account;name", prefix="ma")
    strict = CaseConfig(notice=NoticeSettings(discovery_date=DISCOVERY, account_numbers_usable=False))
    assert evaluate_case(con, strict).person_jurisdictions == {"ma-000000": ["US-MA"], "tx-000000": []}
    assert evaluate_case(con, CONFIG).person_jurisdictions["tx-000000"] == ["US-TX"]


def test_new_york_medical_information_counts_from_march_2025(con):
    add_people(con, 1, "NY", "medical_information;name", prefix="p")
    before = CaseConfig(notice=NoticeSettings(discovery_date=dt.date(2025, 3, 1)))
    assert evaluate_case(con, before).person_jurisdictions["p-000000"] == []
    assert evaluate_case(con, CONFIG).person_jurisdictions["p-000000"] == ["US-NY"]


def test_encryption_safe_harbour_unless_the_key_was_taken(con):
    add_people(con, 3, "CA", "name;ssn")
    encrypted = CaseConfig(notice=NoticeSettings(discovery_date=DISCOVERY, data_encrypted=True))
    assert evaluate_case(con, encrypted).covered == 0
    settings = NoticeSettings(discovery_date=DISCOVERY, data_encrypted=True, key_compromised=True)
    key_taken = CaseConfig(notice=settings)
    assert evaluate_case(con, key_taken).residents == {"US-CA": 3}


def test_harm_analysis_only_where_the_statute_allows_it(con):
    add_people(con, 2, "MO", "name;ssn")  # MO: not required if harm is not reasonably likely
    add_people(con, 2, "CA", "name;ssn")  # CA: no risk-of-harm exception
    config = CaseConfig(notice=NoticeSettings(discovery_date=DISCOVERY, harm_ruled_out=True))
    assert evaluate_case(con, config).residents == {"US-CA": 2}


def test_gdpr_for_a_configured_owner_72_hours(con):
    add_people(con, 4, "", "email;name", owners="EU Client", prefix="eu")
    add_people(con, 4, "", "email;name", owners="Local", prefix="us")
    config = parse_config(
        {"notice": {"discovery_date": "2025-04-01"}, "owner": [{"name": "EU Client", "regimes": ["EU-GDPR"]}]}
    )
    notices = evaluate_case(con, config)
    assert notices.residents == {"EU-GDPR": 4}
    assert notices.person_jurisdictions["us-000000"] == [] and notices.person_jurisdictions["eu-000000"] == [
        "EU-GDPR"
    ]
    (authority,) = owed(notices, "EU-GDPR", "regulator")
    assert authority.due_date == DISCOVERY + dt.timedelta(days=3)


def test_vendor_duty_listed_only_when_the_data_is_held_for_an_owner(con):
    add_people(con, 3, "FL", "name;ssn", owners="Client")
    assert not listed(evaluate_case(con, CONFIG), "US-FL", "data_owner")
    settings = NoticeSettings(discovery_date=DISCOVERY)
    vendor = CaseConfig(owners=(Owner("Client", role="vendor"),), notice=settings)
    (duty,) = owed(evaluate_case(con, vendor), "US-FL", "data_owner")
    assert duty.due_date == DISCOVERY + dt.timedelta(days=10)


# ---------------------------------------------------------------- dates


def test_dates_fall_back_earlier_never_later(con):
    add_people(con, 250, "TX", "name;ssn")
    only_breach = CaseConfig(breach_date=dt.date(2025, 3, 20))
    (ag,) = owed(evaluate_case(con, only_breach), "US-TX", "regulator")
    assert ag.due_date == dt.date(2025, 4, 19) and "breach_date" in ag.deadline_text
    no_dates = evaluate_case(con, CaseConfig())
    assert owed(no_dates, "US-TX", "regulator")[0].due_date is None


def test_business_days_skip_weekends():
    friday = dt.date(2025, 4, 4)
    assert add_period(friday, 1, "business_days") == dt.date(2025, 4, 7)
    assert add_period(friday, 14, "business_days") == dt.date(2025, 4, 24)
    assert add_period(friday, 72, "hours") == dt.date(2025, 4, 7)


def test_vermont_preliminary_notice_in_14_business_days(con):
    add_people(con, 1, "VT", "name;ssn")
    (prelim,) = owed(evaluate_case(con, CONFIG), "US-VT", "regulator")
    assert prelim.due_date == add_period(DISCOVERY, 14, "business_days") == dt.date(2025, 4, 21)


# ---------------------------------------------------------------- reports


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_jurisdictions_csv_and_the_notification_list_column(con, tmp_path):
    add_people(con, 250, "TX", "name;ssn", prefix="tx")
    add_people(con, 2, "MA", "name;ssn", prefix="ma")
    add_people(con, 1, "", "name;ssn", prefix="nowhere")
    write_jurisdictions(con, CONFIG, tmp_path)
    rows = read_csv(tmp_path / "jurisdictions.csv")
    assert list(rows[0]) == list(COLUMNS)
    by_code = {r["jurisdiction"]: r for r in rows}
    assert set(by_code) == {"US-MA", "US-TX"}
    tx = by_code["US-TX"]
    assert (tx["residents"], tx["individuals"], tx["regulator"], tx["consumer_reporting_agencies"]) == (
        "250", "true", "true", "false",
    )  # fmt: skip
    assert tx["regulator_due"] == "2025-05-10" and tx["individuals_due"] == "2025-06-09"
    assert tx["earliest_due"] == "2025-05-10" and "521.053" in tx["citation"]
    assert by_code["US-MA"]["verified"] == "true" and "OCABR" in by_code["US-MA"]["recipients"]
    write_notification_list(con, CONFIG, tmp_path)
    cells = {r["person_id"]: r["jurisdictions"] for r in read_csv(tmp_path / "notification_list.csv")}
    assert cells["tx-000000"] == "US-TX" and cells["ma-000001"] == "US-MA" and cells["nowhere-000000"] == ""


def test_two_jurisdictions_are_sorted_and_joined(con, tmp_path):
    add_people(con, 1, "TX", "medical_information;name;ssn", prefix="p")
    write_notification_list(con, hipaa_config(), tmp_path)
    (row,) = read_csv(tmp_path / "notification_list.csv")
    assert row["jurisdictions"] == "HIPAA;US-TX"


@pytest.mark.slow
def test_demo_case_every_named_ssn_resident_is_covered_by_their_state(demo_case, tmp_path):
    from conftest import run_cli

    result = run_cli("run", str(demo_case.input_dir), "--case", str(tmp_path / "case"),
                     "--config", str(demo_case.config_path))  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    con = open_case(tmp_path / "case", create=False)
    try:
        notices = evaluate_case(con, CONFIG)
        rows = con.execute("SELECT person_id, state, elements, last_name FROM persons").fetchall()
    finally:
        con.close()
    checked = 0
    for person_id, state, elements, last_name in rows:
        codes = set(elements.split(";"))
        if state and last_name and "ssn" in codes and f"US-{state}" in notices.rules:
            assert f"US-{state}" in notices.person_jurisdictions[person_id]
            checked += 1
    assert checked > 20
    assert sum(notices.residents.values()) >= checked
