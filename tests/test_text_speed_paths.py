"""The quicker paths of text detection give exactly what the slower ones they replace gave.

Each fast path is compared with the slow one on many generated values: usaddress labels from token
classes against ``usaddress.tag``; the address confirmation written for a quick search against its
look-behind form; phone and SSN checks against the per-region and stdnum checks; a Hyperscan database
loaded from the on-disk cache against a freshly compiled one.
"""

from __future__ import annotations

import random
import re

import pycrfsuite
import pytest
import usaddress
from faker import Faker

from exposure.detect import text
from exposure.detect.elements import address, names, phone, ssn
from exposure.detect.elements.ssn import BUSINESS_NUMBER_LABELS, directly_labelled

SEED = 20240611


# ---- usaddress from token classes ---------------------------------------------------------------------


def _usaddress_tags(value: str) -> dict[str, str]:
    """What address.py used before: usaddress.tag itself."""
    try:
        tagged, _kind = usaddress.tag(value)
    except usaddress.RepeatedLabelError:
        return {}
    return dict(tagged)


def _usaddress_is_street_line(value: str) -> str:
    tags = _usaddress_tags(value.strip())
    street = "AddressNumber" in tags and "StreetName" in tags
    return value.strip() if street or "USPSBoxID" in tags else ""


def _usaddress_full_address(value: str) -> str:
    tags = _usaddress_tags(" ".join(value.split()))
    if not all(k in tags for k in ("PlaceName", "StateName", "ZipCode")):
        return ""
    if not address.normalise_state(tags["StateName"]):
        return ""
    return " ".join(value.split()) if _usaddress_is_street_line(address.street_part(tags)) else ""


_ODD_TOKENS = (
    (
        "Apt Apt. # & and PO_Box P.O._Box N S. NE St. Ave, Suite Unit Rd Hwy Route (rear) &amp; 1/2 ½ Bldg "
        "Floor USA c/o Attn: Rural_Route RR Box ; Ste Lot Main Street Oak Park"
    )
    .replace("_", " ")
    .split()
)


def _generated_addresses(count: int) -> list[str]:
    """Faker's U.S. addresses written several ways, street lines, and jumbles of address-like tokens."""
    fake = Faker("en_US")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    values = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.35:
            values.append(fake.address().replace("\n", rng.choice([", ", " ", ",\n"])))
        elif kind < 0.5:
            values.append(f"{fake.street_address()}, {fake.city()}, {fake.state()} {fake.zipcode_plus4()}")
        elif kind < 0.65:
            values.append(rng.choice([fake.street_address(), fake.secondary_address(), fake.street_name()]))
        elif kind < 0.9:
            pool = [fake.street_name(), str(rng.randint(0, 99999)), fake.city(), fake.state_abbr()]
            pool += [fake.zipcode(), fake.last_name(), fake.word().title(), *rng.sample(_ODD_TOKENS, 4)]
            values.append(" ".join(rng.choice(pool) for _ in range(rng.randint(1, 12))))
        else:
            values.append(fake.sentence(nb_words=rng.randint(1, 12)))
    return values


@pytest.fixture(scope="module")
def generated_addresses() -> list[str]:
    return _generated_addresses(12_000)


def test_address_tags_from_token_classes_equal_usaddress_tag(generated_addresses: list[str]) -> None:
    different = [v for v in generated_addresses if address._tag(v) != _usaddress_tags(v)]
    assert different == []
    # Most labels came from the token-class cache, not from the CRF: the cache did work here.
    assert address._runs.cache_info().hits > 0


def test_street_lines_and_full_addresses_are_judged_as_usaddress_judged_them(
    generated_addresses: list[str],
) -> None:
    for value in generated_addresses:
        assert address.is_street_line(value) == _usaddress_is_street_line(value), value
        assert address.normalise_full_address(value) == _usaddress_full_address(value), value
    accepted = sum(bool(address.normalise_full_address(v)) for v in generated_addresses)
    assert 0.2 * len(generated_addresses) < accepted < 0.8 * len(generated_addresses)


def test_sequence_features_are_what_the_tagger_keeps_of_usaddress_features(
    generated_addresses: list[str],
) -> None:
    """The attributes rebuilt from classes are those of usaddress's features the model knows and that
    are not 0, in usaddress's order: the CRF cannot tell the two apart."""
    known = address._model_attributes()
    assert known is not None and len(known) > 1000
    for value in generated_addresses[:3000]:
        tokens = usaddress.tokenize(value)
        if not tokens:
            continue
        expected = [
            [name for name, weight in item.items() if weight and name in known]
            for item in pycrfsuite.ItemSequence(usaddress.tokens2features(tokens)).items()
        ]
        rebuilt = address._sequence_features(tuple(address._token_class(t) for t in tokens))
        assert [[name for name in item if name in known] for item in rebuilt] == expected, value


def test_address_tokens_equal_usaddress_tokenize(generated_addresses: list[str]) -> None:
    for value in [*generated_addresses, "12 Main &amp; 3rd &#38; Elm", "(rear) 5 Oak;St", ""]:
        assert address._parse(value)[0] == usaddress.tokenize(value), value


# ---- the address confirmation, written for a quick search ------------------------------------------------

_LOOK_BEHIND_ADDRESS = re.compile(
    address._TEXT_ADDRESS.confirm.pattern.replace(
        r"(?P<value>\d(?<![\w-]\d)\d{0,5}[ ]", r"(?<![\w-])(?P<value>\d{1,6}[ ]"
    )
)


def _address_like_text(rng: random.Random, length: int) -> str:
    pieces = ["12", "4", "1234567", " ", "  ", ", ", ",", "\n", "\r\n", "-", "_", "Main St", "Oak", "Apt 4"]
    pieces += ["Boston", "MA", "Salem, OR", " 02134", "97301-1234", "x", "#5", ".", "'", "a1", "SSN 050-47"]
    return "".join(rng.choice(pieces) for _ in range(length))


def test_address_confirmation_finds_what_its_look_behind_form_finds() -> None:
    assert _LOOK_BEHIND_ADDRESS.pattern != address._TEXT_ADDRESS.confirm.pattern
    rng = random.Random(SEED)
    quick = address._TEXT_ADDRESS.confirm
    for _ in range(3000):
        sample = _address_like_text(rng, rng.randint(1, 60))
        pos, endpos = rng.randint(0, len(sample)), rng.randint(0, len(sample) + 3)
        found = [m.span("value") for m in quick.finditer(sample, pos, endpos)]
        assert found == [m.span("value") for m in _LOOK_BEHIND_ADDRESS.finditer(sample, pos, endpos)], sample
        at = rng.randint(0, len(sample))
        match, expected = quick.match(sample, at), _LOOK_BEHIND_ADDRESS.match(sample, at)
        assert (match and match.span()) == (expected and expected.span()), sample


# ---- phone and SSN checks ---------------------------------------------------------------------------------


def test_nanpa_region_is_the_first_region_whose_rules_the_number_meets() -> None:
    rng = random.Random(SEED)
    numbers = [str(rng.randint(10**9, 10**10 - 1)) for _ in range(30_000)]
    numbers += [str(rng.randint(0, 10 ** rng.randint(1, 12))) for _ in range(5_000)]
    # Area codes of the other regions of country code 1, and toll-free and premium ones.
    areas = ["268", "264", "684", "246", "441", "242", "204", "767", "809", "473", "671", "876", "869", "345",
             "758", "670", "664", "787", "721", "649", "868", "784", "284", "340", "800", "900"]  # fmt: skip
    numbers += [f"{rng.choice(areas)}{rng.randint(0, 9_999_999):07d}" for _ in range(20_000)]

    def region_by_region(nsn: str) -> int | None:
        return next((i for i, rules in enumerate(phone._NANPA_RULES) if phone._valid_by(rules, nsn)), None)

    regions = [phone._nanpa_region_index(n) for n in numbers]
    assert regions == [region_by_region(n) for n in numbers]
    assert len({r for r in regions if r}) > 10  # numbers valid outside the U.S. were among them


def test_ssn_text_check_equals_the_stdnum_check() -> None:
    rng = random.Random(SEED)
    values = [
        f"{rng.randint(0, 999):03d}-{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}"
        for _ in range(30_000)
    ]
    areas = ["000", "666", "900", "078", "457", "219", "123"]
    values += [f"{rng.choice(areas)}{rng.randint(0, 999_999):06d}" for _ in range(10_000)]
    values += ["１２３-４５-６７８９", "５３６-９０-４３９９", "536 90 4399", "078-05-1120", "", "12345678"]
    assert [ssn.normalise_ssn_text(v) for v in values] == [ssn.normalise_ssn(v) for v in values]
    assert sum(bool(ssn.normalise_ssn_text(v)) for v in values) > 10_000


def test_business_labels_grouped_by_first_letter_match_what_the_plain_alternation_matched() -> None:
    words = (*BUSINESS_NUMBER_LABELS, "employer identification number", "federal tax id")
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    plain = re.compile(
        rf"(?<![A-Za-z])(?:{alternatives})\s*(?:no\.?|num\.?|number|nbr|id|#)?\s*[:#=.-]?\s*$", re.IGNORECASE
    )
    grouped = directly_labelled(*words)
    rng = random.Random(SEED)
    fillers = ["", " ", ": ", "#", " No. ", " number ", "\n", "x", "the ", "My ", "-", "  =  "]
    for _ in range(20_000):
        before = "".join(
            rng.choice([*words, *fillers, rng.choice(words).upper(), rng.choice(words).replace(" ", "\t")])
            for _ in range(rng.randint(1, 4))
        )[-30:]
        assert bool(grouped.search(before)) == bool(plain.search(before)), before


# ---- the Hyperscan database cache -------------------------------------------------------------------------

_SAMPLE = (
    "Patient: Maria Lopez\nDOB: 03/04/1975   SSN: 536-90-4399\nAddress: 12 Oak St, Boston, MA 02134\n"
    "Caller asked to update e-mail to maria.lopez@example.org and phone (617) 555-0134.\n\n"
    "Dear Mr. John Smith,\n\nSincerely,\nMark Ellison\nPolicy Services\n"
)


def test_database_from_the_cache_finds_what_a_compiled_one_finds(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    compiled = text._scanner()  # this process's (cached in memory)
    key = text._database_key(compiled.patterns)
    folder = text._cache_folder()
    assert folder is not None
    (folder / f"text-{key}.hsdb").unlink(missing_ok=True)
    assert text._load_database(key, compiled.patterns) is None  # nothing there yet
    text._store_database(key, compiled)
    loaded = text._load_database(key, compiled.patterns)
    assert loaded is not None and loaded.without_start == compiled.without_start
    assert loaded.rescanned == compiled.rescanned and loaded.tracked == compiled.tracked

    def matches(database) -> list[tuple[int, int, int]]:
        found: list[tuple[int, int, int]] = []
        database.scan(_SAMPLE.encode(), match_event_handler=lambda i, s, e, _f, _c: found.append((i, s, e)))
        return sorted(found)

    assert matches(loaded.database) == matches(compiled.database) != []
    assert loaded.rescan_database is not None and compiled.rescan_database is not None
    assert matches(loaded.rescan_database) == matches(compiled.rescan_database) != []


def test_damaged_or_unwritable_cache_only_means_compiling(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    compiled = text._scanner()
    key = text._database_key(compiled.patterns)
    text._store_database(key, compiled)
    folder = text._cache_folder()
    assert folder is not None
    cached = folder / f"text-{key}.hsdb"
    content = bytearray(cached.read_bytes())
    content[-10] ^= 0xFF
    cached.write_bytes(bytes(content))
    assert text._load_database(key, compiled.patterns) is None
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    text._store_database(key, compiled)  # no error
    assert text._load_database(key, compiled.patterns) is None


def test_cache_keeps_a_bounded_number_of_databases(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    compiled = text._scanner()
    for n in range(text._CACHED_DATABASES_KEPT + 3):
        text._store_database(f"{n:032d}", compiled)
    folder = text._cache_folder()
    assert folder is not None
    assert len(list(folder.glob("text-*.hsdb"))) == text._CACHED_DATABASES_KEPT
    assert not list(folder.glob(".*"))  # no half-written files left


def test_gazetteer_form_drops_dots_and_apostrophes_as_before() -> None:
    rng = random.Random(SEED)
    letters = "abcXYZ.'’- éÉ"
    for _ in range(5_000):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        assert names._gazetteer_form(word) == re.sub(r"[.'’]", "", word).lower(), word
