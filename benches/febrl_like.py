#!/usr/bin/env python3
"""FEBRL4-like registers of any size, for `sanku link` speed and accuracy at scale.

Originals take their values from FEBRL4's own pools (given names, surnames, street
names, localities with their postcode and state, street numbers), with a date of birth
drawn between 1900 and 2005 and a unique 7-digit social security number; each has one
duplicate, corrupted at FEBRL4's measured rates: 1-7 fields changed per record (30 %
one, 34 % two, 23 % three, 10 % four, 3 % five or more), fields chosen as often as
FEBRL4 changes them, a changed field blanked as often as there, else a typo (a character
substituted, inserted, deleted or two swapped, or a space inserted), a name sometimes
replaced by another from the pool, and given name and surname swapped in 2 % of
records. Left and right files are shuffled. The truth is in the ids: rec-N-org and
rec-N-dup-0 are the same person.

With `--per-person MAX`, one file for `sanku link --dedupe` instead: `records.csv`, each
person's original and 0 to MAX-1 duplicates (as many people with each number), every
duplicate corrupted from the original on its own as above, as FEBRL's deduplication sets
are made; rec-N-org and rec-N-dup-K are the same person, and the file is shuffled.

  benches/febrl_like.py --febrl DIR --size 500000 --seed 1 --out OUT
  benches/febrl_like.py --febrl DIR --size 100000 --per-person 5 --seed 1 --out OUT
"""
import argparse
import csv
import os
import random
import string

FIELDS = ["given_name", "surname", "street_number", "address_1", "address_2",
          "suburb", "postcode", "state", "date_of_birth", "soc_sec_id"]
# Per 5 000 FEBRL4 duplicates: how often each field differs from its original, and
# how often it was blanked.
CHANGED = {"given_name": 1611, "surname": 1632, "street_number": 775, "address_1": 1913,
           "address_2": 2157, "suburb": 1226, "postcode": 781, "state": 246,
           "date_of_birth": 444, "soc_sec_id": 439}
BLANKED = {"given_name": 132, "surname": 59, "street_number": 155, "address_1": 123,
           "address_2": 470, "suburb": 61, "postcode": 0, "state": 60,
           "date_of_birth": 112, "soc_sec_id": 0}
EMPTY_IN_ORIGINAL = {"given_name": 112, "surname": 48, "street_number": 158,
                     "address_1": 98, "address_2": 420, "suburb": 55, "state": 50,
                     "date_of_birth": 94}
CHANGES_PER_RECORD = [(1, 0.30), (2, 0.34), (3, 0.23), (4, 0.10), (5, 0.03)]


def pools(febrl_dir):
    rows = []
    for name in ("dataset4a.csv", "dataset4b.csv"):
        with open(os.path.join(febrl_dir, name), newline="") as f:
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader)]
            for r in reader:
                if r:
                    rows.append(dict(zip(header, (c.strip() for c in r))))
    originals = [r for r in rows if r["rec_id"].endswith("-org")]
    pick = lambda field: [r[field] for r in originals if r[field]]
    places = [(r["suburb"], r["postcode"], r["state"]) for r in originals
              if r["suburb"] and r["postcode"] and r["state"]]
    return {f: pick(f) for f in ("given_name", "surname", "street_number",
                                 "address_1", "address_2")} | {"places": places}


def typo(value, rng):
    if not value:
        return value
    i = rng.randrange(len(value))
    kind = rng.random()
    letters = string.digits if value.isdigit() else string.ascii_lowercase
    if kind < 0.3:
        return value[:i] + rng.choice(letters) + value[i + 1:]
    if kind < 0.5:
        return value[:i] + rng.choice(letters) + value[i:]
    if kind < 0.7 and len(value) > 1:
        return value[:i] + value[i + 1:]
    if kind < 0.85 and i + 1 < len(value):
        return value[:i] + value[i + 1] + value[i] + value[i + 2:]
    if not value.isdigit() and i > 0:
        return value[:i] + " " + value[i:]
    return value[:i] + rng.choice(letters) + value[i + 1:]


def corrupt(record, pool, rng):
    dup = dict(record)
    k = rng.choices([k for k, _ in CHANGES_PER_RECORD],
                    [w for _, w in CHANGES_PER_RECORD])[0]
    fields = set()
    while len(fields) < k:
        fields.add(rng.choices(FIELDS, [CHANGED[f] for f in FIELDS])[0])
    for field in sorted(fields):
        if rng.random() < BLANKED[field] / CHANGED[field]:
            dup[field] = ""
        elif field in ("given_name", "surname") and rng.random() < 0.15:
            dup[field] = rng.choice(pool[field])
        elif field == "state":
            dup[field] = rng.choice(["nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt"])
        else:
            dup[field] = typo(dup[field], rng)
    if rng.random() < 0.02:
        dup["given_name"], dup["surname"] = dup["surname"], dup["given_name"]
    return dup


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--febrl", required=True, help="the folder with dataset4a.csv and dataset4b.csv")
    ap.add_argument("--size", type=int, default=500_000, help="originals (and duplicates)")
    ap.add_argument("--per-person", type=int, default=0, metavar="MAX",
                    help="one file of SIZE people with 1 to MAX records each, for --dedupe")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = pools(args.febrl)
    ssns = rng.sample(range(1_000_000, 10_000_000), args.size)
    left, right = [], []
    for n in range(args.size):
        suburb, postcode, state = rng.choice(pool["places"])
        day = rng.randrange(38_350)  # 1900-01-01 .. 2005-01-01
        year, rest = divmod(day, 365)
        month, dom = min(12, rest // 30 + 1), rest % 28 + 1
        record = {
            "given_name": rng.choice(pool["given_name"]),
            "surname": rng.choice(pool["surname"]),
            "street_number": rng.choice(pool["street_number"]),
            "address_1": rng.choice(pool["address_1"]),
            "address_2": rng.choice(pool["address_2"]),
            "suburb": suburb, "postcode": postcode, "state": state,
            "date_of_birth": f"{1900 + year:04d}{month:02d}{dom:02d}",
            "soc_sec_id": str(ssns[n]),
        }
        for field, empty in EMPTY_IN_ORIGINAL.items():
            if rng.random() < empty / 5000:
                record[field] = ""
        left.append({"rec_id": f"rec-{n}-org"} | record)
        if args.per_person:
            for k in range(rng.randrange(args.per_person)):
                left.append({"rec_id": f"rec-{n}-dup-{k}"} | corrupt(record, pool, rng))
        else:
            right.append({"rec_id": f"rec-{n}-dup-0"} | corrupt(record, pool, rng))
    os.makedirs(args.out, exist_ok=True)
    files = [("records.csv", left)] if args.per_person else [("left.csv", left), ("right.csv", right)]
    for name, rows in files:
        rng.shuffle(rows)
        with open(os.path.join(args.out, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["rec_id"] + FIELDS)
            w.writerows([r["rec_id"]] + [r[c] for c in FIELDS] for r in rows)


if __name__ == "__main__":
    main()
