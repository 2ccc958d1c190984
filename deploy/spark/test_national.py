"""Tests of the national comparison's Spark job, national.py, on Spark itself in local mode
(local[2]), with a stand-in for sanku that this file writes: a shell script whose `run`,
`encode` and `reconcile` write their directories atomically, log each call, and can be
told by environment variables to fail once with exit 1, to trip a guard (exit 3) or to be
killed, for a given province, or to fail its encode once (exit 1) or for bad input (exit
2). No network, no sanku binary.

    scripts/spark-test.sh        (makes the environment, then runs these tests)

Needs the pyspark of deploy/spark/requirements.txt importable, and spark-submit: the one
in $SPARK_SUBMIT, else the one beside this Python; the job's tests are skipped without it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest
from typing import Optional
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import national  # noqa: E402

FAKE_SANKU = textwrap.dedent(r"""
    #!/usr/bin/env bash
    # A stand-in for sanku: `run`, `encode` and `reconcile` write their directories
    # atomically.
    set -euo pipefail
    command=$1; shift
    case $command in
    run)
      registers=$1; shift
      all="$*" out=
      while (($#)); do case $1 in --out) out=$2; shift 2 ;; *) shift ;; esac; done
      p=$(basename "$registers")
      echo "run $p $all" >>"$FAKE_SANKU_LOG"
      stage=$(dirname "$out")/.$p.sanku-new-$$
      mkdir -p "$stage"
      if [[ $p == "${FAKE_SANKU_FAIL_ONCE:-}" ]] && mkdir "$FAKE_SANKU_STATE/failed-$p" 2>/dev/null; then
        echo half >"$stage/residuals.parquet"
        echo "sanku: reading $registers/population.csv: Input/output error" >&2
        exit 1
      fi
      if [[ $p == "${FAKE_SANKU_GUARD:-}" ]]; then
        rm -rf "$stage"
        echo "sanku: cohort is 0 (first row 530102********1234): check the as-of date" >&2
        exit 3
      fi
      [[ $p == "${FAKE_SANKU_KILLED:-}" ]] && kill -KILL $$
      echo "residuals of $p" >"$stage/residuals.parquet"
      printf '{"province": "%s", "args": "%s"}\n' "$p" "$all" >"$stage/manifest.json"
      rm -rf "$out"
      mv "$stage" "$out"
      echo "sanku: province $p: 0 flagged" >&2
      ;;
    encode)
      run=$1; shift
      all="$*" out= key=
      while (($#)); do case $1 in --out) out=$2; shift 2 ;; --key) key=$2; shift 2 ;; *) shift ;; esac; done
      p=$(sed -n 's/^{"province": "\([0-9]*\)".*/\1/p' "$run/manifest.json" 2>/dev/null || true)
      echo "encode $p $run $all" >>"$FAKE_SANKU_LOG"
      [[ -f $run/residuals.parquet ]] || { echo "sanku: $run: no residuals.parquet" >&2; exit 2; }
      [[ -r $key ]] || { echo "sanku: --key $key: cannot be read" >&2; exit 2; }
      [[ ! -e $out/residuals.parquet ]] || { echo "sanku: --out $out: holds a run" >&2; exit 2; }
      stage=$(dirname "$out")/.$p.sanku-new-$$
      mkdir -p "$stage"
      if [[ $p == "${FAKE_SANKU_ENCODE_FAIL_ONCE:-}" ]] && mkdir "$FAKE_SANKU_STATE/encode-failed-$p" 2>/dev/null; then
        echo half >"$stage/encoded.parquet"
        echo "sanku: writing encoded.parquet: No space left on device" >&2
        exit 1
      fi
      if [[ $p == "${FAKE_SANKU_ENCODE_BAD:-}" ]]; then
        rm -rf "$stage"
        echo "sanku: --key $key: 5 bytes; a key has at least 16" >&2
        exit 2
      fi
      echo "encoding of $p under $(sha256sum <"$key" | cut -c1-16)" >"$stage/encoded.parquet"
      printf '{"province": "%s", "command": "encode", "args": "%s"}\n' "$p" "$all" >"$stage/manifest.json"
      rm -rf "$out"
      mv "$stage" "$out"
      ;;
    reconcile)
      runs=()
      while (($#)); do case $1 in --out) out=$2; shift 2 ;; *) runs+=("$1"); shift ;; esac; done
      echo "reconcile ${runs[*]}" >>"$FAKE_SANKU_LOG"
      for run in "${runs[@]}"; do
        [[ -f $run/manifest.json ]] || { echo "sanku: $run: no manifest" >&2; exit 2; }
      done
      kinds=$(for run in "${runs[@]}"; do grep -c '"command": "encode"' "$run/manifest.json" || true; done | sort -u | wc -l)
      [[ $kinds == 1 ]] || { echo "sanku: runs and encodings given together" >&2; exit 2; }
      stage=$(dirname "$out")/.national.sanku-new-$$
      mkdir -p "$stage"
      printf '%s\n' "${runs[@]}" >"$stage/provinces.txt"
      rm -rf "$out"
      mv "$stage" "$out"
      ;;
    *) echo "sanku: no command $command" >&2; exit 2 ;;
    esac
""").lstrip()


def find_spark_submit() -> Optional[str]:
    """$SPARK_SUBMIT, else the spark-submit beside this Python (a venv's bin)."""
    if os.environ.get("SPARK_SUBMIT"):
        return os.environ["SPARK_SUBMIT"]
    beside = os.path.join(os.path.dirname(sys.executable), "spark-submit")
    return beside if os.access(beside, os.X_OK) else None


class Job:
    """A country of province folders, a fake sanku, and the job run on them."""

    def __init__(self, provinces: tuple[str, ...] = ("11", "22", "33")) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="sanku-national-")
        base = self.dir.name
        self.root = os.path.join(base, "country")
        self.out = os.path.join(base, "out")
        self.log = os.path.join(base, "sanku.log")
        self.bin = os.path.join(base, "bin")
        # With --encoded: the provinces' key, apart from OUT, and each province's own
        # storage for its run in clear.
        self.key = os.path.join(base, "keys", "provinces.key")
        self.province_runs = os.path.join(base, "local", "{province}", "sanku-run")
        for name in (*provinces, "truth"):
            os.makedirs(os.path.join(self.root, name))
        os.makedirs(os.path.join(base, "state"))
        os.makedirs(self.bin)
        os.makedirs(os.path.dirname(self.key))
        with open(self.key, "w") as f:
            f.write("the provinces' shared key, 32 bytes or more\n")
        self.sanku = os.path.join(self.bin, "sanku")
        with open(self.sanku, "w") as f:
            f.write(FAKE_SANKU)
        os.chmod(self.sanku, 0o755)
        open(self.log, "w").close()
        self.env = {
            **os.environ,
            "FAKE_SANKU_LOG": self.log,
            "FAKE_SANKU_STATE": os.path.join(base, "state"),
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": "127.0.0.1",
        }

    def close(self) -> None:
        self.dir.cleanup()

    def sanku_on_path(self) -> None:
        self.env["PATH"] = self.bin + os.pathsep + self.env.get("PATH", "")

    def submit(self, *args: str, conf: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        command = [SPARK_SUBMIT, "--master", "local[2]", "--conf", "spark.ui.enabled=false"]
        for c in conf:
            command += ["--conf", c]
        command += [os.path.join(HERE, "national.py"), "--registers", self.root,
                    "--out", self.out, *args]
        started = time.monotonic()
        done = subprocess.run(command, env=self.env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=600)
        self.seconds = time.monotonic() - started
        return done

    def calls(self) -> list[str]:
        with open(self.log) as f:
            return f.read().splitlines()

    def runs_of(self, province: str) -> int:
        return sum(1 for c in self.calls() if c.startswith(f"run {province} "))

    def encodes_of(self, province: str) -> int:
        return sum(1 for c in self.calls() if c.startswith(f"encode {province} "))

    def manifest(self, province: str) -> dict:
        with open(os.path.join(self.out, "provinces", province, "manifest.json")) as f:
            return json.load(f)

    def province_run(self, province: str) -> str:
        return self.province_runs.replace("{province}", province)

    def run_manifest(self, province: str) -> dict:
        with open(os.path.join(self.province_run(province), "manifest.json")) as f:
            return json.load(f)

    def encoded(self) -> tuple[str, ...]:
        return ("--encoded", self.key, "--province-runs", self.province_runs)


def summary(stdout: str) -> dict[str, list[str]]:
    """The job's summary rows (seconds, exit, attempt) by province, and the reconcile's."""
    rows = (line.split() for line in stdout.splitlines())
    return {row[0]: row[1:] for row in rows
            if row and (row[0].isdigit() or row[0] == "reconcile")}


def said(done: subprocess.CompletedProcess) -> str:
    """What the job said: spark-submit passes the Python driver's stderr to its stdout."""
    return done.stdout + done.stderr


def shown(done: subprocess.CompletedProcess) -> str:
    return f"\n--- stdout\n{done.stdout}\n--- stderr (end)\n{done.stderr[-3000:]}"


SPARK_SUBMIT = find_spark_submit()


@unittest.skipIf(SPARK_SUBMIT is None, "no spark-submit (run scripts/spark-test.sh)")
class NationalJobTest(unittest.TestCase):
    def setUp(self) -> None:
        self.job = Job()
        self.addCleanup(self.job.close)

    def test_every_province_runs_once_and_a_failed_attempt_is_retried(self) -> None:
        job = self.job
        job.env["FAKE_SANKU_FAIL_ONCE"] = "22"
        # Shipped with --sanku, from a file not executable and not on PATH.
        shipped = os.path.join(job.dir.name, "ship", "sanku")
        os.makedirs(os.path.dirname(shipped))
        with open(job.sanku) as src, open(shipped, "w") as dst:
            dst.write(src.read())
        os.chmod(shipped, 0o644)
        # A run directory an earlier job left is replaced, never taken as this job's.
        stale = os.path.join(job.out, "provinces", "11")
        os.makedirs(stale)
        with open(os.path.join(stale, "manifest.json"), "w") as f:
            f.write('{"province": "11", "args": "last night"}\n')

        done = job.submit("--sanku", shipped, "--run-date", "2026-12-01",
                          "--", "--previous", "/runs/{province}")

        self.assertEqual(done.returncode, 0, shown(done))
        self.assertEqual([job.runs_of(p) for p in ("11", "22", "33")], [1, 2, 1], job.calls())
        self.assertFalse(any(c.startswith("run truth") for c in job.calls()))
        runs = [os.path.join(job.out, "provinces", p) for p in ("11", "22", "33")]
        self.assertEqual(job.calls()[-1], "reconcile " + " ".join(runs))
        for p in ("11", "22", "33"):
            self.assertEqual(
                job.manifest(p)["args"],
                f"--out {job.out}/provinces/{p} --residuals --run-date 2026-12-01 "
                f"--previous /runs/{p}",
            )
        with open(os.path.join(job.out, "national", "provinces.txt")) as f:
            self.assertEqual(f.read().split(), runs)
        rows = summary(done.stdout)
        self.assertEqual([rows[p][1:] for p in ("11", "22", "33")],
                         [["0", "1"], ["0", "2"], ["0", "1"]], shown(done))
        self.assertEqual(rows["reconcile"][1:], ["0"])
        print(f"\n  local[2] job of 3 provinces: {job.seconds:.1f} s", file=sys.stderr)

    def test_a_tripped_guard_fails_the_job_naming_its_province_without_reconciling(self) -> None:
        job = self.job
        job.sanku_on_path()
        job.env["FAKE_SANKU_FAIL_ONCE"] = "22"
        job.env["FAKE_SANKU_GUARD"] = "33"

        done = job.submit()

        self.assertEqual(done.returncode, 3, shown(done))
        # Exit 3 is not retried; the other provinces ran to their end, the retry too.
        self.assertEqual([job.runs_of(p) for p in ("11", "22", "33")], [1, 2, 1], job.calls())
        self.assertFalse(any(c.startswith("reconcile") for c in job.calls()), job.calls())
        self.assertFalse(os.path.exists(os.path.join(job.out, "national")))
        self.assertIn("national: province 33: sanku run exited 3:\n"
                      "  sanku: cohort is 0 (first row 530102********1234): "
                      "check the as-of date", said(done))
        self.assertIn("not reconciling: 1 of 3 provinces failed (33)", said(done))
        self.assertEqual(summary(done.stdout)["33"][1:], ["3", "1"])

    def test_a_task_failing_on_every_attempt_fails_the_job(self) -> None:
        job = self.job
        job.sanku_on_path()
        job.env["FAKE_SANKU_KILLED"] = "22"

        done = job.submit(conf=("spark.task.maxFailures=2",))

        self.assertEqual(done.returncode, 1, shown(done))
        self.assertEqual(job.runs_of("22"), 2, job.calls())
        self.assertFalse(any(c.startswith("reconcile") for c in job.calls()), job.calls())
        self.assertIn("national: province 22: sanku run was killed by signal 9 (SIGKILL) "
                      "on attempt 2", said(done))

    def test_a_root_without_province_folders_is_refused_before_any_work(self) -> None:
        job = self.job
        job.sanku_on_path()
        empty = os.path.join(job.dir.name, "empty")
        os.makedirs(os.path.join(empty, "truth"))
        job.root = empty

        done = job.submit()

        self.assertEqual(done.returncode, 2, shown(done))
        self.assertIn("no province folder in it", said(done))
        self.assertEqual(job.calls(), [])


@unittest.skipIf(SPARK_SUBMIT is None, "no spark-submit (run scripts/spark-test.sh)")
class EncodedJobTest(unittest.TestCase):
    """--encoded: each province's task runs and encodes it; only encodings reach OUT."""

    def setUp(self) -> None:
        self.job = Job()
        self.addCleanup(self.job.close)
        self.job.sanku_on_path()

    def test_encodings_reach_out_and_the_runs_in_clear_stay_in_their_provinces(self) -> None:
        job = self.job
        # An encode failing once is retried with its run: run and encode are one task.
        job.env["FAKE_SANKU_ENCODE_FAIL_ONCE"] = "22"
        # An encoding an earlier job left is replaced, never taken as this job's.
        stale = os.path.join(job.out, "provinces", "11")
        os.makedirs(stale)
        with open(os.path.join(stale, "manifest.json"), "w") as f:
            f.write('{"province": "11", "command": "encode", "args": "last night"}\n')

        done = job.submit(*job.encoded(), "--run-date", "2026-12-01",
                          "--", "--threads", "2", "--previous", "/runs/{province}")

        self.assertEqual(done.returncode, 0, shown(done))
        provinces = ("11", "22", "33")
        self.assertEqual([job.runs_of(p) for p in provinces], [1, 2, 1], job.calls())
        self.assertEqual([job.encodes_of(p) for p in provinces], [1, 2, 1], job.calls())
        encodings = [os.path.join(job.out, "provinces", p) for p in provinces]
        self.assertEqual(job.calls()[-1], "reconcile " + " ".join(encodings))
        for p in provinces:
            run = job.province_run(p)
            self.assertEqual(
                job.run_manifest(p)["args"],
                f"--out {run} --residuals --run-date 2026-12-01 --threads 2 --previous /runs/{p}",
            )
            self.assertTrue(os.path.isfile(os.path.join(run, "residuals.parquet")))
            # The key by its own path: not a copy Spark shipped.
            self.assertEqual(job.manifest(p)["command"], "encode")
            self.assertEqual(job.manifest(p)["args"],
                             f"--key {job.key} --out {job.out}/provinces/{p} --threads 2")
        with open(os.path.join(job.out, "national", "provinces.txt")) as f:
            self.assertEqual(f.read().split(), encodings)
        # Nothing in clear under OUT, nor the key.
        with open(job.key) as f:
            key = f.read()
        for dirpath, _, names in os.walk(job.out):
            for name in names:
                self.assertNotEqual(name, "residuals.parquet", dirpath)
                text = read(os.path.join(dirpath, name))
                self.assertNotIn("residuals of", text, os.path.join(dirpath, name))
                self.assertNotIn(key.strip(), text, os.path.join(dirpath, name))
        rows = summary(done.stdout)
        self.assertEqual([rows[p][1:] for p in provinces],
                         [["0", "1"], ["0", "2"], ["0", "1"]], shown(done))
        self.assertEqual(rows["reconcile"][1:], ["0"])

    def test_a_province_failing_in_its_encode_is_reported_as_a_failed_run_is(self) -> None:
        job = self.job
        job.env["FAKE_SANKU_ENCODE_BAD"] = "33"

        done = job.submit(*job.encoded())

        self.assertEqual(done.returncode, 2, shown(done))
        # Exit 2 is not retried; the other provinces ran and encoded to their end.
        provinces = ("11", "22", "33")
        self.assertEqual([job.runs_of(p) for p in provinces], [1, 1, 1], job.calls())
        self.assertEqual([job.encodes_of(p) for p in provinces], [1, 1, 1], job.calls())
        self.assertFalse(any(c.startswith("reconcile") for c in job.calls()), job.calls())
        self.assertFalse(os.path.exists(os.path.join(job.out, "national")))
        self.assertFalse(os.path.exists(os.path.join(job.out, "provinces", "33")))
        self.assertIn(f"national: province 33: sanku encode exited 2:\n"
                      f"  sanku: --key {job.key}: 5 bytes; a key has at least 16", said(done))
        self.assertIn("not reconciling: 1 of 3 provinces failed (33)", said(done))
        self.assertEqual(summary(done.stdout)["33"][1:], ["2", "1"])


class NationalFunctionsTest(unittest.TestCase):
    """The job's pieces that need no Spark."""

    def test_local_mode_retries_as_a_cluster_does(self) -> None:
        self.assertEqual(national.retrying_master("local[2]", 4), "local[2,4]")
        self.assertEqual(national.retrying_master("local[*]", 3), "local[*,3]")
        self.assertEqual(national.retrying_master("local", 4), "local[1,4]")
        self.assertEqual(national.retrying_master("local[2,1]", 4), "local[2,1]")
        self.assertEqual(national.retrying_master("yarn", 4), "yarn")

    def test_province_folders_are_the_two_digit_ones(self) -> None:
        with tempfile.TemporaryDirectory() as root:
            for name in ("53", "11", "truth", "country", "5", "530"):
                os.makedirs(os.path.join(root, name))
            open(os.path.join(root, "12"), "w").close()
            self.assertEqual(national.list_provinces(root), ["11", "53"])
            with self.assertRaises(national.UsageError):
                national.list_provinces(os.path.join(root, "truth"))

    def test_extra_arguments_name_their_province(self) -> None:
        options = national.parse_args(["--registers", "/c", "--out", "/o", "--run-date",
                                       "2026-12-01", "--", "--previous", "/p/{province}"])
        self.assertEqual(
            national.run_command(options, "sanku", "53"),
            ["sanku", "run", "/c/53", "--out", "/o/provinces/53", "--residuals",
             "--run-date", "2026-12-01", "--previous", "/p/53"],
        )

    def test_an_encoded_province_runs_then_encodes_its_run(self) -> None:
        options = national.parse_args(["--registers", "/c", "--out", "/o",
                                       "--encoded", "/keys/k", "--province-runs",
                                       "/data/{province}/run", "--", "--threads=4"])
        self.assertEqual(
            [(step, command, out) for step, command, out
             in national.province_steps(options, "sanku", "53")],
            [("run", ["sanku", "run", "/c/53", "--out", "/data/53/run", "--residuals",
                      "--threads=4"], "/data/53/run"),
             ("encode", ["sanku", "encode", "/data/53/run", "--key", "/keys/k",
                         "--out", "/o/provinces/53", "--threads=4"], "/o/provinces/53")],
        )
        plain = national.parse_args(["--registers", "/c", "--out", "/o"])
        self.assertEqual([step for step, _, _ in national.province_steps(plain, "sanku", "53")],
                         ["run"])
        self.assertEqual(national.threads_of(["--threads", "2", "--threads", "8"]),
                         ["--threads", "8"])

    def test_bad_encoded_options_are_refused_before_any_work(self) -> None:
        job = Job()
        self.addCleanup(job.close)
        job.sanku_on_path()
        out = job.out
        # OUT inside province 11's run in clear, which its run would replace.
        held = os.path.join(job.province_run("11"), "national-out")
        cases = [
            (out, ("--encoded", job.key), "--encoded needs --province-runs TEMPLATE"),
            (out, ("--province-runs", job.province_runs), "--province-runs goes with --encoded"),
            (out, ("--encoded", job.key, "--province-runs", os.path.join(job.dir.name, "runs")),
             "no {province} in it"),
            (out, ("--encoded", job.key, "--province-runs",
                   os.path.join(job.dir.name, "{province}", "..", "runs")),
             "no {province} in it"),
            (out, ("--encoded", job.key, "--province-runs", os.path.join(out, "{province}")),
             "province 11's run in clear"),
            (held, job.encoded(), "would lie inside --out"),
            (out, ("--encoded", os.path.join(out, "key"), "--province-runs", job.province_runs),
             "lies inside --out"),
        ]
        for out, args, says in cases:
            err = io.StringIO()
            with mock.patch.dict(os.environ, {"PATH": job.env["PATH"]}), \
                    contextlib.redirect_stderr(err):
                code = national.main(["--registers", job.root, "--out", out, *args])
            self.assertEqual(code, 2, (args, err.getvalue()))
            self.assertIn(says, err.getvalue(), args)
            self.assertFalse(os.path.exists(out), args)
        self.assertEqual(job.calls(), [])

    def test_a_task_that_cannot_read_the_key_runs_nothing(self) -> None:
        job = Job()
        self.addCleanup(job.close)
        job.sanku_on_path()
        missing = os.path.join(job.dir.name, "keys", "no-such.key")
        options = national.parse_args(["--registers", job.root, "--out", job.out,
                                       "--encoded", missing,
                                       "--province-runs", job.province_runs])
        err = io.StringIO()
        with mock.patch.dict(os.environ, job.env, clear=True), contextlib.redirect_stderr(err):
            result = national.ProvinceResult(*national.run_province(options, "11"))
            self.assertEqual(national.deterministic_failures([result]), 2)
        self.assertEqual((result.exit_code, result.manifest_sha256), (2, ""))
        self.assertIn(f"national: province 11: its key cannot be read (exit 2):\n"
                      f"  --encoded {missing}: no file this executor can read", err.getvalue())
        self.assertEqual(job.calls(), [])

    def test_sanku_dies_with_its_task(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            pid_file = os.path.join(tmp, "pid")
            script = (f"import sys; sys.path.insert(0, {HERE!r}); import national; "
                      f"national.run_logged(['sh', '-c', 'echo $$ > {pid_file}; exec sleep 60'], 'x')")
            worker = subprocess.Popen([sys.executable, "-c", script])
            try:
                for _ in range(200):
                    if read(pid_file).strip():
                        break
                    time.sleep(0.05)
                sanku = int(read(pid_file))
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait()
                for _ in range(100):
                    if not process_lives(sanku):
                        break
                    time.sleep(0.05)
                self.assertFalse(process_lives(sanku), "sanku outlived its task")
            finally:
                worker.kill()


def read(path: str) -> str:
    """The text of `path`, or "" when there is no such file."""
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def process_lives(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


if __name__ == "__main__":
    unittest.main()
