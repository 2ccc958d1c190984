#!/usr/bin/env python3
"""Precision, recall and F1 of a `sanku link` run on FEBRL-style records, whose ids name
the truth (rec-N-org and rec-N-dup-0 are the same person).

  benches/link_f1.py RIGHT_CSV LINK_DIR     (every right record has its original)
"""
import csv
import sys


def person(rec_id):
    return rec_id.strip().split("-")[1]


def main():
    right_csv, run = sys.argv[1], sys.argv[2]
    with open(right_csv, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        true_pairs = sum(1 for r in reader if r)
    with open(f"{run}/links.csv", newline="", encoding="utf-8-sig") as f:
        links = list(csv.DictReader(f))
    right = sum(1 for l in links if person(l["left_id"]) == person(l["right_id"]))
    false = [l for l in links if person(l["left_id"]) != person(l["right_id"])]
    precision = right / len(links) if links else 0.0
    recall = right / true_pairs
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    print(f"true pairs {true_pairs}  links {len(links)}  right {right}  false {len(false)}  "
          f"missed {true_pairs - right}")
    print(f"precision {precision:.5f}  recall {recall:.5f}  F1 {f1:.5f}")
    for l in false[:20]:
        print(f"  false: {l['left_id']} ~ {l['right_id']} weight {l['weight']}")


if __name__ == "__main__":
    main()
