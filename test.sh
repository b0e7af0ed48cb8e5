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
# One test process per core, at most four; a module's tests stay in one process, so its
# shared server and browser are started once.
# The run's id names the folder where the first test process leaves the pabutools reference
# for the others (tests/unit/allocation/conftest.py); removed when the run ends.
run_id=$(python -c 'import uuid; print(uuid.uuid4().hex)')
python -m pytest --numprocesses=auto --maxprocesses=4 --dist=loadfile --testrunuid="$run_id" "$@"
status=$?
rm -rf "$(python -c 'import tempfile; print(tempfile.gettempdir())')/pabutools-$run_id"
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
