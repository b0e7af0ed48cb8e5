#!/usr/bin/env bash
# Runs the whole test suite: lint, types, then unit, integration and end-to-end tests on SQLite
# and PostgreSQL. Extra arguments go to pytest (e.g. ./test.sh tests/unit -x).
set -uo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh || exit 2
source scripts/browser_deps.sh || exit 2
source scripts/postgres_client.sh || exit 2
set +e
ruff check . || exit 1
mypy || exit 1
python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
