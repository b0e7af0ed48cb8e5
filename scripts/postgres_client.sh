#!/usr/bin/env bash
# `medborgarbudget backup` and `restore` on PostgreSQL run pg_dump and psql, from Debian's
# postgresql-client; the backup tests need them. Installed here when missing (as root, with
# apt-get), quiet when present. Sourced by test.sh after scripts/bootstrap.sh.
postgres_client() {
  if command -v pg_dump >/dev/null 2>&1 && command -v psql >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing postgresql-client from Debian's packages (pg_dump, psql) ..."
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends postgresql-client >/dev/null; then
      return 0
    fi
  fi
  echo "The backup tests need pg_dump and psql: install Debian's package postgresql-client" \
       "(as root: apt-get install postgresql-client)." >&2
  return 2
}
postgres_client
