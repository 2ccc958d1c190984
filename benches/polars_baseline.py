"""The comparison an analyst would write by hand, as the yardstick for `sanku run`:
transcode the GB18030 extracts to UTF-8, read the population, students and poverty CSVs
with polars, keep the active school-age residents (born in the window the school-age rule
gives for the as-of date), anti-join them with the students on the ID number, mark the
poor, and write one CSV, poor children first. No fuzzy matching, no checks, no other
output.

    python polars_baseline.py REGISTERS_DIR OUT_DIR [AS_OF] [--iconv]

The text is transcoded the way polars offers (`read_csv(..., encoding="gb18030")`, which
decodes the file in memory with Python), or with `--iconv` to a UTF-8 copy on disk first
(faster, and lighter: the shell-minded analyst's version). Kept straightforward on purpose
(the version written in an afternoon, not a tuned one).
"""

import datetime
import os
import subprocess
import sys

import polars as pl

ID = "身份证号"
BIRTH = "出生日期"


def utf8(registers, name, out):
    """The file transcoded with iconv, as an analyst would before reading it."""
    target = os.path.join(out, name)
    with open(target, "wb") as sink:
        subprocess.run(
            ["iconv", "-f", "GB18030", "-t", "UTF-8", os.path.join(registers, name)],
            stdout=sink,
            check=True,
        )
    return target


def read(registers, name, out, iconv):
    """One register, every column as text."""
    if iconv:
        return pl.read_csv(utf8(registers, name, out), infer_schema=False)
    return pl.read_csv(os.path.join(registers, name), infer_schema=False, encoding="gb18030")


def main():
    args = [a for a in sys.argv[1:] if a != "--iconv"]
    iconv = "--iconv" in sys.argv[1:]
    registers, out = args[0], args[1]
    as_of = datetime.date.fromisoformat(args[2] if len(args) > 2 else "2026-09-01")
    os.makedirs(out, exist_ok=True)
    # Six to fifteen on 31 August before the school year that as_of falls in (SPEC §4):
    # for 2026-09-01, born 2010-09-01 to 2020-08-31.
    year = as_of.year if as_of.month >= 9 else as_of.year - 1
    born_from = datetime.date(year - 16, 9, 1)
    born_to = datetime.date(year - 6, 8, 31)

    population = read(registers, "population.csv", out, iconv)
    students = read(registers, "students.csv", out, iconv)
    poverty = read(registers, "poverty.csv", out, iconv)

    birth = pl.col(BIRTH).str.to_date("%Y-%m-%d", strict=False)
    active = pl.col("人员状态") == "正常"
    children = population.filter(birth.is_between(born_from, born_to) & active)
    enrolled = students.select(ID).unique()
    poor = poverty.select(ID).unique().with_columns(poor=pl.lit(True))
    unenrolled = (
        children.join(enrolled, on=ID, how="anti")
        .join(poor, on=ID, how="left")
        .with_columns(pl.col("poor").fill_null(False))
        .sort(["poor", ID], descending=[True, False])
    )
    unenrolled.write_csv(os.path.join(out, "unenrolled.csv"))
    print(f"children {children.height}, unenrolled {unenrolled.height}", file=sys.stderr)


if __name__ == "__main__":
    main()
