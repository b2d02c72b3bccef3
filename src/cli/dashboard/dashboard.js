/* global document, window, fetch, localStorage, setTimeout */
// The dashboard in the browser: polls the server's JSON every 2 s and draws the list of rollouts (/) or one rollout
// (/rollouts/<endpoint>): phase, weights, the pending approval and who may give it, the guardrails, the decisions and
// the report's charts (drawn by charts.js, the report's own drawing). The buttons send approve, rollback, pause and
// resume as the operator named in the name field (kept in localStorage) or fixed by `dashboard --as`.
// Everything from the server is put in the page as text, never as HTML.
(function () {
  'use strict';
  const POLL_MS = 2000;
  const NAME_KEY = 'model-rollout.by';
  const FINISHING = ['promoting', 'rolling-back', 'promoted', 'rolled-back'];
  const app = document.getElementById('app');
  const fixedAs = document.body.dataset.as || null;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child instanceof window.Node ? child : String(child));
    }
    return node;
  }

  function table(head, rows, id) {
    return el(
      'table',
      { id },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          head.map((h) => el('th', { text: h })),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((cells) =>
          el(
            'tr',
            {},
            cells.map((c) => (c instanceof window.Node ? el('td', {}, c) : el('td', { text: c }))),
          ),
        ),
      ),
    );
  }

  function weightsOf(weights) {
    const entries = Object.entries(weights || {});
    if (!entries.length) return el('span', { text: '—' });
    return el(
      'span',
      { class: 'weights' },
      entries.map(([variant, weight]) =>
        el('span', {}, el('span', { class: 'bar', style: `width:${Math.round(weight)}px` }), `${variant} ${weight}% `),
      ),
    );
  }

  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
    return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
  }

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    return body;
  }

  function waitingText(row) {
    const w = row.waitingFor;
    if (w) return `approval of step ${w.step} (${w.cause}) by ${w.approvers ? w.approvers.join(', ') : 'anyone'}`;
    return row.paused ? 'a resume (paused)' : '—';
  }

  // ---- the list of rollouts ----
  async function showList() {
    let data;
    try {
      data = await getJson('/api/rollouts');
    } catch (err) {
      app.replaceChildren(
        el('h1', { text: 'Rollouts' }),
        el('p', { id: 'message', class: 'error', text: String(err) }),
      );
      return;
    }
    const rows = data.rollouts.map((r) => [
      el('a', {
        href: `/rollouts/${encodeURIComponent(r.endpointName)}`,
        'data-endpoint': r.endpointName,
        text: r.endpointName,
      }),
      el('span', {
        class: `phase-${r.phase}`,
        text: r.executionStatus === 'RUNNING' ? r.phase || 'running' : r.verdict,
      }),
      r.step === null ? '—' : r.totalSteps ? `${r.step}/${r.totalSteps}` : String(r.step),
      weightsOf(r.weights),
      el('span', { class: `verdict-${r.verdict}`, text: r.verdict || '—' }),
      r.problem ? r.problem : waitingText(r),
      r.startTime.replace('T', ' ').slice(0, 19),
    ]);
    app.replaceChildren(
      el('h1', { text: 'Rollouts' }),
      el('p', { class: 'meta', text: `namespace ${data.namespace} · updated ${new Date().toLocaleTimeString()}` }),
      rows.length
        ? table(['endpoint', 'phase', 'step', 'weights', 'verdict', 'waiting for', 'started'], rows, 'rollouts')
        : el('p', { text: 'No rollouts yet.' }),
    );
    document.body.dataset.ready = 'true';
    setTimeout(showList, POLL_MS);
  }

  // ---- one rollout ----
  function showRollout(endpoint) {
    const byInput = el('input', {
      id: 'by',
      placeholder: 'your name or e-mail',
      value: fixedAs || localStorage.getItem(NAME_KEY) || '',
      readonly: Boolean(fixedAs),
      size: 28,
    });
    const reasonInput = el('input', { id: 'reason', placeholder: 'reason (required to roll back)', size: 40 });
    const message = el('span', { id: 'message' });
    const buttons = {};
    for (const action of ['approve', 'rollback', 'pause', 'resume']) {
      buttons[action] = el('button', {
        id: action,
        type: 'button',
        disabled: true,
        text: action,
        onclick: () => send(action),
      });
    }
    const parts = {
      summary: el('p', { id: 'summary', class: 'meta' }),
      weights: el('div', { id: 'weights' }),
      pending: el('div', { id: 'pending' }),
      guardrails: el('div'),
      decisions: el('div'),
      notifications: el('div'),
      charts: el('div', { id: 'charts' }),
      updated: el('p', { class: 'meta' }),
    };
    app.replaceChildren(
      el('h1', { text: `Rollout ${endpoint}` }),
      parts.summary,
      parts.weights,
      parts.pending,
      el(
        'div',
        { class: 'panel controls' },
        el('label', {}, 'As ', byInput),
        reasonInput,
        el('div', {}, Object.values(buttons), message),
        el('p', {
          class: 'meta',
          text: fixedAs ? `Acting as ${fixedAs}.` : 'Your name is kept in this browser.',
        }),
      ),
      el('h2', { text: 'Guardrails' }),
      parts.guardrails,
      el('h2', { text: 'Decisions' }),
      parts.decisions,
      parts.notifications,
      el('h2', { text: 'Charts' }),
      parts.charts,
      parts.updated,
    );

    let charts = [];
    let busy = false;
    let timer = null;

    async function send(action) {
      const by = (fixedAs || byInput.value).trim();
      if (!fixedAs) localStorage.setItem(NAME_KEY, by);
      busy = true;
      Object.values(buttons).forEach((b) => (b.disabled = true));
      message.className = '';
      message.textContent = `${action}…`;
      try {
        const response = await fetch(`/api/rollouts/${encodeURIComponent(endpoint)}/${action}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ by, reason: reasonInput.value }),
        });
        const body = await response.json();
        message.className = response.ok ? 'ok' : 'error';
        message.textContent = response.ok ? body.message : body.error;
        if (response.ok) reasonInput.value = '';
      } catch (err) {
        message.className = 'error';
        message.textContent = String(err);
      }
      busy = false;
      await refresh();
    }

    function render(view) {
      const s = view.status;
      const report = view.report;
      const running = view.executionStatus === 'RUNNING';
      const phase = s ? s.phase : report ? report.phase : view.executionStatus.toLowerCase();
      document.body.dataset.phase = phase;
      const outcome = report && report.outcome ? ` · ${report.outcome}: ${report.reason || ''}` : '';
      parts.summary.replaceChildren(
        'phase ',
        el('strong', { id: 'phase', class: `phase-${phase}`, text: phase }),
        s ? ` · step ${s.step}/${s.totalSteps}` : '',
        s && s.paused ? ' · paused' : '',
        ` · workflow ${view.workflowId} (${view.executionStatus.toLowerCase()})${outcome}`,
        view.problem ? ` · ${view.problem}` : '',
      );
      parts.weights.replaceChildren(s ? weightsOf(s.weights) : '');

      const p = s && s.pendingApproval;
      parts.pending.replaceChildren(
        p
          ? el(
              'div',
              { class: 'panel pending' },
              el('strong', { text: `Waiting for approval of step ${p.step} (${p.cause})` }),
              el('div', { text: p.reason }),
              el('div', { text: `Who may approve: ${p.approvers ? p.approvers.join(', ') : 'anyone'}` }),
              el('div', { text: `Times out in ${duration(Date.parse(p.timeoutAt) - Date.now())} (${p.timeoutAt})` }),
            )
          : '',
      );
      if (!busy) {
        const finishing = !s || FINISHING.includes(s.phase);
        buttons.approve.disabled = !(running && p);
        buttons.rollback.disabled = !(running && !finishing);
        buttons.pause.disabled = !(running && !finishing && !s.paused);
        buttons.resume.disabled = !(running && s && s.paused);
      }

      const rows = view.guardrails || [];
      parts.guardrails.replaceChildren(
        rows.length
          ? table(
              ['guardrail', 'baseline', 'candidate', 'difference', 'interval', 'tolerance', 'verdict'],
              rows.map((r) => [
                r.guardrail,
                r.baseline,
                r.candidate,
                r.difference,
                r.interval,
                r.tolerance,
                el('span', { class: `verdict-${r.verdict}`, text: r.verdict }),
              ]),
              'guardrails',
            )
          : el('p', { text: s ? 'No evaluation yet.' : 'See the charts and decisions.' }),
      );
      const decisions = s ? s.decisions : report ? report.decisions : [];
      parts.decisions.replaceChildren(
        table(
          ['at', 'step', 'decision', 'by', 'identity', 'why'],
          decisions.map((d) => [
            d.at.replace('T', ' ').slice(0, 19),
            String(d.step),
            d.kind,
            d.by,
            d.identity || '',
            d.reason,
          ]),
          'decisions',
        ),
      );
      const sent = (s && s.notifications) || [];
      parts.notifications.replaceChildren(
        sent.length
          ? el('p', {
              class: 'meta',
              text: `Notifications: ${sent.map((n) => `${n.event} → #${n.webhook} ${n.outcome}${n.error ? ` (${n.error})` : ''}`).join('; ')}`,
            })
          : '',
      );

      charts.forEach((c) => c.destroy());
      charts = [];
      parts.charts.replaceChildren(
        ...(view.charts || []).map((c) =>
          el(
            'figure',
            { id: `fig-${c.id}` },
            el('h3', { text: c.title }),
            el('canvas', { id: c.id, width: 900, height: 380 }),
            el('figcaption', { text: c.caption }),
          ),
        ),
      );
      if (report) charts = window.drawRolloutCharts(report);
      window.__dashboardChartCount = charts.length;
      parts.updated.textContent = `updated ${new Date().toLocaleTimeString()}${running ? ` · refreshes every ${POLL_MS / 1000} s` : ''}`;
      document.body.dataset.ready = 'true';
    }

    async function refresh() {
      if (timer) window.clearTimeout(timer);
      let view;
      try {
        view = await getJson(`/api/rollouts/${encodeURIComponent(endpoint)}`);
      } catch (err) {
        parts.summary.textContent = String(err);
        timer = setTimeout(refresh, POLL_MS);
        return;
      }
      render(view);
      if (view.executionStatus === 'RUNNING') timer = setTimeout(refresh, POLL_MS);
    }
    void refresh();
  }

  const match = /^\/rollouts\/([^/]+)$/.exec(window.location.pathname);
  if (match) showRollout(decodeURIComponent(match[1]));
  else void showList();
})();
