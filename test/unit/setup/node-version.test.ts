// The Node.js the project runs on is named in several places (scripts/ensure-node.sh, package.json's engines and
// @types/node, the Dockerfile); these keep them in step, and check ensure-node.sh's choice on this machine's Node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const ensureNode = join(root, 'scripts/ensure-node.sh');
const script = readFileSync(ensureNode, 'utf8');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

function setting(name: string): number {
  const m = new RegExp(`^${name}=(\\d+)$`, 'm').exec(script);
  if (!m) throw new Error(`${name} not found in scripts/ensure-node.sh`);
  return Number(m[1]);
}
const MIN_MAJOR = setting('MIN_MAJOR');
const DEFAULT_MAJOR = setting('DEFAULT_MAJOR');
const pinned = Object.fromEntries(
  [...script.matchAll(/\[(\d+)\]=(\d+\.\d+\.\d+)/g)].map((m) => [Number(m[1]), m[2]] as const),
);

function runEnsureNode(env: Record<string, string>) {
  const cache = mkdtempSync(join(tmpdir(), 'ensure-node-'));
  try {
    const r = spawnSync('bash', [ensureNode], {
      encoding: 'utf8',
      env: { ...process.env, MODEL_ROLLOUT_NODE: '', XDG_CACHE_HOME: cache, ...env },
    });
    return { ...r, cacheEntries: readdirSync(cache) };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

describe('the Node.js version', () => {
  it('pins an LTS build for every major it offers, the default among them, none below the minimum', () => {
    expect(MIN_MAJOR).toBeGreaterThanOrEqual(22); // AWS SDK v3 releases after January 2027 require Node >= 22
    expect(Object.keys(pinned).map(Number).sort()).toEqual([22, 24]);
    expect(pinned[DEFAULT_MAJOR]).toMatch(new RegExp(`^${DEFAULT_MAJOR}\\.`));
    for (const [major, version] of Object.entries(pinned)) {
      expect(version.split('.')[0]).toBe(major);
      expect(Number(major) % 2).toBe(0); // even majors are the ones that become LTS
      expect(script).toMatch(new RegExp(`\\[${major}\\]='sha512-[A-Za-z0-9+/]{86}=='`));
    }
  });

  it('is the same floor in package.json engines and @types/node', () => {
    expect(pkg.engines.node).toBe(`>=${MIN_MAJOR}`);
    // Types of the oldest supported Node, so the code cannot use an API that Node lacks.
    expect(pkg.devDependencies['@types/node'].split('.')[0]).toBe(String(MIN_MAJOR));
  });

  it('is the default major in the Docker image', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^FROM node:${DEFAULT_MAJOR}-bookworm-slim$`, 'm'));
  });

  it('runs the tests on a supported Node', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(MIN_MAJOR);
  });

  it("uses the machine's Node when it is new enough, without fetching anything", () => {
    const r = runEnsureNode({ PATH: `${dirname(process.execPath)}:${process.env.PATH}` });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe(dirname(process.execPath));
    expect(r.cacheEntries).toEqual([]);
  });

  it('refuses a major it has no pinned build for, naming the choices', () => {
    const r = runEnsureNode({ MODEL_ROLLOUT_NODE: '20' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('MODEL_ROLLOUT_NODE=20: choose one of');
    for (const major of Object.keys(pinned)) expect(r.stderr).toContain(major);
    expect(r.cacheEntries).toEqual([]);
  });
});
