"""A synthetic breached file share with known answers, for ``make run`` and for scoring the tool.

from exposure.demo import generate_demo
case = generate_demo(Path("demo"))      # demo/input, demo/case.toml, demo/ground_truth*.csv
classic = generate_demo(Path("c"), formats=())   # CSV and text only; formats=["x12"] adds X12 ...
"""

from exposure.demo.documents import ARCHIVE_PASSWORD
from exposure.demo.generator import DemoCase, generate_demo, mentions_by_person
from exposure.demo.kinds import CLASSIC_FORMATS, NEW_FORMATS
from exposure.demo.people import BREACH_DATE, FIXTURE_SSNS

__all__ = [
    "ARCHIVE_PASSWORD",
    "BREACH_DATE",
    "CLASSIC_FORMATS",
    "FIXTURE_SSNS",
    "NEW_FORMATS",
    "DemoCase",
    "generate_demo",
    "mentions_by_person",
]
