"""The same encodings linked by anonlink and by sanku, scored against the generated truth.

    python benches/anonlink_side_by_side.py GEN RUNS ENCODINGS SANKU_RESULT [CLEAR_RESULT]

GEN is a generated country (its truth/), RUNS the provinces' run directories (their
ledger.csv maps each case ID to the child), ENCODINGS the provinces' `sanku encode`
directories, SANKU_RESULT `sanku reconcile` of them and CLEAR_RESULT (if given) `sanku
reconcile` of the runs in clear. anonlink links the flagged
children to the other provinces' student records the way its users do: one record-level
filter per row (here the name's filter and the birth date's side by side), blocked on the
birth year, candidate pairs at or above a Dice threshold, solved greedily one-to-one. A
child linked to a record in school is found elsewhere. Its threshold is scanned and every
score is printed, the best one marked: a user would have to choose it without the truth.
Printed: precision, recall and F1 of "found in school elsewhere" for each, and seconds.
"""

from __future__ import annotations

import array
import csv
import os
import sys
import time

import anonlink
import pyarrow.parquet as pq
from bitarray import bitarray

IN_SCHOOL = {"in_school", "home_delivered"}


def rows(path):
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def filter_bits(hex_text: str) -> bitarray:
    bits = bitarray(endian="little")
    bits.frombytes(bytes.fromhex(hex_text))
    return bits


def score(found: set, truth: set) -> str:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.4f} R {r:.4f} F1 {f1:.4f} (found {len(found)}, true {len(truth)})", f1


def main(gen: str, runs: str, encodings: str, result: str, clear: str = "") -> None:
    truth_flagged = {r["id_number"] for r in rows(f"{gen}/truth/ledger.csv")}
    child_of = {}
    flagged = set()
    for p in sorted(os.listdir(runs)):
        for r in rows(f"{runs}/{p}/ledger.csv"):
            child_of[(p, r["case_id"])] = r["id_number"]
            flagged.add(r["id_number"])
    # Found elsewhere in truth: flagged by their province, not flagged nationally.
    truth = {i for i in flagged if i not in truth_flagged}

    children, records = [], []
    for p in sorted(os.listdir(encodings)):
        table = pq.read_table(f"{encodings}/{p}/encoded.parquet").to_pylist()
        for row in table:
            if not row["name_filter"] or not row["birth_filter"]:
                continue
            clk = filter_bits(row["name_filter"]) + filter_bits(row["birth_filter"])
            item = (p, row, clk)
            if row["kind"] == "child":
                children.append(item)
            elif row["kind"] == "student":
                records.append(item)
    datasets = [[c[2] for c in children], [r[2] for r in records]]
    years = [[c[1]["birth_year"] for c in children], [r[1]["birth_year"] for r in records]]

    started = time.perf_counter()
    candidates = anonlink.candidate_generation.find_candidate_pairs(
        datasets,
        anonlink.similarities.dice_coefficient_accelerated,
        0.5,
        blocking_f=lambda d, i, _: [years[d][i]],
    )
    blocked_seconds = time.perf_counter() - started
    sims, (_, _), (ci, ri) = candidates
    best = None
    for threshold in (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
        t0 = time.perf_counter()
        keep = [
            k
            for k in range(len(sims))
            if sims[k] >= threshold and children[ci[k]][0] != records[ri[k]][0]
        ]
        subset = (
            array.array("d", (sims[k] for k in keep)),
            (array.array("I", [0] * len(keep)), array.array("I", [1] * len(keep))),
            (array.array("I", (ci[k] for k in keep)), array.array("I", (ri[k] for k in keep))),
        )
        groups = anonlink.solving.greedy_solve(subset)
        found = set()
        for group in groups:
            members = dict(group)
            if 0 in members and 1 in members:
                child, record = children[members[0]], records[members[1]]
                if record[1]["status"] in IN_SCHOOL:
                    found.add(child_of[(child[0], child[1]["case_id"])])
        seconds = blocked_seconds + time.perf_counter() - t0
        text, f1 = score(found, truth)
        print(f"anonlink Dice >= {threshold:.2f}: {text}, {seconds:.2f} s")
        if best is None or f1 > best[0]:
            best = (f1, threshold)
    print(f"anonlink best threshold: {best[1]:.2f} (F1 {best[0]:.4f})")

    for label, dir in (("sanku on encodings", result), ("sanku in clear", clear)):
        if not dir:
            continue
        found = set()
        for p in sorted(os.listdir(f"{dir}/provinces")):
            for r in rows(f"{dir}/provinces/{p}/enrolled_elsewhere.csv"):
                found.add(child_of[(p, r["case_id"])])
        text, _ = score(found, truth)
        print(f"{label}: {text}")


if __name__ == "__main__":
    main(*sys.argv[1:6])
