// The dashboard as an operator uses it: `model-rollout dashboard` in a child process against the real Temporal dev
// server, a real rollout worker and the emulator, driven in real headless Chromium (Debian's, through
// playwright-core). The list shows a running rollout; its page shows the pending approval; a name the spec does not
// allow is refused; approve moves it on; the page shows it promoted, the charts drawn.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RolloutResult } from '../../../src/workflows/shared';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import { chromiumPath } from './report-browser';

const BIN = resolve(__dirname, '../../../bin/model-rollout.js');

let stack: RolloutStack;
const dashboards: ChildProcess[] = [];
let url: string;
/** A second dashboard, behind an (imagined) authenticating proxy that names the user in X-Forwarded-Email. */
let proxied: string;
let browser: Browser;

/** Starts `model-rollout dashboard --port 0 …` and resolves with the URL it prints. */
function startDashboard(...args: string[]): Promise<string> {
  const dashboard = spawn(process.execPath, [BIN, 'dashboard', '--port', '0', ...args], {
    env: { ...process.env, NO_COLOR: '1', MODEL_ROLLOUT_IDENTITY: '' },
  });
  dashboards.push(dashboard);
  return new Promise((done, fail) => {
    let out = '';
    dashboard.stdout!.on('data', (d) => {
      out += String(d);
      const m = /Dashboard: (http:\/\/\S+)/.exec(out);
      if (m) done(m[1]);
    });
    dashboard.stderr!.on('data', (d) => (out += String(d)));
    dashboard.on('exit', (code) => fail(new Error(`the dashboard exited (${code}): ${out}`)));
  });
}

beforeAll(async () => {
  stack = await startRolloutStack();
  [url, proxied] = await Promise.all([startDashboard(), startDashboard('--user-header', 'X-Forwarded-Email')]);
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

afterAll(async () => {
  await browser?.close();
  for (const dashboard of dashboards) dashboard.kill('SIGTERM');
  await stack?.close();
});

async function openPage(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${url}${path}`);
  return { page, errors };
}

/** Counts a canvas's drawn pixels, in the page. */
const INKED = `(id) => {
  const canvas = document.getElementById(id);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
}`;

test('the list shows a running rollout; approve on its page moves it on; the page shows it promoted', async () => {
  const endpoint = uniqueName('dash');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '3s', approval: 'required' },
      { candidateWeight: 100, soak: '2s' },
    ],
    approval: { approvers: ['alice@example.com'] },
  });
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });

  const list = await openPage('/');
  const link = list.page.locator(`a[data-endpoint="${endpoint}"]`);
  await link.waitFor({ timeout: 30_000 });
  const row = list.page.locator('tr', { has: link });
  await row.filter({ hasText: /soaking|shifting|awaiting-approval/ }).waitFor({ timeout: 30_000 });
  await list.page.locator('tr', { has: link }).filter({ hasText: 'by alice@example.com' }).waitFor({ timeout: 30_000 });
  await link.click();

  const { page, errors } = { page: list.page, errors: list.errors };
  await page.waitForSelector('body[data-phase="awaiting-approval"]', { timeout: 60_000 });
  await expect(page.locator('#pending').innerText()).resolves.toContain('Who may approve: alice@example.com');
  // Behind a proxy, the user it signed in acts, whatever name the page sends; without the header, nothing is served.
  const json = { 'content-type': 'application/json' };
  const asProxy = await call(
    'POST',
    proxied,
    `/api/rollouts/${endpoint}/approve`,
    {
      ...json,
      'x-forwarded-email': 'mallory@example.com',
    },
    JSON.stringify({ by: 'alice@example.com' }),
  );
  expect(asProxy.status).toBe(409);
  expect(JSON.parse(asProxy.body).error).toBe(
    'approve refused: mallory@example.com may not approve: approval.approvers allows alice@example.com',
  );
  expect((await call('GET', proxied, '/api/rollouts', {})).status).toBe(401);
  // The guardrails in the units `status` shows them in.
  await page.locator('#guardrails').filter({ hasText: 'errorRate5xx' }).waitFor();
  expect(await page.locator('#guardrails').innerText()).toMatch(/errorRate5xx\s+0%\s+0%\s+0 pp/);

  // Pause and resume with the operator's name; then an approval by a name the spec does not allow is refused.
  await page.fill('#by', 'dave');
  await page.click('#pause');
  await page.locator('#message.ok').filter({ hasText: 'paused' }).waitFor();
  await page.locator('#resume:not([disabled])').waitFor();
  await page.click('#resume');
  await page.locator('#message.ok').filter({ hasText: 'resumed' }).waitFor();
  await page.fill('#by', 'mallory@example.com');
  await page.locator('#approve:not([disabled])').waitFor();
  await page.click('#approve');
  await page.locator('#message.error').waitFor();
  await expect(page.locator('#message').innerText()).resolves.toBe(
    'approve refused: mallory@example.com may not approve: approval.approvers allows alice@example.com',
  );

  await page.fill('#by', 'alice@example.com');
  await page.fill('#reason', 'the dashboard looks good');
  await page.locator('#approve:not([disabled])').waitFor();
  await page.click('#approve');
  await page.locator('#message.ok').filter({ hasText: 'approved step 1' }).waitFor();
  await page.waitForSelector('body[data-phase="promoted"]', { timeout: 60_000 });

  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  const approval = result.decisions.find((d) => d.kind === 'approve')!;
  expect(approval).toMatchObject({ by: 'alice@example.com', reason: 'the dashboard looks good' });
  expect(approval.identity).toMatch(/^model-rollout-dashboard:.+@.+$/);
  expect(result.decisions.filter((d) => ['pause', 'resume'].includes(d.kind)).map((d) => d.by)).toEqual([
    'dave',
    'dave',
  ]);

  const decisions = await page.locator('#decisions').innerText();
  expect(decisions).toContain('alice@example.com');
  expect(decisions).toContain(approval.identity!);
  expect(decisions).toContain('the dashboard looks good');
  await expect(page.locator('#summary').innerText()).resolves.toContain(
    'promoted: all 2 steps passed and were approved',
  );
  const canvases = await page.locator('canvas').evaluateAll((nodes) => nodes.map((n) => n.id));
  expect(canvases).toEqual(expect.arrayContaining(['chart-traffic', 'chart-roc']));
  expect(await page.evaluate('window.__dashboardChartCount')).toBe(canvases.length);
  for (const id of canvases) expect(await page.evaluate(`(${INKED})(${JSON.stringify(id)})`)).toBeGreaterThan(5_000);
  // The name is kept for next time.
  expect(await page.evaluate("localStorage.getItem('model-rollout.by')")).toBe('alice@example.com');

  // Back on the list, the rollout shows promoted.
  await page.goto(`${url}/`);
  await page
    .locator('tr', { has: page.locator(`a[data-endpoint="${endpoint}"]`) })
    .filter({ hasText: 'promoted' })
    .waitFor();
  // The one refusal is the browser's only complaint (it logs every answer that is not 2xx).
  expect(errors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  await page.close();
});

/** A raw request to a dashboard, with the headers a browser elsewhere (or a rebinding DNS name, or a proxy) sends. */
function call(
  method: 'GET' | 'POST',
  base: string,
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += String(d)));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

test('buttons cannot be pressed from another site', async () => {
  const body = JSON.stringify({ by: 'alice@example.com', reason: 'x' });
  const host = new URL(url).host;
  // A cross-site form can post only form or text bodies.
  const form = await call('POST', url, '/api/rollouts/churn/rollback', { 'content-type': 'text/plain', host }, body);
  expect(form.status).toBe(415);
  // A page of another origin.
  const origin = await call(
    'POST',
    url,
    '/api/rollouts/churn/rollback',
    { 'content-type': 'application/json', host, origin: 'http://evil.example.com' },
    body,
  );
  expect(origin.status).toBe(403);
  // A rebinding DNS name pointing at 127.0.0.1.
  const rebound = await call(
    'POST',
    url,
    '/api/rollouts/churn/rollback',
    { 'content-type': 'application/json', host: `evil.example.com:${new URL(url).port}` },
    body,
  );
  expect(rebound.status).toBe(403);
  // The same request from the dashboard's own page gets through to the rollout (which has none to roll back here).
  const own = await call(
    'POST',
    url,
    '/api/rollouts/nobody-here/rollback',
    { 'content-type': 'application/json', host, origin: `http://${host}` },
    body,
  );
  expect(own.status).toBe(409);
  expect(JSON.parse(own.body).error).toMatch(/not found/i);
});
