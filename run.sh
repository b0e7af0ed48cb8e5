#!/usr/bin/env bash
# Runs the API and pages on the embedded store (SQLite in ./data) with a demo cycle in voting,
# and prints the URLs and a ready token for each role.
# Extra arguments go to the command, e.g. ./run.sh --port 8080
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
exec medborgarbudget serve --demo "$@"
