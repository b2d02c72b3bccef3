/**
 * Runs the emulator without the CLI: `npx tsx src/emulator/main.ts --port 4566 --data-dir /tmp/x [--host h]
 * [--config faults.json]`.
 */
import { runEmulatorCommand } from './command';

function parseArgs(argv: string[]): { port: number; host?: string; dataDir: string; config?: string } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a.startsWith('--')) args.set(a.slice(2), argv[++i] ?? '');
    else throw new Error(`unexpected argument "${a}"`);
  }
  const known = ['port', 'host', 'data-dir', 'config'];
  const unknown = [...args.keys()].filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw new Error(`unknown option(s) --${unknown.join(', --')} (known: --${known.join(', --')})`);
  const port = Number(args.get('port') ?? '4566');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${args.get('port')}`);
  const dataDir = args.get('data-dir');
  if (!dataDir) throw new Error('--data-dir <dir> is required (s3://bucket/key is read from <dir>/bucket/key)');
  return {
    port,
    dataDir,
    ...(args.has('host') ? { host: args.get('host') } : {}),
    ...(args.has('config') ? { config: args.get('config') } : {}),
  };
}

runEmulatorCommand(parseArgs(process.argv.slice(2))).catch((err: unknown) => {
  process.stderr.write(`emulator: ${(err as Error).message}\n`);
  process.exit(1);
});
