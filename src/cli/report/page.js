/* global Chart, document, window */
// Draws a rollout's charts in the browser from its report data (src/cli/report/data.ts), into the canvases chartsFor
// names. The report inlines it after Chart.js and draws the JSON embedded in the page, setting body[data-ready] when
// every chart is drawn (the PNG renderer waits); the dashboard serves it and redraws as the rollout moves
// (window.drawRolloutCharts returns the charts, for the caller to destroy before the next drawing).
(function () {
  'use strict';
  const BASELINE = '#1f77b4';
  const CANDIDATE = '#d62728';
  const VERDICT = { pass: '#2ca02c', fail: '#d62728', continue: '#ff7f0e' };

  function duration(seconds) {
    const s = Math.round(seconds);
    if (Math.abs(s) < 60) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 60) return m + 'm' + (s % 60 ? String(s % 60).padStart(2, '0') + 's' : '');
    return Math.floor(m / 60) + 'h' + String(m % 60).padStart(2, '0') + 'm';
  }
  const timeAxis = {
    type: 'linear',
    min: 0,
    title: { display: true, text: 'time since the first step' },
    ticks: { callback: (value) => duration(value) },
  };
  // Each guardrail's difference in a unit people read: rates in percentage points, latency in percent.
  const UNIT = {
    rate: { scale: 100, label: 'difference (percentage points, candidate − baseline)' },
    latency: { scale: 100, label: 'difference (% slower than baseline)' },
    score: { scale: 1, label: 'difference (baseline − candidate: positive = worse)' },
    ratio: { scale: 1, label: 'statistic' },
  };

  Chart.defaults.animation = false;
  Chart.defaults.responsive = false;
  Chart.defaults.font.family = 'DejaVu Sans, Arial, sans-serif';

  function drawRolloutCharts(data) {
    const colorOf = (variant) => (variant === data.candidateVariant ? CANDIDATE : BASELINE);
    const charts = [];
    function chart(id, config) {
      charts.push(new Chart(document.getElementById(id), config));
    }

    if (data.roc) {
      chart('chart-roc', {
        type: 'scatter',
        data: {
          datasets: [
            ...data.roc.curves.map((c) => ({
              label: c.variant + ' (AUC ' + (c.auc === null ? 'n/a' : c.auc.toFixed(3)) + ', n=' + c.n + ')',
              data: c.fpr.map((x, i) => ({ x, y: c.tpr[i] })),
              showLine: true,
              pointRadius: 0,
              borderWidth: 2,
              borderColor: colorOf(c.variant),
              backgroundColor: colorOf(c.variant),
            })),
            {
              label: 'chance',
              data: [
                { x: 0, y: 0 },
                { x: 1, y: 1 },
              ],
              showLine: true,
              pointRadius: 0,
              borderDash: [6, 4],
              borderColor: '#999',
              backgroundColor: '#999',
            },
          ],
        },
        options: {
          scales: {
            x: { min: 0, max: 1, title: { display: true, text: 'false positive rate' } },
            y: { min: 0, max: 1, title: { display: true, text: 'true positive rate' } },
          },
        },
      });
    }

    if (data.traffic.length && data.traffic[0].points.length) {
      chart('chart-traffic', {
        type: 'line',
        data: {
          datasets: data.traffic.map((s) => ({
            label: s.variant,
            data: s.points.map((p) => ({ x: p.t, y: p.y })),
            stepped: 'before',
            borderColor: colorOf(s.variant),
            backgroundColor: colorOf(s.variant),
            borderWidth: 2,
          })),
        },
        options: {
          scales: { x: timeAxis, y: { min: 0, max: 100, title: { display: true, text: 'traffic share (%)' } } },
        },
      });
    }

    if (data.latency.some((s) => s.p50.length || s.p99.length)) {
      chart('chart-latency', {
        type: 'line',
        data: {
          datasets: data.latency.flatMap((s) => [
            {
              // CloudWatch gives no percentiles of SageMaker's latency statistic sets: the mean is what there is.
              label: s.variant + (s.statistic === 'mean' ? ' mean' : ' p50'),
              data: s.p50.map((p) => ({ x: p.t, y: p.y })),
              borderColor: colorOf(s.variant),
              backgroundColor: colorOf(s.variant),
            },
            {
              label: s.variant + ' p99',
              data: s.p99.map((p) => ({ x: p.t, y: p.y })),
              borderColor: colorOf(s.variant),
              backgroundColor: colorOf(s.variant),
              borderDash: [6, 4],
            },
          ]),
        },
        options: {
          scales: { x: timeAxis, y: { beginAtZero: true, title: { display: true, text: 'ModelLatency (ms)' } } },
        },
      });
    }

    data.guardrails.forEach((g) => {
      const unit = UNIT[g.unit];
      const xs = g.points.map((p) => p.t);
      const scaled = (v) => (v === null ? null : v * unit.scale);
      const datasets = [
        {
          label: 'interval (low)',
          data: g.points.map((p) => ({ x: p.t, y: scaled(p.low) })),
          borderColor: 'rgba(31,119,180,0.3)',
          pointRadius: 0,
          borderWidth: 1,
          fill: false,
        },
        {
          label: 'confidence interval',
          data: g.points.map((p) => ({ x: p.t, y: scaled(p.high) })),
          borderColor: 'rgba(31,119,180,0.3)',
          backgroundColor: 'rgba(31,119,180,0.15)',
          pointRadius: 0,
          borderWidth: 1,
          fill: '-1',
        },
        {
          label: 'difference',
          data: g.points.map((p) => ({ x: p.t, y: scaled(p.difference) })),
          borderColor: '#333',
          pointBackgroundColor: g.points.map((p) => VERDICT[p.verdict]),
          pointBorderColor: g.points.map((p) => VERDICT[p.verdict]),
          pointRadius: 3,
          fill: false,
        },
      ];
      if (g.tolerance !== null && xs.length) {
        datasets.push({
          label: 'tolerance (worse than this fails)',
          data: [
            { x: Math.min(...xs), y: g.tolerance * unit.scale },
            { x: Math.max(...xs), y: g.tolerance * unit.scale },
          ],
          borderColor: CANDIDATE,
          borderDash: [8, 4],
          pointRadius: 0,
          fill: false,
        });
      }
      chart('chart-guardrail-' + g.guardrail, {
        type: 'line',
        data: { datasets },
        options: {
          spanGaps: true,
          plugins: { legend: { labels: { filter: (item) => item.text !== 'interval (low)' } } },
          scales: { x: timeAxis, y: { title: { display: true, text: unit.label } } },
        },
      });
    });

    return charts;
  }

  window.drawRolloutCharts = drawRolloutCharts;
  const embedded = document.getElementById('report-data');
  if (embedded) {
    window.__reportChartCount = drawRolloutCharts(JSON.parse(embedded.textContent)).length;
    document.body.dataset.ready = 'true';
  }
})();
