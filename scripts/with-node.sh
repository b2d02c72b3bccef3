#!/usr/bin/env bash
# Runs a command on the project's Node.js (scripts/ensure-node.sh): the machine's when it is 22 or newer, else the
# pinned LTS build cached in ~/.cache/model-rollout; MODEL_ROLLOUT_NODE=22 or 24 picks a pinned major.
#   scripts/with-node.sh npx jest test/unit -w 1
# The package scripts run through it, so `npm run …` works on a machine whose own Node is older.
set -euo pipefail
bin=$(bash "$(dirname "$0")/ensure-node.sh" | tail -n 1)
# Only a cached build's directory goes first on PATH: it holds `node` alone. The machine's own node directory (say
# /usr/bin) stays where it is, so nothing else on PATH (python3, aws) changes.
if [ "$(command -v node || true)" != "$bin/node" ]; then
  export PATH="$bin:$PATH"
fi
exec "$@"
