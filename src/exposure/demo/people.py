"""Fake people for the demo corpus: households, minors, twins and a Jr/Sr pair.

Everything is drawn from one seeded ``random.Random`` and one seeded Faker, so a
seed always gives the same people. Values are synthetic but valid where the tool
validates them: SSNs pass python-stdnum, phone numbers use real area codes.

Real breaches write one person differently from file to file, so a share of the
people get one *variant* (a nickname, a surname typo, a maiden or hyphenated name,
an old address, a day/month-swapped or missing birth date) that one source writes
instead of the truth (``plan_variants`` decides who, ``written_as`` spells it). The
variants come from their own seeded generators: planning them never changes who the
people are, and every variant stays linkable (a source that writes one also writes
an SSN, or a birth date with an address, e-mail or phone).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker
from stdnum.us import ssn as stdnum_ssn

BREACH_DATE = dt.date(2024, 3, 15)

# Published or invalid SSNs that appear in fixtures only; real people never get them.
FIXTURE_SSNS = frozenset({"123-45-6789", "078-05-1120"})

# Real area codes, so generated numbers are valid for ``phonenumbers``.
AREA_CODES = (
    "205", "212", "213", "214", "215", "216", "303", "305", "312", "313", "314", "317",
    "404", "406", "412", "414", "415", "502", "503", "504", "512", "515", "602", "603",
    "608", "612", "614", "615", "617", "702", "704", "713", "716", "720", "801", "803",
    "808", "813", "816", "904", "907", "916", "919", "971",
)  # fmt: skip

SEGMENT_OCEANVIEW = "oceanview"
SEGMENT_LAKESIDE = "lakeside"
SEGMENT_STAFF = "staff"  # the vendor's own employees and their dependents (hr/)


@dataclass
class Person:
    truth_id: str
    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    date_of_birth: dt.date
    ssn: str  # ###-##-####
    address_line1: str
    city: str
    state: str
    postal_code: str
    email: str
    phone: str  # E.164, +1XXXXXXXXXX
    household_id: str
    segment: str = ""
    role: str = "primary"  # primary / spouse / child / employee / dependent
    tags: set[str] = field(default_factory=set)  # twin, junior, senior, edge_minor ...
    sex: str = ""  # F / M: who can have a maiden name
    variant: str = ""  # the one VARIANTS entry some source writes instead of the truth ("" for none)
    variant_first_name: str = ""  # the nickname, when variant is NICKNAME
    variant_last_name: str = ""  # the misspelt, maiden or hyphenated surname
    old_address: tuple[str, str, str, str] | None = None  # line1, city, state, zip before a move

    @property
    def is_minor(self) -> bool:
        return age_on(self.date_of_birth, BREACH_DATE) < 18

    @property
    def is_adult(self) -> bool:
        return not self.is_minor


@dataclass
class Household:
    household_id: str
    members: list[Person]
    segment: str = ""

    @property
    def adults(self) -> list[Person]:
        return [p for p in self.members if p.is_adult]


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class PeopleFactory:
    """Makes unique people; SSNs and e-mails are never reused within one corpus."""

    def __init__(self, rng: random.Random, fake: Faker) -> None:
        self.rng = rng
        self.fake = fake
        self.used_ssns: set[str] = set(FIXTURE_SSNS)
        self.used_emails: set[str] = set()
        self.used_ids: set[str] = set()  # member / policy / employee ids, unique across batches
        self.next_number = 1
        self.next_household = 1

    # ---- values -------------------------------------------------------
    def new_ssn(self) -> str:
        while True:
            area = self.rng.randint(1, 899)
            if area == 666:
                continue
            value = f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
            if value not in self.used_ssns and stdnum_ssn.is_valid(value):
                self.used_ssns.add(value)
                return value

    def new_phone(self) -> str:
        exchange = self.rng.randint(200, 999)
        while exchange % 100 == 11 or exchange == 555:  # N11 codes and 555 are not subscriber lines
            exchange = self.rng.randint(200, 999)
        return f"+1{self.rng.choice(AREA_CODES)}{exchange}{self.rng.randint(0, 9999):04d}"

    def new_email(self, first: str, last: str, born: dt.date) -> str:
        domain = self.fake.free_email_domain()
        styles = (
            f"{first}.{last}",
            f"{first[0]}{last}",
            f"{first}{last}{born.year % 100:02d}",
            f"{last}.{first}",
        )
        local = self.rng.choice(styles).lower().replace("'", "").replace(" ", "")
        email, n = f"{local}@{domain}", 2
        while email in self.used_emails:
            email, n = f"{local}{n}@{domain}", n + 1
        self.used_emails.add(email)
        return email

    def adult_dob(self, min_age: int = 19, max_age: int = 88) -> dt.date:
        return random_birthday(self.rng, min_age, max_age)

    def minor_dob(self) -> dt.date:
        return random_birthday(self.rng, 0, 17)

    # ---- people -------------------------------------------------------
    def new_household_id(self) -> str:
        household_id = f"H{self.next_household:05d}"
        self.next_household += 1
        return household_id

    def person(
        self,
        household_id: str,
        address: tuple[str, str, str, str],
        last_name: str,
        born: dt.date,
        *,
        first_name: str | None = None,
        middle_name: str | None = None,
        suffix: str = "",
        sex: str | None = None,
        role: str = "primary",
        phone: str | None = None,
    ) -> Person:
        sex = sex or self.rng.choice("FM")
        first = first_name or (self.fake.first_name_female() if sex == "F" else self.fake.first_name_male())
        if middle_name is None:
            # A third of people have no middle name on file, which is common in real rosters.
            middle_name = "" if self.rng.random() < 0.3 else self.fake.first_name()
        minor = age_on(born, BREACH_DATE) < 18
        email = "" if minor or self.rng.random() < 0.08 else self.new_email(first, last_name, born)
        if phone is None:
            phone = "" if minor or self.rng.random() < 0.05 else self.new_phone()
        truth_id = f"P{self.next_number:06d}"
        self.next_number += 1
        line1, city, state, postal = address
        return Person(
            truth_id=truth_id,
            first_name=first,
            middle_name=middle_name,
            last_name=last_name,
            suffix=suffix,
            date_of_birth=born,
            ssn=self.new_ssn(),
            address_line1=line1,
            city=city,
            state=state,
            postal_code=postal,
            email=email,
            phone=phone,
            household_id=household_id,
            role=role,
            sex=sex,
        )

    def new_address(self) -> tuple[str, str, str, str]:
        state = self.fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        return (self.fake.street_address(), self.fake.city(), state, self.fake.zipcode_in_state(state))


def random_birthday(rng: random.Random, min_age: int, max_age: int) -> dt.date:
    """A birthday giving an age in [min_age, max_age] on the breach date."""
    latest = _years_before(BREACH_DATE, min_age)
    earliest = _years_before(BREACH_DATE, max_age + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---- households ---------------------------------------------------------


def special_households(factory: PeopleFactory) -> list[Household]:
    """The cases a resolver must not get wrong: a Jr/Sr pair, twins, and kids either side of 18."""
    return [_jr_sr_household(factory), _twins_household(factory), _eighteenth_birthday_household(factory)]


def _jr_sr_household(factory: PeopleFactory) -> Household:
    hid, address = factory.new_household_id(), factory.new_address()
    last, first, middle = (
        factory.fake.last_name(),
        factory.fake.first_name_male(),
        factory.fake.first_name_male(),
    )
    senior = factory.person(
        hid,
        address,
        last,
        factory.adult_dob(64, 75),
        first_name=first,
        middle_name=middle,
        suffix="Sr",
        sex="M",
    )
    spouse = factory.person(hid, address, last, factory.adult_dob(60, 72), sex="F", role="spouse")
    junior = factory.person(
        hid,
        address,
        last,
        factory.adult_dob(30, 40),
        first_name=first,
        middle_name=middle,
        suffix="Jr",
        sex="M",
        role="child",
    )
    senior.tags.add("senior")
    junior.tags.add("junior")
    return Household(hid, [senior, spouse, junior])


def _twins_household(factory: PeopleFactory) -> Household:
    hid, address = factory.new_household_id(), factory.new_address()
    last = factory.fake.last_name()
    parent = factory.person(hid, address, last, factory.adult_dob(35, 48))
    born = factory.minor_dob()
    twin_a = factory.person(hid, address, last, born, sex="F", role="child")
    twin_b = factory.person(hid, address, last, born, sex="M", role="child")
    while twin_b.first_name == twin_a.first_name:
        twin_b.first_name = factory.fake.first_name_male()
    for twin in (twin_a, twin_b):
        twin.tags.add("twin")
    return Household(hid, [parent, twin_a, twin_b])


def _eighteenth_birthday_household(factory: PeopleFactory) -> Household:
    """One child turns 18 on the breach date (an adult), a sibling turns 18 the day after (a minor)."""
    hid, address = factory.new_household_id(), factory.new_address()
    last = factory.fake.last_name()
    parent = factory.person(hid, address, last, factory.adult_dob(40, 55))
    adult_today = factory.person(hid, address, last, _years_before(BREACH_DATE, 18), role="child")
    minor_until_tomorrow = factory.person(
        hid, address, last, _years_before(BREACH_DATE, 18) + dt.timedelta(days=1), role="child"
    )
    adult_today.tags.add("turns_18_on_breach_date")
    minor_until_tomorrow.tags.add("turns_18_day_after")
    return Household(hid, [parent, adult_today, minor_until_tomorrow])


def random_household(factory: PeopleFactory) -> Household:
    rng = factory.rng
    hid, address = factory.new_household_id(), factory.new_address()
    last = factory.fake.last_name()
    shared_phone = factory.new_phone() if rng.random() < 0.3 else None  # a landline the family shares
    head = factory.person(hid, address, last, factory.adult_dob(), phone=shared_phone)
    members = [head]
    kind = rng.random()
    if kind >= 0.55:
        spouse_age = max(19, min(88, age_on(head.date_of_birth, BREACH_DATE) + rng.randint(-6, 6)))
        spouse_sex = "F" if rng.random() < 0.5 else "M"
        members.append(
            factory.person(
                hid,
                address,
                last,
                factory.adult_dob(spouse_age, spouse_age),
                sex=spouse_sex,
                role="spouse",
                phone=shared_phone,
            )
        )
    if kind >= 0.75 and age_on(head.date_of_birth, BREACH_DATE) < 60:
        for _ in range(rng.randint(1, 3)):
            born = factory.minor_dob() if rng.random() < 0.8 else factory.adult_dob(19, 25)
            members.append(factory.person(hid, address, last, born, role="child"))
    return Household(hid, members)


def build_population(factory: PeopleFactory, size: int, with_specials: bool = True) -> list[Household]:
    """Households until ``size`` people exist; the last household is cut to fit."""
    households = special_households(factory) if with_specials else []
    count = sum(len(h.members) for h in households)
    while count < size:
        household = random_household(factory)
        household.members = household.members[: size - count]
        households.append(household)
        count += len(household.members)
    return households


# ---- how names and values are written in files ----------------------------


def initial(name: str) -> str:
    return name[:1]


def first_last(p: Person | Written) -> str:
    return f"{p.first_name} {p.last_name}"


def full_display(p: Person | Written) -> str:
    """``Jane A. Smith Jr.``: the way letters address people."""
    parts = [p.first_name]
    if p.middle_name:
        parts.append(f"{initial(p.middle_name)}.")
    parts.append(p.last_name)
    if p.suffix:
        parts.append(f"{p.suffix}.")
    return " ".join(parts)


def last_comma_first_mi(p: Person | Written, upper: bool = False) -> str:
    """``SMITH, JANE A``: payroll and mainframe style."""
    text = f"{p.last_name}{' ' + p.suffix if p.suffix else ''}, {p.first_name}"
    if p.middle_name:
        text += f" {initial(p.middle_name)}"
    return text.upper() if upper else text


def ssn_digits(p: Person) -> str:
    return p.ssn.replace("-", "")


def masked_ssn(p: Person) -> str:
    return f"***-**-{p.ssn[-4:]}"


def phone_as(p: Person, style: int) -> str:
    """The same number as different systems print it."""
    if not p.phone:
        return ""
    digits = p.phone[2:]
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return (
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        digits,
        f"+1 {area} {exchange} {line}",
    )[style % 5]


def us_date(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


def short_us_date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


# ---- variants: how one source may write a person differently ------------------------

NICKNAME = "nickname"  # Bill for William, Peggy for Margaret
SURNAME_TYPO = "surname_typo"  # two letters swapped or one dropped, in one source
MAIDEN_NAME = "maiden_name"  # a married woman under her birth surname, in an older file
HYPHENATED = "hyphenated_surname"  # a married woman as Maiden-Married
OLD_ADDRESS = "old_address"  # the address before a move, in an older file
DOB_SWAP = "dob_day_month_swap"  # 1980-03-07 written as 1980-07-03
DOB_MISSING = "dob_missing"  # the birth date left blank (the source still writes the SSN)
VARIANTS: tuple[str, ...] = (
    NICKNAME, SURNAME_TYPO, MAIDEN_NAME, HYPHENATED, OLD_ADDRESS, DOB_SWAP, DOB_MISSING,
)  # fmt: skip
# Variants an older file (an archive of past years) writes; the others appear in current files.
OLDER_FILE_VARIANTS = frozenset({MAIDEN_NAME, OLD_ADDRESS})

# Common formal first names and the short forms people go by. Every pair is also in the
# ``nicknames`` package's table, so a resolver using a packaged table can join them.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"), "Robert": ("Bob", "Rob", "Bobby"), "Richard": ("Rick", "Rich"),
    "James": ("Jim", "Jimmy"), "John": ("Jack", "Johnny"), "Joseph": ("Joe",), "Thomas": ("Tom",),
    "Charles": ("Chuck", "Charlie"), "Michael": ("Mike",), "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"), "Matthew": ("Matt",), "Anthony": ("Tony",), "Steven": ("Steve",),
    "Stephen": ("Steve",), "Edward": ("Ed", "Ted"), "Andrew": ("Andy", "Drew"), "Joshua": ("Josh",),
    "Jonathan": ("Jon",), "Benjamin": ("Ben",), "Samuel": ("Sam",), "Timothy": ("Tim",),
    "Gregory": ("Greg",), "Patrick": ("Pat",), "Jeffrey": ("Jeff",), "Kenneth": ("Ken",),
    "Ronald": ("Ron",), "Donald": ("Don",), "Nicholas": ("Nick",), "Alexander": ("Alex",),
    "Zachary": ("Zach",), "Gerald": ("Jerry",), "Lawrence": ("Larry",), "Raymond": ("Ray",),
    "Peter": ("Pete",), "Frederick": ("Fred",), "Douglas": ("Doug",), "Bradley": ("Brad",),
    "Jacob": ("Jake",), "Nathan": ("Nate",), "David": ("Dave",),
    "Margaret": ("Peggy", "Maggie", "Meg"), "Elizabeth": ("Liz", "Beth", "Betty"),
    "Katherine": ("Kate", "Kathy"), "Catherine": ("Cathy",), "Jennifer": ("Jen", "Jenny"),
    "Patricia": ("Pat", "Patty", "Tricia"), "Susan": ("Sue", "Susie"), "Deborah": ("Deb", "Debbie"),
    "Rebecca": ("Becky",), "Jessica": ("Jess",), "Christina": ("Tina",), "Christine": ("Chris",),
    "Kimberly": ("Kim",), "Pamela": ("Pam",), "Barbara": ("Babs", "Barbie"), "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam",), "Alexandra": ("Alex",), "Abigail": ("Abby",), "Cynthia": ("Cindy",),
    "Dorothy": ("Dot",), "Kathleen": ("Kathy",), "Stephanie": ("Steph",), "Amanda": ("Mandy",),
    "Melissa": ("Missy",), "Theresa": ("Terry", "Tess"), "Judith": ("Judy",), "Jacqueline": ("Jackie",),
}  # fmt: skip

# How often each variant is planned for a person it fits (at most one per person). Kept
# moderate: a good resolver should still reach person recall >= 0.98 and precision >= 0.97.
VARIANT_SHARES: dict[str, float] = {
    NICKNAME: 0.35,  # of people whose first name has a short form
    MAIDEN_NAME: 0.30,  # of married women
    HYPHENATED: 0.15,  # of married women
    OLD_ADDRESS: 0.08,
    SURNAME_TYPO: 0.06,
    DOB_SWAP: 0.10,  # of people born on a day <= 12 (else the swap is no date)
    DOB_MISSING: 0.05,
}


@dataclass(frozen=True)
class Written:
    """A person as one source writes them: the truth, or the truth with the person's variant."""

    first_name: str
    middle_name: str
    last_name: str
    suffix: str
    date_of_birth: dt.date | None
    address_line1: str
    city: str
    state: str
    postal_code: str
    variant: str = ""  # the VARIANTS entry this spelling carries, "" for the truth


def truth_written(p: Person) -> Written:
    return Written(p.first_name, p.middle_name, p.last_name, p.suffix, p.date_of_birth,
                   p.address_line1, p.city, p.state, p.postal_code)  # fmt: skip


def written_as(p: Person, variant: str) -> Written:
    """``p`` with ``variant`` applied (the person's own planned values); "" gives the truth."""
    base = truth_written(p)
    if variant == NICKNAME:
        return dataclasses.replace(base, first_name=p.variant_first_name, variant=variant)
    if variant in (SURNAME_TYPO, MAIDEN_NAME, HYPHENATED):
        return dataclasses.replace(base, last_name=p.variant_last_name, variant=variant)
    if variant == OLD_ADDRESS and p.old_address:
        line1, city, state, postal = p.old_address
        return dataclasses.replace(
            base, address_line1=line1, city=city, state=state, postal_code=postal, variant=variant
        )
    if variant == DOB_SWAP:
        born = p.date_of_birth
        return dataclasses.replace(base, date_of_birth=born.replace(month=born.day, day=born.month),
                                   variant=variant)  # fmt: skip
    if variant == DOB_MISSING:
        return dataclasses.replace(base, date_of_birth=None, variant=variant)
    return base


def plan_variants(households: list[Household], seed: str) -> None:
    """Give a share of the people one variant (``Person.variant`` and its values), from ``seed`` alone.

    The special people (twins, Jr/Sr, the 18th-birthday pair) keep their truth everywhere: they test
    the guards against wrong merges, and a variant there would test two things at once.
    """
    rng = random.Random(f"variants/{seed}")
    fake = Faker("en_US")
    fake.seed_instance(f"variants/{seed}")
    for household in households:
        married_women = _married_women(household)
        for person in household.members:
            if person.tags or person.is_minor:
                continue
            variant = _draw_variant(_fitting_variants(person, person in married_women), rng.random())
            if variant:
                _set_variant(person, variant, rng, fake)


def _married_women(household: Household) -> list[Person]:
    couple = [p for p in household.members if p.role in ("primary", "employee", "spouse")]
    if not any(p.role == "spouse" for p in household.members):
        return []
    return [p for p in couple if p.sex == "F"]


def _draw_variant(fitting: list[str], roll: float) -> str:
    """Each fitting variant with its share; when the shares add up past 0.9 they shrink to fit."""
    total = sum(VARIANT_SHARES[v] for v in fitting)
    scale = min(1.0, 0.9 / total) if total else 1.0
    floor = 0.0
    for variant in fitting:
        floor += VARIANT_SHARES[variant] * scale
        if roll < floor:
            return variant
    return ""


def _fitting_variants(person: Person, married_woman: bool) -> list[str]:
    """The variants that can apply to ``person``, in the order of VARIANTS."""
    fitting = [OLD_ADDRESS, SURNAME_TYPO, DOB_MISSING]
    if person.first_name in NICKNAMES:
        fitting.append(NICKNAME)
    if married_woman:
        fitting += [MAIDEN_NAME, HYPHENATED]
    if person.date_of_birth.day <= 12 and person.date_of_birth.day != person.date_of_birth.month:
        fitting.append(DOB_SWAP)
    return [v for v in VARIANTS if v in fitting]


def _set_variant(person: Person, variant: str, rng: random.Random, fake: Faker) -> None:
    person.variant = variant
    if variant == NICKNAME:
        person.variant_first_name = rng.choice(NICKNAMES[person.first_name])
    elif variant == SURNAME_TYPO:
        person.variant_last_name = surname_typo(person.last_name, rng)
    elif variant in (MAIDEN_NAME, HYPHENATED):
        maiden = fake.last_name()
        while maiden == person.last_name:
            maiden = fake.last_name()
        person.variant_last_name = maiden if variant == MAIDEN_NAME else f"{maiden}-{person.last_name}"
    elif variant == OLD_ADDRESS:
        state = (
            person.state
            if rng.random() < 0.7
            else fake.state_abbr(include_territories=False, include_freely_associated_states=False)
        )
        person.old_address = (fake.street_address(), fake.city(), state, fake.zipcode_in_state(state))


def surname_typo(name: str, rng: random.Random) -> str:
    """One keying slip inside the name: two neighbouring letters swapped, or a letter dropped.

    Never the first letter (the one people get right), never a hyphen or apostrophe.
    """
    spots = [i for i in range(1, len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha()
             and name[i] != name[i + 1]]  # fmt: skip
    if not spots:
        return name + name[-1]  # ``Li`` -> ``Lii``
    at = rng.choice(spots)
    if rng.random() < 0.5 or len(name) < 5:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]
    return name[:at] + name[at + 1 :]
