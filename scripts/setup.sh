#!/usr/bin/env bash
# Everything a fresh clone needs, idempotent and cache-reusing: a current Node LTS (the machine's when it is 22 or
# newer, else a pinned build cached in ~/.cache/model-rollout: scripts/ensure-node.sh), npm packages (from the
# lockfile), the pinned Temporal CLI (built with Go once, cached in ~/.cache/model-rollout), and the Debian packages
# some tests use. The npm scripts then run on that Node through scripts/with-node.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*" >&2; }

node_bin=$(bash scripts/ensure-node.sh | tail -n 1)
[ "$(command -v node || true)" = "$node_bin/node" ] || export PATH="$node_bin:$PATH"
say "Node $(node --version) ($(command -v node))"

# npm ci only when the lockfile changed since the last install: it wipes node_modules and takes ~30 s.
lock_hash=$(sha256sum package-lock.json | cut -c1-64)
stamp=node_modules/.model-rollout-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --no-update-notifier --loglevel=error
  echo "$lock_hash" > "$stamp"
else
  say "npm packages up to date"
fi

# The worker's native module (Temporal's Rust core) must load on this Node; say so now rather than in a test.
node -e "require('@temporalio/core-bridge')" ||
  { say "error: @temporalio/core-bridge does not load on Node $(node --version)"; exit 1; }

# The pinned Temporal CLI: prints its path; builds it with Go the first time (a few minutes).
node scripts/ensure-temporal.js >/dev/null

# Debian packages some tests use, each with the command that shows the need is met already (then nothing is
# installed: a Chromium already on PATH, say). Add a line for yours: "package | check".
debian_packages=(
  # the report test renders the HTML report's charts to PNG in headless Chromium
  'chromium     | command -v chromium'
  # the aws-clients test drives the emulator with boto3 and the AWS CLI (Debian's, botocore 1.29, send CloudWatch
  # the older query protocol, which the emulator serves as well as JSON 1.0)
  'python3-boto3 | python3 -c "import boto3"'
  'awscli       | command -v aws'
)
# Not here: moto, for the moto-parity test and bench:emulator. Debian 12 has no python3-moto and Debian 13's (5.1.1)
# is too old for the AWS SDK v3 (src/local/moto.ts); without moto >= 5.2.1 (pip) they skip, naming the reason.
missing=()
for entry in "${debian_packages[@]}"; do
  package=${entry%%|*}
  package=${package// /}
  check=${entry#*|}
  eval "$check" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ] && [ "${MODEL_ROLLOUT_SKIP_APT:-}" != 1 ]; then
  # Only as root with apt-get (CI and these machines run as root); elsewhere say what to install instead.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # Failures here are notes, not errors: the tests that need a package then fail or skip naming it.
    apt_lock=(-o DPkg::Lock::Timeout=300) # wait for another apt-get (or a person's) instead of failing at once
    apt-get "${apt_lock[@]}" update -qq >/dev/null || say "note: apt-get update failed"
    available=()
    for package in "${missing[@]}"; do
      if apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        available+=("$package")
      else
        say "note: Debian $(. /etc/os-release && echo "${VERSION_CODENAME:-?}") has no package $package;" \
          "the tests that need it skip or fail, naming it"
      fi
    done
    if [ "${#available[@]}" -gt 0 ]; then
      say "installing Debian packages: ${available[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get "${apt_lock[@]}" install -y -qq --no-install-recommends \
        "${available[@]}" >/dev/null || say "note: apt-get install ${available[*]} failed"
    fi
  else
    say "note: install ${missing[*]} (Debian: apt-get install ${missing[*]}); the tests that need them skip or fail"
  fi
fi
say "ready"
