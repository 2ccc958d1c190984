"""The national comparison (SPEC §11) as a Spark job.

The map: one `sanku run --residuals` per province, each a Spark task of its own (one
partition per province), reading the province's register folder and writing its run
directory on storage that the driver and every executor mount at the same path. The
reduce: once every province has run, `sanku reconcile` of their run directories, on the
driver.

    spark-submit deploy/spark/national.py --registers ROOT --out OUT [--sanku PATH]
        [--run-date YYYY-MM-DD] [--encoded KEYFILE --province-runs TEMPLATE]
        [-- SANKU_RUN_ARGS...]

ROOT holds one register folder per province, named by its two-digit code (ROOT/11,
ROOT/53, ...; other entries are left alone). Province P runs as

    sanku run ROOT/P --out OUT/provinces/P --residuals [--run-date D] [SANKU_RUN_ARGS...]

where `{province}` in SANKU_RUN_ARGS stands for P; the national result is written by
`sanku reconcile OUT/provinces/P... --out OUT/national`. `--sanku PATH` (a local path or a
URI Spark can fetch) ships the binary to the executors with the job; without it, `sanku`
is taken from the PATH of the driver and of each executor.

Encoded (`--encoded KEYFILE --province-runs TEMPLATE`): nothing but encodings leaves a
province. Province P's task runs

    sanku run ROOT/P --out RUN --residuals [--run-date D] [SANKU_RUN_ARGS...]
    sanku encode RUN --key KEYFILE --out OUT/provinces/P [--threads N]

where RUN is TEMPLATE with `{province}` replaced by P (/data/{province}/sanku-run), and
the driver reconciles the encodings: `sanku reconcile OUT/provinces/P... --out
OUT/national`. OUT then holds encodings and the encoded national result only. The run in
clear is written to the province's own storage, named by a template, rather than to a
scratch directory removed after the encoding, because it is the province's nightly run:
its ledger is what the province works from, and the next night's `--previous`; a scratch
copy would be lost, or left behind in clear where a failed task died. A template rather
than one fixed place, since each province's storage is a mount of its own, and `{province}`
as in SANKU_RUN_ARGS. A RUN inside OUT or holding it is refused (exit 2), as is a template
without `{province}` (every province would write one directory). The job does not choose
which executor runs which province: every executor must see the paths TEMPLATE gives. KEYFILE is the provinces' shared
key at a path every executor reads: it is passed to `sanku encode` as that path, never
shipped with the job nor written into OUT, and the driver, which reconciles, never opens
it (a key inside OUT is refused); a task that cannot read it reports exit 2 before running
its province. `--threads N` of SANKU_RUN_ARGS goes to the encode too. Without `--encoded`,
the job is as above.

Failures. A province whose sanku exits 1 (a runtime failure) or dies of a signal fails its
task, and Spark runs the task again, up to spark.task.maxFailures attempts (also in local
mode: `local[N]` is run as `local[N,F]`). Exit 2 (bad input) or 3 (a guard tripped) would
come back on every attempt: the task reports it instead of failing, the other provinces
run to their end, and then the job stops without reconciling, naming each such province
with sanku's message; the driver exits 2 when any province had bad input, else 3. When
every province ran, the driver exits with the reconcile's exit code. A summary (seconds,
exit code and attempt of each province, and the reconcile) goes to stdout. With
`--encoded`, a province's work is its run and its encode together: either failing as
above fails or reports the task, and a retry runs both again.

Retries change nothing. Every province runs in every job: a run directory (or encoding)
left by an earlier job is replaced, never taken as this one's. sanku writes a run
directory (and an encoding) into a staging directory beside it and swaps it into place, so
a task killed at any point leaves either the previous directory or its new one, never a
mixture, and the next attempt replaces it whole. A sanku whose task's Python worker dies
is killed with it (Linux), so a retry never races an orphan of its earlier attempt, and
speculative copies of a task are switched off. The driver reconciles a province's
directory under OUT (its run, or its encoding) only if its manifest is the one that
province's task saw written.
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
TASK_ERROR = re.compile(r"(province [0-9]{2}: sanku (?:run|encode) [^\n]*)")
PROVINCE = "{province}"
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
    # With --encoded: the provinces' key, and where each province's run in clear goes
    # (a path with `{province}` in it).
    key: Optional[str] = None
    province_runs: Optional[str] = None

    def province_registers(self, province: str) -> str:
        return os.path.join(self.registers, province)

    @property
    def provinces(self) -> str:
        return os.path.join(self.out, "provinces")

    def province_out(self, province: str) -> str:
        """What the driver reconciles of the province: OUT/provinces/P, its run or, with
        --encoded, its encoding."""
        return os.path.join(self.provinces, province)

    def province_run(self, province: str) -> str:
        """Where the province's `sanku run` writes: OUT/provinces/P, or with --encoded its
        own storage, as --province-runs names it."""
        if self.province_runs is None:
            return self.province_out(province)
        return self.province_runs.replace(PROVINCE, province)

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
    # What stopped the province, for its report ("sanku run exited 3"); "" when it ran.
    failure: str = ""


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
    parser.add_argument("--encoded", metavar="KEYFILE",
                        help="encode each province's run in its task (sanku encode --key "
                        "KEYFILE, a path every executor reads) and reconcile the encodings")
    parser.add_argument("--province-runs", metavar="TEMPLATE",
                        help="with --encoded: where each province's run in clear is written, "
                        "{province} standing for its code (/data/{province}/sanku-run)")
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
    out = os.path.abspath(args.out)
    key, province_runs = encoded_paths(args.encoded, args.province_runs, out)
    return Options(
        registers=os.path.abspath(args.registers),
        out=out,
        sanku=sanku,
        run_date=args.run_date,
        run_args=tuple(run_args),
        key=key,
        province_runs=province_runs,
    )


def encoded_paths(key: Optional[str], province_runs: Optional[str],
                  out: str) -> tuple[Optional[str], Optional[str]]:
    """--encoded's key and --province-runs' template, made absolute and checked: given
    together, the template naming the province, the key not inside OUT (the runs are
    checked once the provinces are known: `check_province_runs`). The key is not opened:
    the driver reconciles, and the reconciling side never reads the key."""
    if key is None and province_runs is None:
        return None, None
    if key is None:
        raise UsageError("--province-runs goes with --encoded KEYFILE: without it each "
                         "province's run is written to OUT/provinces/P")
    if province_runs is None:
        raise UsageError("--encoded needs --province-runs TEMPLATE: where each province's "
                         "run in clear is written on its own storage, outside --out, "
                         "{province} standing for its code (/data/{province}/sanku-run)")
    if not key.strip():
        raise UsageError("--encoded: give the path of the provinces' key file")
    province_runs = os.path.abspath(province_runs)
    if PROVINCE not in province_runs:
        raise UsageError(f"--province-runs {province_runs}: no {PROVINCE} in it; every "
                         f"province would write one directory "
                         f"(give a path such as /data/{PROVINCE}/sanku-run)")
    key = os.path.abspath(key)
    if lies_within(key, out):
        raise UsageError(f"--encoded {key} lies inside --out {out}, which the reconcile "
                         "reads: keep the provinces' key out of it")
    return key, province_runs


def check_province_runs(options: Options, provinces: list[str]) -> None:
    """Refuses, with --encoded, a province's run in clear inside OUT (which leaves the
    province) or holding OUT (which its run would replace)."""
    if options.province_runs is None:
        return
    for province in provinces:
        run = options.province_run(province)
        if lies_within(run, options.out) or lies_within(options.out, run):
            raise UsageError(
                f"--province-runs {options.province_runs}: province {province}'s run in "
                f"clear, {run}, would lie inside --out {options.out} or hold it; the runs "
                "stay on the provinces' own storage, outside --out")


def lies_within(path: str, directory: str) -> bool:
    """Whether `path` is `directory` or lies inside it (both absolute; symbolic links
    followed where they exist)."""
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return os.path.commonpath([path, directory]) == directory


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
    return command + [arg.replace(PROVINCE, province) for arg in options.run_args]


def encode_command(options: Options, sanku: str, province: str) -> list[str]:
    """With --encoded, the `sanku encode` of the province's run: the key by its path, the
    encoding into OUT/provinces/P, with the run's `--threads` if it was given one."""
    assert options.key is not None
    return [sanku, "encode", options.province_run(province), "--key", options.key,
            "--out", options.province_out(province), *threads_of(options.run_args)]


def threads_of(run_args: Sequence[str]) -> list[str]:
    """The `--threads N` among a run's arguments (the last, as sanku takes it), or []."""
    found: list[str] = []
    for at, arg in enumerate(run_args):
        if arg == "--threads" and at + 1 < len(run_args):
            found = [arg, run_args[at + 1]]
        elif arg.startswith("--threads="):
            found = [arg]
    return found


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


def province_steps(options: Options, sanku: str,
                   province: str) -> list[tuple[str, list[str], str]]:
    """The province's work, in order: each step's name, command and output directory
    (the run; with --encoded, then its encode)."""
    steps = [("run", run_command(options, sanku, province), options.province_run(province))]
    if options.key is not None:
        steps.append(("encode", encode_command(options, sanku, province),
                      options.province_out(province)))
    return steps


def readable_file(path: str) -> bool:
    """Whether `path` is a file this process may read (it is not opened)."""
    return os.path.isfile(path) and os.access(path, os.R_OK)


def run_province(options: Options, province: str) -> tuple:
    """The task of one province: runs its steps (sanku run, with --encoded then sanku
    encode) and reports how they ended. Raises, so that Spark tries the whole province
    again, when a step failed in a way another attempt may not (exit 1, a signal, any
    other code, no manifest written); reports exit 2 and 3, which every attempt would
    meet again, and a key this executor cannot read (exit 2, before any step)."""
    context = TaskContext.get()
    attempt = context.attemptNumber() + 1 if context is not None else 1
    started = time.monotonic()

    def reported(code: int, message: str, failure: str) -> tuple:
        seconds = time.monotonic() - started
        return tuple(ProvinceResult(province, code, seconds, attempt, message, "", failure))

    if options.key is not None and not readable_file(options.key):
        return reported(EXIT_USAGE, f"--encoded {options.key}: no file this executor can "
                        "read; the provinces' key must be at that path on every executor",
                        "its key cannot be read (exit 2)")
    manifest_sha256 = ""
    for step, command, out in province_steps(options, sanku_binary(options.sanku), province):
        code, message = run_logged(command, f"province {province}")
        if code in (EXIT_USAGE, EXIT_GUARD):
            return reported(code, message, f"sanku {step} exited {code}")
        if code != 0:
            raise RuntimeError(
                f"province {province}: sanku {step} {how_it_ended(code)} on attempt "
                f"{attempt}: " + (message.replace("\n", " | ") or "(sanku printed nothing)")
            )
        manifest = os.path.join(out, "manifest.json")
        if not os.path.isfile(manifest):
            raise RuntimeError(
                f"province {province}: sanku {step} exited 0 on attempt {attempt} but "
                f"{manifest} is missing"
            )
        manifest_sha256 = file_sha256(manifest)
    seconds = time.monotonic() - started
    # The last step wrote OUT/provinces/P: the driver checks it still holds this manifest.
    return tuple(ProvinceResult(province, 0, seconds, attempt, "", manifest_sha256))


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
        say(f"province {r.province}: {r.failure or f'exited {r.exit_code}'}:\n  "
            + lines.replace("\n", "\n  "))
    say(f"not reconciling: {len(failed)} of {len(results)} provinces failed "
        f"({', '.join(r.province for r in failed)})")
    return min(r.exit_code for r in failed)


def changed_runs(options: Options, results: list[ProvinceResult]) -> list[str]:
    """The provinces whose directory under OUT (run or encoding) no longer holds the
    manifest their task saw."""
    changed = []
    for r in results:
        manifest = os.path.join(options.province_out(r.province), "manifest.json")
        if not os.path.isfile(manifest) or file_sha256(manifest) != r.manifest_sha256:
            changed.append(r.province)
    return changed


def reconcile(options: Options, provinces: list[str]) -> tuple[int, float]:
    """`sanku reconcile` of every province's run (or encoding) on the driver: its exit code
    and seconds."""
    sanku = sanku_binary(options.sanku)
    command = [sanku, "reconcile", *(options.province_out(p) for p in provinces),
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
        check_province_runs(options, provinces)
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
            what = "encoding" if options.key is not None else "run directory"
            say(f"not reconciling: the {what} of {', '.join(changed)} changed after "
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
