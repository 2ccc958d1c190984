#!/usr/bin/env python3
"""Precision, recall and F1 of a `sanku link` run on FEBRL-style records, whose ids name
the truth (rec-N-org, rec-N-dup-0, rec-N-dup-1 … are the same person).

  benches/link_f1.py RIGHT_CSV LINK_DIR     (every right record has its original)
  benches/link_f1.py --dedupe CSV LINK_DIR  (clusters.csv of `link --dedupe` on CSV)

Deduplicating, clusters are scored by pairs: every two records of one cluster are a
predicted pair, every two records of one person a true pair.
"""
import collections
import csv
import sys


def person(rec_id):
    return rec_id.strip().split("-")[1]


def pairs_in(sizes):
    return sum(n * (n - 1) // 2 for n in sizes)


def report(true_pairs, predicted, right, false):
    precision = right / predicted if predicted else 0.0
    recall = right / true_pairs if true_pairs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if right else 0.0
    print(f"true pairs {true_pairs}  predicted {predicted}  right {right}  "
          f"false {predicted - right}  missed {true_pairs - right}")
    print(f"precision {precision:.5f}  recall {recall:.5f}  F1 {f1:.5f}")
    for line in false[:20]:
        print(f"  false: {line}")


def links(right_csv, run):
    with open(right_csv, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        true_pairs = sum(1 for r in reader if r)
    with open(f"{run}/links.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    right = sum(1 for l in rows if person(l["left_id"]) == person(l["right_id"]))
    false = [f"{l['left_id']} ~ {l['right_id']} weight {l['weight']}"
             for l in rows if person(l["left_id"]) != person(l["right_id"])]
    report(true_pairs, len(rows), right, false)


def clusters(records_csv, run):
    with open(records_csv, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        next(reader)
        people = collections.Counter(person(r[0]) for r in reader if r)
    members = collections.defaultdict(list)
    with open(f"{run}/clusters.csv", newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            members[row["cluster"]].append(row["record_id"])
    predicted = pairs_in(len(m) for m in members.values())
    right, false = 0, []
    for cluster, ids in sorted(members.items()):
        by_person = collections.Counter(person(i) for i in ids)
        right += pairs_in(by_person.values())
        if len(by_person) > 1:
            false.append(f"cluster {cluster}: {' '.join(sorted(ids))}")
    report(pairs_in(people.values()), predicted, right, false)


def main():
    if sys.argv[1] == "--dedupe":
        clusters(sys.argv[2], sys.argv[3])
    else:
        links(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
