#!/usr/bin/env bash
# The test suite, as a fresh clone runs it: fetches the FEBRL4 linkage benchmark once
# (into $HOME/.cache/sanku/febrl4, or the folder SANKU_FEBRL4 names) for the test that
# scores `sanku link` on it; makes the Spark environment once (scripts/spark-env.sh) and
# runs the Spark job's tests; then builds and runs every test with the lock file as
# committed, including those plain `cargo test` leaves out as ignored because they need
# FEBRL4 or Spark. Further arguments go to `cargo test` (a test name, `--test cli` …);
# after `--` they replace `--include-ignored`.
#
#   scripts/test.sh [CARGO_TEST_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || {
  echo "test: cargo is needed (a Rust toolchain, https://rustup.rs)" >&2
  exit 2
}
SANKU_FEBRL4="$(scripts/fetch-febrl4.sh "${SANKU_FEBRL4:-${HOME}/.cache/sanku/febrl4}")"
export SANKU_FEBRL4
# The national comparison's Spark job: its environment (a venv with the pinned pyspark,
# Java 17), its own tests on Spark in local mode, then, through SANKU_SPARK_SUBMIT, the
# test that runs it with sanku on a generated country.
SANKU_SPARK_SUBMIT="$(scripts/spark-env.sh)"
export SANKU_SPARK_SUBMIT
"$(dirname "$SANKU_SPARK_SUBMIT")/python" -m unittest discover -s deploy/spark -p 'test_*.py'
# The ignored tests run too, unless the arguments already pass the test binary its own
# options (after `--`).
case " $* " in
  *" -- "*) ;;
  *) set -- "$@" -- --include-ignored ;;
esac
exec cargo test --workspace --locked "$@"
