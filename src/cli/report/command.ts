// `report <endpoint>`: the rollout's HTML report and PNG images of its charts, from the workflow's result when it
// has ended, or from its status query while it runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { parseSpec } from '../../schema';
import { evaluationsQuery } from '../../workflows/shared';
import type { CliContext } from '../context';
import { CliError, EXIT, type ExitCode } from '../exit-codes';
import { connectTemporal, queryStatus, rolloutHandle, snapshotRollout, type CliTemporal } from '../temporal';
import { findChromium } from './chromium';
import { buildReportData, type ReportData, type ReportSource } from './data';
import { chartsFor, reportHtml } from './html';
import { renderChartImages } from './png';

export interface ReportOptions {
  out?: string;
  png?: boolean;
}

export interface WrittenReport {
  html: string;
  images: string[];
  /** Why there are no images, when there are none. */
  imagesSkipped?: string;
}

export async function reportCommand(ctx: CliContext, endpointName: string, opts: ReportOptions): Promise<ExitCode> {
  const t = await connectTemporal();
  let data: ReportData;
  try {
    data = buildReportData(await reportSource(t, endpointName), new Date());
  } finally {
    await t.close();
  }
  const outDir = resolve(opts.out ?? `rollout-report-${endpointName}`);
  const written = await writeReport(data, outDir, { png: opts.png !== false, chromiumPath: findChromium(ctx.env) });
  if (ctx.json) {
    ctx.printJson(written);
  } else {
    ctx.out([`Report: ${written.html}`, ...written.images.map((f) => `Chart:  ${f}`)]);
    if (written.imagesSkipped) ctx.note(`note: no PNG images: ${written.imagesSkipped}`);
  }
  return EXIT.ok;
}

async function writeReport(
  data: ReportData,
  outDir: string,
  opts: { png: boolean; chromiumPath: string | null },
): Promise<WrittenReport> {
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, 'report.html');
  writeFileSync(html, reportHtml(data));
  if (!opts.png) return { html, images: [], imagesSkipped: '--no-png' };
  if (!opts.chromiumPath) {
    return {
      html,
      images: [],
      imagesSkipped: 'Chromium not found: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH',
    };
  }
  return { html, images: await renderChartImages(html, chartsFor(data), outDir, opts.chromiumPath) };
}

async function reportSource(t: CliTemporal, endpointName: string): Promise<ReportSource> {
  const snap = await snapshotRollout(t, endpointName);
  if (snap.kind === 'closed' && snap.result) return { kind: 'result', result: snap.result };
  // A running rollout, or one that failed without a result: its status query still tells its story (a closed
  // workflow's query is answered by a worker replaying its history).
  let status = snap.kind === 'running' ? snap.status : null;
  if (!status) {
    try {
      status = await queryStatus(t, endpointName, 15_000);
    } catch (err) {
      throw new CliError(
        `no data for a report on ${endpointName}: ${snap.kind === 'closed' ? `the workflow ${snap.executionStatus.toLowerCase()} without a result (${snap.failure})` : 'it is running'} and no worker answered its status query (${err instanceof Error ? err.message : String(err)})`,
        snap.kind === 'closed' ? EXIT.rolloutFailed : EXIT.unexpected,
      );
    }
  }
  const spec = await startedSpec(t, endpointName);
  // The full evaluation history; a worker from before this query existed cannot answer it, so fall back to status.
  const evaluations = await t.client
    .withDeadline(Date.now() + 10_000, () => rolloutHandle(t.client, endpointName).query(evaluationsQuery))
    .catch(() => undefined);
  return {
    kind: 'status',
    status,
    ...(evaluations ? { evaluations } : {}),
    baselineVariant: spec.baseline?.variantName ?? null,
    candidateVariant: spec.candidate.variantName,
  };
}

/** The spec the rollout was started with (the first event of its history), for the variants' roles. */
async function startedSpec(t: CliTemporal, endpointName: string) {
  const history = await rolloutHandle(t.client, endpointName).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new CliError(`the history of ${endpointName}'s rollout has no start input`, EXIT.unexpected);
  return parseSpec(defaultPayloadConverter.fromPayload(payload));
}
