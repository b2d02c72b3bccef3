// Finds a Python that can run moto server (`python -m moto.server`) for the moto-parity test and bench:emulator.
// moto comes from PyPI (`pip install 'moto[server]'`), which our machines cannot reach; Debian 12 has no moto package
// and Debian 13's python3-moto is 5.1.1, too old (below). So a fresh machine may have none: callers then skip, saying
// why, instead of failing.
import { spawnSync } from 'node:child_process';

/**
 * The moto the parity test passes with. Debian 13's 5.1.1 does not: its SageMaker answers carry timestamps as date
 * strings (CreationTime "2026-12-05 20:10:59"), which the AWS SDK v3's awsJson1_1 deserializer refuses ("Expected
 * real number"): the JSON protocols send timestamps as epoch seconds (Smithy timestampFormat epoch-seconds).
 */
const MOTO_MIN_VERSION = '5.2.1';

export type MotoServer = { found: true; python: string; version: string } | { found: false; reason: string };

function olderThan(version: string, minimum: string): boolean {
  const a = version.split('.').map((n) => parseInt(n, 10) || 0);
  const b = minimum.split('.').map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/** MOTO_PYTHON if set, else the python3 on PATH, else Debian's /usr/bin/python3 (where python3-moto installs). */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): MotoServer {
  const candidates = env.MOTO_PYTHON ? [env.MOTO_PYTHON] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const r = spawnSync(python, ['-c', 'import moto, moto.server; print(moto.__version__)'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    if (r.error) {
      tried.push(`${python}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
      continue;
    }
    if (r.status !== 0) {
      const lines = r.stderr.trim().split('\n');
      tried.push(`${python}: ${lines[lines.length - 1] || `exit ${r.status}`}`);
      continue;
    }
    const version = r.stdout.trim();
    if (olderThan(version, MOTO_MIN_VERSION)) {
      tried.push(`${python}: moto ${version} is older than ${MOTO_MIN_VERSION}`);
      continue;
    }
    return { found: true, python, version };
  }
  return {
    found: false,
    reason:
      `no moto server >= ${MOTO_MIN_VERSION} (${tried.join('; ')}). Install it with ` +
      `"pip install 'moto[server]>=${MOTO_MIN_VERSION}'" (no Debian release packages a new enough moto); ` +
      `MOTO_PYTHON=<python> picks the Python`,
  };
}
