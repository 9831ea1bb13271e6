"""The rules files: every jurisdiction the issue names loads, validates and cites its law, and the
values encoded for the key states match the statutes' text."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from exposure.model import ELEMENT_CODES
from exposure.report.law import RulesError, load_rules, load_rules_file, rules_dir
from exposure.report.law.rules import CONTENT_ITEMS, parse_rule

STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND",
    "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
]  # fmt: skip
OTHERS = ("US-DC", "US-PR", "US-GU", "US-VI", "HIPAA", "EU-GDPR", "UK-GDPR", "CA-PIPEDA")


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def notice(rules, code, kind, index=0):
    return rules[code].notices_of(kind)[index]


def test_every_named_jurisdiction_has_exactly_one_rules_file(rules):
    assert len(STATES) == 50
    assert set(rules) == {f"US-{s}" for s in STATES} | set(OTHERS)
    assert len(list(rules_dir().glob("*.toml"))) == len(rules)


def test_every_rule_cites_its_law_and_says_whether_it_was_verified(rules):
    for code, rule in rules.items():
        assert rule.citations and all(c.url.startswith(("https://", "http://")) for c in rule.citations), code
        assert rule.verified_note, code
        assert rule.effective_date.year >= 2005, code
        elements = {e for combo in rule.combos for e in combo.elements}
        assert elements <= set(ELEMENT_CODES), code
        assert set(rule.letter.content_required) <= set(CONTENT_ITEMS), code


def test_verified_rules_are_the_ones_checked_against_statute_text(rules):
    verified = sorted(code for code, rule in rules.items() if rule.verified)
    assert verified == ["EU-GDPR", "HIPAA", "US-IN", "US-MA", "US-ME", "US-MO"]


def test_residence_rules_map_each_state_once(rules):
    states = [r.state for r in rules.values() if r.applies_by == "residence"]
    assert sorted(states) == sorted(STATES + ["DC", "PR", "GU", "VI"])


# ---------------------------------------------------------------- values from the statutes


def test_california_30_days_and_the_sample_copy(rules):
    individuals = notice(rules, "US-CA", "individuals")
    assert (individuals.deadline.days, individuals.deadline.anchor) == (30, "discovery")
    ag = notice(rules, "US-CA", "regulator")
    assert (ag.comparator, ag.threshold, ag.deadline.days) == (">", 500, 15)
    assert ag.deadline.anchor == "individual_notice"
    letter = rules["US-CA"].letter
    assert letter.title == "Notice of Data Breach" and letter.min_font_pt == 10
    assert letter.headings[0] == "What Happened?" and letter.headings[-1] == "For More Information."
    assert not rules["US-CA"].harm_analysis_allowed


def test_texas_60_days_attorney_general_at_250_or_more_in_30(rules):
    individuals = notice(rules, "US-TX", "individuals")
    assert (individuals.deadline.days, individuals.deadline.anchor) == (60, "determination")
    ag = notice(rules, "US-TX", "regulator")
    assert (ag.comparator, ag.threshold, ag.deadline.days) == (">=", 250, 30)
    assert (ag.owed_at(249), ag.owed_at(250)) == (False, True)
    cra = notice(rules, "US-TX", "consumer_reporting_agencies")
    assert (cra.comparator, cra.threshold) == (">", 10000)


def test_florida_new_york_washington_maine_missouri_massachusetts(rules):
    fl = notice(rules, "US-FL", "regulator")
    assert (fl.comparator, fl.threshold, fl.deadline.days) == (">=", 500, 30)
    assert fl.deadline.anchor == "determination"
    assert notice(rules, "US-FL", "data_owner").deadline.days == 10
    assert notice(rules, "US-NY", "individuals").deadline.days == 30
    assert notice(rules, "US-NY", "regulator").threshold == 1
    assert notice(rules, "US-NY", "consumer_reporting_agencies").threshold == 5000
    wa = notice(rules, "US-WA", "regulator")
    assert (wa.comparator, wa.threshold, wa.deadline.days) == (">", 500, 30)
    assert notice(rules, "US-ME", "individuals").deadline.days == 30
    assert notice(rules, "US-ME", "regulator").owed_at(1)
    substitute = rules["US-ME"].substitute_notice
    assert (substitute.cost_over, substitute.people_over) == (5000, 1000)
    for kind in ("regulator", "consumer_reporting_agencies"):
        mo = notice(rules, "US-MO", kind)
        assert (mo.comparator, mo.threshold, mo.owed_at(1000), mo.owed_at(1001)) == (">", 1000, False, True)
    assert notice(rules, "US-MO", "individuals").deadline.days is None
    assert [n.threshold for n in rules["US-MA"].notices_of("regulator")] == [1, 1]
    assert set(rules["US-MA"].letter.content_prohibited) == {"breach_nature", "affected_count"}


def test_hipaa_thresholds_have_their_own_comparators(rules):
    hhs, log = rules["HIPAA"].notices_of("hhs")
    assert (hhs.comparator, hhs.threshold, hhs.count) == (">=", 500, "total")
    assert (log.comparator, log.deadline.anchor) == ("<", "year_end")
    media = notice(rules, "HIPAA", "media")
    assert (media.comparator, media.threshold, media.count) == (">", 500, "residents_per_state")
    assert (media.owed_at(500), hhs.owed_at(500)) == (False, True)
    assert notice(rules, "HIPAA", "covered_entity").deadline.days == 60


def test_gdpr_72_hours(rules):
    authority = notice(rules, "EU-GDPR", "regulator")
    assert (authority.deadline.days, authority.deadline.unit) == (72, "hours")
    assert notice(rules, "UK-GDPR", "regulator").recipient.startswith("Information Commissioner")


# ---------------------------------------------------------------- the loader refuses what it cannot read


def ca_data() -> dict:
    return tomllib.loads((rules_dir() / "us-ca.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(surprise=1), "unknown keys"),
        (lambda d: d["notices"][1].pop("comparator"), "missing 'comparator'"),
        (lambda d: d["notices"][1].update(comparator="more than"), "comparator"),
        (lambda d: d["notices"][0].pop("anchor"), "missing 'anchor'"),
        (lambda d: d["personal_information"]["combos"][0].update(elements=["social"]), "unknown values"),
        (lambda d: d.update(citations=[]), "citation"),
        (lambda d: d["citations"][0].update(url="leginfo"), "URL"),
        (lambda d: d.update(verified=True, verified_note=""), "verified_note"),
        (lambda d: d["letter"].update(content_prohibited=["elements_involved"]), "required and prohibited"),
        (lambda d: d["notices"][1].update(threshold="500"), "wrong type"),
    ],
)
def test_schema_errors_are_reported_with_the_file(change, message):
    data = ca_data()
    change(data)
    with pytest.raises(RulesError, match=message) as caught:
        parse_rule(data, "us-ca.toml")
    assert "us-ca.toml" in str(caught.value)


def test_file_name_must_be_the_code_and_codes_unique(tmp_path):
    shutil.copy(rules_dir() / "us-ca.toml", tmp_path / "california.toml")
    with pytest.raises(RulesError, match="file name"):
        load_rules_file(tmp_path / "california.toml")
    (tmp_path / "california.toml").unlink()
    shutil.copy(rules_dir() / "us-ca.toml", tmp_path / "us-ca.toml")
    text = (tmp_path / "us-ca.toml").read_text(encoding="utf-8").replace('code = "US-CA"', 'code = "US-CX"')
    (tmp_path / "us-cx.toml").write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match="state CA already covered"):
        load_rules(tmp_path)


def test_an_edited_rules_folder_changes_the_result(tmp_path):
    shutil.copy(rules_dir() / "us-tx.toml", tmp_path / "us-tx.toml")
    path = tmp_path / "us-tx.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("threshold = 250", "threshold = 100"), "utf-8")
    edited = load_rules(tmp_path)
    assert list(edited) == ["US-TX"] and edited["US-TX"].notices_of("regulator")[0].owed_at(100)
