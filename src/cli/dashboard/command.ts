// `dashboard`: serves the dashboard from this process's Temporal client until Ctrl-C (or SIGTERM).
import type { CliContext } from '../context';
import { EXIT, badInput, type ExitCode } from '../exit-codes';
import { connectTemporal, temporalIdentity } from '../temporal';
import { parseSignal } from '../../schema';
import { startDashboard } from './server';

export interface DashboardFlags {
  port: number;
  host: string;
  as?: string;
  userHeader?: string;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

export async function dashboardCommand(ctx: CliContext, flags: DashboardFlags): Promise<ExitCode> {
  if (flags.as !== undefined && flags.userHeader !== undefined) throw badInput('give --as or --user-header, not both');
  if (flags.userHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(flags.userHeader)) {
    throw badInput('--user-header must be an HTTP header name such as X-Forwarded-Email');
  }
  if (flags.as !== undefined) {
    try {
      parseSignal('resume', { by: flags.as });
    } catch {
      throw badInput('--as must name who you are: a user name or e-mail (letters, digits and . _ @ + -)');
    }
  }
  const t = await connectTemporal(temporalIdentity('model-rollout-dashboard'));
  const dashboard = await startDashboard(t, flags).catch(async (err: unknown) => {
    await t.close();
    throw err;
  });
  if (ctx.json) {
    const { as = null, userHeader = null } = flags;
    ctx.printJson({ url: dashboard.url, identity: t.identity, as, userHeader, namespace: t.namespace });
  } else {
    ctx.out([
      `Dashboard: ${dashboard.url}`,
      `  Temporal ${t.address}, namespace ${t.namespace}; requests carry identity ${t.identity}`,
      flags.userHeader
        ? `  every action is taken as the user the proxy in front names in ${flags.userHeader}`
        : flags.as
          ? `  every action is taken as ${flags.as} (--as)`
          : '  the page asks each operator for a name (--as or --user-header fix it)',
      'Ctrl-C stops it.',
    ]);
  }
  if (!LOOPBACK.includes(flags.host)) {
    ctx.note(
      `note: listening on ${flags.host}: whoever reaches it acts with this process's Temporal credentials; put an ` +
        'authenticating proxy in front (docs/cli.md#dashboard)',
    );
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  await t.close();
  return EXIT.ok;
}
