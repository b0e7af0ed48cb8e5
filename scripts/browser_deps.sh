#!/usr/bin/env bash
# What the browser tests need beyond the Python packages: Debian's Chromium (Playwright drives
# /usr/bin/chromium; it never downloads a browser of its own) and axe-core from the npm registry
# into tests/e2e/browser/node_modules (versions pinned by its package-lock.json), and Leaflet
# (scripts/map_deps.sh, which bootstrap.sh already ran leniently). Idempotent and
# quiet when everything is there. Sourced by test.sh after scripts/bootstrap.sh.
browser_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$browser_root/scripts/map_deps.sh"
browser_deps() {
  # The map page's browser test needs Leaflet itself, not only its list.
  map_deps --required || return 2
  local chromium="${MEDBORGARBUDGET_CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    if [ "$chromium" = /usr/bin/chromium ] && [ "$(id -u)" -eq 0 ] \
        && command -v apt-get >/dev/null 2>&1; then
      echo "Installing Chromium from Debian's packages for the browser tests ..."
      if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
             apt-get install -y -qq --no-install-recommends chromium >/dev/null; }; then
        echo "Could not install chromium with apt-get; the browser tests need it." >&2
        return 2
      fi
    else
      echo "The browser tests need Chromium at $chromium: install Debian's package" \
           "'chromium' (as root: apt-get install chromium), or set MEDBORGARBUDGET_CHROMIUM." >&2
      return 2
    fi
  fi
  local browser_dir="$browser_root/tests/e2e/browser"
  if [ ! -f "$browser_dir/node_modules/axe-core/axe.min.js" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "The browser tests need npm (Node.js) to install axe-core into" \
           "tests/e2e/browser: install Node.js and npm (Debian: apt-get install npm)." >&2
      return 2
    fi
    echo "Installing axe-core for the browser tests (npm ci in tests/e2e/browser) ..."
    if ! npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error >/dev/null; then
      echo "npm ci in tests/e2e/browser failed." >&2
      return 2
    fi
  fi
}
browser_deps
