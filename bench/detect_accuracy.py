"""Per-element precision and recall of the detect stage on the labelled test set (with decoys).

.venv/bin/python bench/detect_accuracy.py [--seed 7] [--documents 40] [--rows 400]
"""

from __future__ import annotations

import argparse

from exposure.demo.labelled import accuracy_table, detect_labelled, labelled_set, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--documents", type=int, default=40, help="documents of each kind")
    parser.add_argument("--rows", type=int, default=400, help="rows of the labelled table")
    args = parser.parse_args()
    labelled = labelled_set(args.seed, args.documents, args.rows)
    rows = sum(len(t.rows) for t in labelled.tables.values())
    print(
        f"{len(labelled.texts)} documents, {rows} table rows, "
        f"{len(labelled.truths())} labelled elements, {len(labelled.decoys())} decoys\n"
    )
    print(accuracy_table(score(labelled, detect_labelled(labelled))))


if __name__ == "__main__":
    main()
