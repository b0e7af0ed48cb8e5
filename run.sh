#!/usr/bin/env bash
# Runs the service on the embedded store (SQLite in ./data) with a demo cycle.
# Extra arguments go to the command, e.g. ./run.sh --port 8080
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
exec medborgarbudget demo "$@"
