#!/usr/bin/env bash
# Everything a fresh clone needs, idempotent and cache-reusing: npm packages (from the lockfile), the pinned
# Temporal CLI (built with Go once, cached in ~/.cache/model-rollout), and the Debian packages some tests use.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  say "error: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none)). Install Node 20 or 22."
  exit 1
fi

# npm ci only when the lockfile changed since the last install: it wipes node_modules and takes ~30 s.
lock_hash=$(sha256sum package-lock.json | cut -c1-64)
stamp=node_modules/.model-rollout-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
else
  say "npm packages up to date"
fi

# The pinned Temporal CLI: prints its path; builds it with Go the first time (a few minutes).
node scripts/ensure-temporal.js >/dev/null

# Debian packages: Chromium renders the HTML report in its test. Only installed when missing, and only as root
# (CI and these machines run as root; elsewhere we say what to install instead of failing later).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ] && [ "${MODEL_ROLLOUT_SKIP_APT:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "note: install ${missing[*]} (Debian: apt-get install ${missing[*]}) for the report rendering test"
  fi
fi
say "ready"
