"""The national comparison (SPEC §11) as a Spark job.

The map: one `sanku run --residuals` per province, each a Spark task of its own (one
partition per province), reading the province's register folder and writing its run
directory on storage that the driver and every executor mount at the same path. The
reduce: once every province has run, `sanku reconcile` of their run directories, on the
driver.

    spark-submit deploy/spark/national.py --registers ROOT --out OUT [--sanku PATH]
        [--run-date YYYY-MM-DD] [-- SANKU_RUN_ARGS...]

ROOT holds one register folder per province, named by its two-digit code (ROOT/11,
ROOT/53, ...; other entries are left alone). Province P runs as

    sanku run ROOT/P --out OUT/provinces/P --residuals [--run-date D] [SANKU_RUN_ARGS...]

where `{province}` in SANKU_RUN_ARGS stands for P; the national result is written by
`sanku reconcile OUT/provinces/P... --out OUT/national`. `--sanku PATH` (a local path or a
URI Spark can fetch) ships the binary to the executors with the job; without it, `sanku`
is taken from the PATH of the driver and of each executor.

Failures. A province whose sanku exits 1 (a runtime failure) or dies of a signal fails its
task, and Spark runs the task again, up to spark.task.maxFailures attempts (also in local
mode: `local[N]` is run as `local[N,F]`). Exit 2 (bad input) or 3 (a guard tripped) would
come back on every attempt: the task reports it instead of failing, the other provinces
run to their end, and then the job stops without reconciling, naming each such province
with sanku's message; the driver exits 2 when any province had bad input, else 3. When
every province ran, the driver exits with the reconcile's exit code. A summary (seconds,
exit code and attempt of each province, and the reconcile) goes to stdout.

Retries change nothing. Every province runs in every job: a run directory left by an
earlier job is replaced, never taken as this one's. sanku writes a run directory into a
staging directory beside it and swaps it into place, so a task killed at any point leaves
either the previous directory or its new one, never a mixture, and the next attempt
replaces it whole. A sanku whose task's Python worker dies is killed with it (Linux), so
a retry never races an orphan of its earlier attempt, and speculative copies of a task
are switched off. The driver reconciles a province's directory only if its manifest is
the one that province's task saw written.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import datetime
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional, Sequence

from pyspark import SparkConf, SparkContext, SparkFiles, TaskContext

PROVINCE_DIR = re.compile(r"^[0-9]{2}$")
LOCAL_MASTER = re.compile(r"^local(\[([0-9]+|\*)\])?$")
TASK_ERROR = re.compile(r"(province [0-9]{2}: sanku run [^\n]*)")
STDERR_LINES = 12
EXIT_RUNTIME, EXIT_USAGE, EXIT_GUARD = 1, 2, 3


@dataclass(frozen=True)
class Options:
    """What the job was asked to do, with every path made absolute."""

    registers: str
    out: str
    sanku: Optional[str]
    run_date: Optional[str]
    run_args: tuple[str, ...]

    def province_registers(self, province: str) -> str:
        return os.path.join(self.registers, province)

    @property
    def provinces(self) -> str:
        return os.path.join(self.out, "provinces")

    def province_run(self, province: str) -> str:
        return os.path.join(self.provinces, province)

    @property
    def national(self) -> str:
        return os.path.join(self.out, "national")


class ProvinceResult(NamedTuple):
    """What one province's task reports to the driver."""

    province: str
    exit_code: int
    seconds: float
    attempt: int
    message: str
    manifest_sha256: str


class UsageError(Exception):
    """A problem with the job's arguments or inputs: exit 2 before any work."""


def parse_args(argv: Sequence[str]) -> Options:
    """Reads the job's arguments; those after `--` go to every `sanku run`."""
    argv = list(argv)
    run_args: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, run_args = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(
        prog="national.py",
        description="The national comparison: one sanku run per province as Spark "
        "tasks, then sanku reconcile on the driver.",
    )
    parser.add_argument("--registers", required=True, metavar="ROOT",
                        help="folder of the provinces' register folders (ROOT/11, ROOT/53 ...)")
    parser.add_argument("--out", required=True, metavar="OUT",
                        help="writes OUT/provinces/P for each province and OUT/national")
    parser.add_argument("--sanku", metavar="PATH",
                        help="the sanku binary to ship to the executors (else sanku on PATH)")
    parser.add_argument("--run-date", metavar="YYYY-MM-DD",
                        help="the night every province's run stands for")
    args = parser.parse_args(argv)
    if args.run_date is not None:
        try:
            datetime.date.fromisoformat(args.run_date)
        except ValueError:
            parser.error(f"--run-date {args.run_date!r}: give a date as YYYY-MM-DD")
    sanku = args.sanku
    if sanku is not None and not has_scheme(sanku):
        if not os.path.isfile(sanku):
            raise UsageError(f"--sanku {sanku}: no such file")
        sanku = os.path.abspath(sanku)
    return Options(
        registers=os.path.abspath(args.registers),
        out=os.path.abspath(args.out),
        sanku=sanku,
        run_date=args.run_date,
        run_args=tuple(run_args),
    )


def has_scheme(path: str) -> bool:
    """Whether `path` is a URI (hdfs://..., s3a://..., file:/...) rather than a local path."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path) is not None


def list_provinces(registers: str) -> list[str]:
    """The two-digit province folders under `registers`, in code order."""
    if not os.path.isdir(registers):
        raise UsageError(f"--registers {registers}: not a directory")
    provinces = sorted(
        name for name in os.listdir(registers)
        if PROVINCE_DIR.match(name) and os.path.isdir(os.path.join(registers, name))
    )
    if not provinces:
        raise UsageError(
            f"--registers {registers}: no province folder in it; give the folder that "
            "holds one register folder per province, named by its two-digit code (11, 53 ...)"
        )
    return provinces


def sanku_binary(shipped: Optional[str]) -> str:
    """The sanku to run here: the copy Spark fetched for this job, made executable, or
    sanku on PATH."""
    if shipped is None:
        found = shutil.which("sanku")
        if found is None:
            raise FileNotFoundError("no sanku on PATH here; ship one with --sanku PATH")
        return found
    path = SparkFiles.get(os.path.basename(shipped.rstrip("/")))
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def run_command(options: Options, sanku: str, province: str) -> list[str]:
    """The `sanku run` of one province."""
    command = [sanku, "run", options.province_registers(province),
               "--out", options.province_run(province), "--residuals"]
    if options.run_date is not None:
        command += ["--run-date", options.run_date]
    return command + [arg.replace("{province}", province) for arg in options.run_args]


def _parent_death_signal() -> Optional[Callable[[], None]]:
    """A function for the child between fork and exec that has Linux kill the child when
    its parent (the task's Python worker) dies; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def die_with_parent() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(EXIT_RUNTIME)

    return die_with_parent


def run_logged(command: list[str], label: str) -> tuple[int, str]:
    """Runs `command`, copying its output to this process's stderr line by line with
    `label`, and returns its exit code (negative: killed by that signal) and its last
    lines."""
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    with subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, encoding="utf-8", errors="replace",
                          preexec_fn=_parent_death_signal()) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stderr.write(f"[{label}] {line}")
            if line.strip():
                tail.append(line.rstrip())
        code = process.wait()
    sys.stderr.flush()
    return code, "\n".join(tail)


def file_sha256(path: str) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def how_it_ended(code: int) -> str:
    """How a process that returned `code` ended, in words ("exited 1", "was killed ...")."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "an unknown signal"
        return f"was killed by signal {-code} ({name})"
    return f"exited {code}"


def run_province(options: Options, province: str) -> tuple:
    """The task of one province: runs sanku and reports how it ended. Raises, so that Spark
    tries again, when sanku failed in a way another attempt may not (exit 1, a signal, any
    other code, no manifest written); reports exit 2 and 3, which every attempt would
    meet again."""
    context = TaskContext.get()
    attempt = context.attemptNumber() + 1 if context is not None else 1
    started = time.monotonic()
    command = run_command(options, sanku_binary(options.sanku), province)
    code, message = run_logged(command, f"province {province}")
    seconds = time.monotonic() - started
    if code in (EXIT_USAGE, EXIT_GUARD):
        return tuple(ProvinceResult(province, code, seconds, attempt, message, ""))
    if code != 0:
        raise RuntimeError(
            f"province {province}: sanku run {how_it_ended(code)} on attempt {attempt}: "
            + (message.replace("\n", " | ") or "(sanku printed nothing)")
        )
    manifest = os.path.join(options.province_run(province), "manifest.json")
    if not os.path.isfile(manifest):
        raise RuntimeError(
            f"province {province}: sanku run exited 0 on attempt {attempt} but "
            f"{manifest} is missing"
        )
    return tuple(ProvinceResult(province, 0, seconds, attempt, "", file_sha256(manifest)))


def retrying_master(master: str, max_failures: int) -> str:
    """Local mode tries a failed task only once unless its master says otherwise
    (`local[N,F]`): `local` and `local[N]` become `local[N,F]`, with F taken from
    spark.task.maxFailures, so that a local run retries as a cluster does."""
    match = LOCAL_MASTER.match(master)
    if match is None:
        return master
    threads = match.group(2) or "1"
    return f"local[{threads},{max_failures}]"


def spark_context(options: Options) -> SparkContext:
    """The job's SparkContext, with the sanku binary shipped if one was given."""
    # Joins the JVM spark-submit started, so that the conf holds the submit's settings.
    SparkContext._ensure_initialized()
    conf = SparkConf()
    conf.setIfMissing("spark.app.name", "sanku national comparison")
    max_failures = int(conf.get("spark.task.maxFailures", "4"))
    conf.setMaster(retrying_master(conf.get("spark.master", "local[*]"), max_failures))
    # Two attempts of one province at once would write the same run directory.
    conf.set("spark.speculation", "false")
    sc = SparkContext(conf=conf)
    if options.sanku is not None:
        sc.addFile(options.sanku)
    return sc


def map_provinces(sc: SparkContext, options: Options,
                  provinces: list[str]) -> list[ProvinceResult]:
    """Runs every province as a task of its own and gathers their reports."""
    rdd = sc.parallelize(provinces, len(provinces))
    rows = rdd.map(lambda province: run_province(options, province)).collect()
    return sorted((ProvinceResult(*row) for row in rows), key=lambda r: r.province)


def task_errors(error: BaseException) -> list[str]:
    """The province tasks' own messages inside a failed Spark job's error, once each."""
    seen: list[str] = []
    for message in TASK_ERROR.findall(str(error)):
        if message not in seen:
            seen.append(message)
    return seen


def deterministic_failures(results: list[ProvinceResult]) -> int:
    """Reports every province whose sanku exited 2 or 3, with sanku's last lines, and
    returns the job's exit code: 2 if any had bad input, else 3."""
    failed = [r for r in results if r.exit_code != 0]
    for r in failed:
        lines = r.message or "(sanku printed nothing)"
        say(f"province {r.province}: sanku run exited {r.exit_code}:\n  "
            + lines.replace("\n", "\n  "))
    say(f"not reconciling: {len(failed)} of {len(results)} provinces failed "
        f"({', '.join(r.province for r in failed)})")
    return min(r.exit_code for r in failed)


def changed_runs(options: Options, results: list[ProvinceResult]) -> list[str]:
    """The provinces whose run directory no longer holds the manifest their task saw."""
    changed = []
    for r in results:
        manifest = os.path.join(options.province_run(r.province), "manifest.json")
        if not os.path.isfile(manifest) or file_sha256(manifest) != r.manifest_sha256:
            changed.append(r.province)
    return changed


def reconcile(options: Options, provinces: list[str]) -> tuple[int, float]:
    """`sanku reconcile` of every province's run on the driver: its exit code and seconds."""
    sanku = sanku_binary(options.sanku)
    command = [sanku, "reconcile", *(options.province_run(p) for p in provinces),
               "--out", options.national]
    started = time.monotonic()
    code = subprocess.call(command, stdin=subprocess.DEVNULL)
    return code, time.monotonic() - started


def print_summary(results: list[ProvinceResult],
                  reconciled: Optional[tuple[int, float]]) -> None:
    """One line per province and one for the reconcile, on stdout."""
    print(f"{'province':<10}{'seconds':>9}{'exit':>6}{'attempt':>9}")
    for r in results:
        print(f"{r.province:<10}{r.seconds:>9.1f}{r.exit_code:>6}{r.attempt:>9}")
    if reconciled is not None:
        code, seconds = reconciled
        print(f"{'reconcile':<10}{seconds:>9.1f}{code:>6}")
    sys.stdout.flush()


def say(message: str) -> None:
    """A message of the job's own, on stderr."""
    print(f"national: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str]) -> int:
    """Runs the job on the arguments after the script's name; returns its exit code."""
    try:
        options = parse_args(argv)
        provinces = list_provinces(options.registers)
        if options.sanku is None and shutil.which("sanku") is None:
            raise UsageError("no sanku on PATH: give --sanku PATH, or put sanku on the "
                             "PATH of the driver and of every executor")
        try:
            os.makedirs(options.provinces, mode=0o700, exist_ok=True)
        except OSError as e:
            raise UsageError(f"--out {options.out}: {e.strerror}") from e
    except UsageError as e:
        say(str(e))
        return EXIT_USAGE

    sc = spark_context(options)
    try:
        try:
            results = map_provinces(sc, options, provinces)
        except Exception as e:  # a task out of attempts, or the job lost
            messages = task_errors(e)
            for message in messages:
                say(message)
            if messages:
                say("a province failed on every attempt (spark.task.maxFailures); "
                    "not reconciling")
            else:
                say(f"the job failed: {(str(e) or repr(e)).splitlines()[0]}")
            return EXIT_RUNTIME
        if any(r.exit_code != 0 for r in results):
            print_summary(results, None)
            return deterministic_failures(results)
        changed = changed_runs(options, results)
        if changed:
            print_summary(results, None)
            say(f"not reconciling: the run directory of {', '.join(changed)} changed after "
                "its task finished (another job writing to the same --out?)")
            return EXIT_RUNTIME
        code, seconds = reconcile(options, provinces)
        print_summary(results, (code, seconds))
        if code == 0:
            return 0
        say(f"sanku reconcile {how_it_ended(code)}")
        return code if code > 0 else EXIT_RUNTIME
    finally:
        sc.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
