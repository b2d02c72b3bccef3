#!/usr/bin/env node
// Prints (on its last stdout line) the absolute path of the pinned `temporal` CLI, building it first if needed.
//
// Order: $TEMPORAL_CLI_PATH if set → a cached build in the user cache dir → `go install` of the pinned tag.
// The build is slow the first time (a few minutes: the CLI embeds the whole Temporal server), so progress goes to
// stderr. Two concurrent callers are serialised by a lock directory; the binary is moved into place atomically so a
// reader never sees a half-written file. Plain CommonJS so it runs before `npm ci` has finished anything else.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// v1.5.1 is the newest tag whose go.mod has no `replace` directive, so `go install pkg@version` accepts it
// (see ../shared/design.md, "Facts checked"). Newer tags need the source-build fallback below.
const PINNED_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli';
const LOCK_STALE_MS = 30 * 60 * 1000;

function log(msg) {
  process.stderr.write(`[ensure-temporal] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[ensure-temporal] error: ${msg}\n`);
  process.exit(1);
}

function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'model-rollout', 'temporal-cli', PINNED_VERSION);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function works(file) {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && /temporal version/.test(r.stdout);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Takes the lock directory; waits for another builder, breaking a lock whose owner died or that is very old. */
function acquireLock(lockDir) {
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let ownerAlive = true;
    try {
      const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      if (pid) process.kill(pid, 0);
    } catch (err) {
      if (err.code === 'ESRCH') ownerAlive = false;
    }
    let age = 0;
    try {
      age = Date.now() - fs.statSync(lockDir).mtimeMs;
    } catch {
      continue; // released between our mkdir and stat
    }
    if (!ownerAlive || age > LOCK_STALE_MS) {
      log(`breaking stale lock ${lockDir}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log('another process is building the Temporal CLI; waiting for it');
      announced = true;
    }
    sleep(1000);
  }
}

function run(cmd, args, opts) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8', ...opts });
  if (r.stderr) process.stderr.write(r.stderr);
  return r;
}

function build(target) {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    fail(
      'Go is not installed or not on PATH, and no Temporal CLI was found.\n' +
        `  Fix one of: install Go >= 1.25 (https://go.dev/dl) so ${MODULE}@${PINNED_VERSION} can be built,\n` +
        '  or set TEMPORAL_CLI_PATH to an existing `temporal` binary.',
    );
  }
  log(`building Temporal CLI ${PINNED_VERSION} with ${go.stdout.trim()} (first run only; takes a few minutes)`);
  const staging = fs.mkdtempSync(path.join(path.dirname(target), '.build-'));
  const ldflags = `-ldflags=-X ${MODULE}/temporalcli.Version=${PINNED_VERSION.slice(1)}`;
  const env = { ...process.env, GOBIN: staging, GOFLAGS: process.env.GOFLAGS || '-mod=mod' };
  let r = run('go', ['install', ldflags, `${MODULE}/cmd/temporal@${PINNED_VERSION}`], { env });
  if (r.status !== 0 && /replace directives|must not contain directives/.test(r.stderr || '')) {
    // Tags with `replace` in go.mod are refused by `go install pkg@version`: build from the module source instead.
    log('go install refused the module (replace directives); building from the module source');
    const dl = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${PINNED_VERSION}`], { encoding: 'utf8', env });
    if (dl.status !== 0) fail(`go mod download failed:\n${dl.stdout}${dl.stderr}`);
    const src = JSON.parse(dl.stdout).Dir;
    const work = path.join(staging, 'src');
    fs.cpSync(src, work, { recursive: true });
    fs.chmodSync(work, 0o755);
    r = run('go', ['build', ldflags, '-o', path.join(staging, 'temporal'), './cmd/temporal'], { env, cwd: work });
  }
  if (r.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    fail(`building the Temporal CLI failed (exit ${r.status}); see the Go output above`);
  }
  fs.renameSync(path.join(staging, 'temporal'), target); // atomic on one filesystem
  fs.rmSync(staging, { recursive: true, force: true });
  log(`built ${target}`);
}

function main() {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    const abs = path.resolve(fromEnv);
    if (!isExecutable(abs)) fail(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file; unset it or fix the path`);
    process.stdout.write(`${abs}\n`);
    return;
  }
  const dir = cacheRoot();
  const target = path.join(dir, 'temporal');
  if (isExecutable(target) && works(target)) {
    process.stdout.write(`${target}\n`);
    return;
  }
  fs.mkdirSync(dir, { recursive: true });
  const lockDir = path.join(dir, '.lock');
  acquireLock(lockDir);
  try {
    // Someone else may have finished the build while we waited for the lock.
    if (!(isExecutable(target) && works(target))) build(target);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
  process.stdout.write(`${target}\n`);
}

main();
