#!/usr/bin/env bash
# Leaflet for the map page, from the npm registry into service/pages/vendor/node_modules
# (version pinned by its package-lock.json); the service serves it from its own origin at
# /static/leaflet, since the pages' Content-Security-Policy allows no CDN. Sourced by
# scripts/bootstrap.sh (so by ./run.sh and ./test.sh); idempotent and quiet when installed.
# Without npm the service still runs: the map page then shows its list only, as it does to a
# browser without JavaScript. `map_deps --required` (the browser tests) fails instead.
map_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
map_deps() {
  local vendor="$map_root/service/pages/vendor"
  local installed="$vendor/node_modules/leaflet/dist/leaflet.js"
  local lock_stamp="$vendor/node_modules/.installed-$(sha256sum "$vendor/package-lock.json" | cut -c1-16)"
  if [ -f "$installed" ] && [ -f "$lock_stamp" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm (Node.js) is not installed: the map page will show its list without the map." \
         "Install npm (Debian: apt-get install npm) and run this again for the map." >&2
    [ "${1:-}" = --required ] && return 2
    return 0
  fi
  echo "Installing Leaflet for the map page (npm ci in service/pages/vendor) ..."
  if ! npm ci --prefix "$vendor" --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "npm ci in service/pages/vendor failed: the map page will show its list only." >&2
    [ "${1:-}" = --required ] && return 2
    return 0
  fi
  touch "$lock_stamp"
}
