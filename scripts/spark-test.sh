#!/usr/bin/env bash
# The tests of the national comparison's Spark job (deploy/spark/test_national.py): makes
# the Spark environment once (scripts/spark-env.sh), then runs them on Spark in local mode
# with a stand-in for sanku. Further arguments go to `python -m unittest`.
#
#   scripts/spark-test.sh [-v]
set -euo pipefail
cd "$(dirname "$0")/.."
SPARK_SUBMIT=$(scripts/spark-env.sh)
export SPARK_SUBMIT
exec "$(dirname "$SPARK_SUBMIT")/python" -m unittest discover -s deploy/spark -p 'test_*.py' "$@"
