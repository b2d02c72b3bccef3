// `worker` and `emulator`: long-running processes, imported lazily so the everyday commands start fast and do not
// load the Temporal worker's native bridge or the emulator.
import { readFileSync } from 'node:fs';
import type { CliContext } from '../context';
import { EXIT, badInput, type ExitCode } from '../exit-codes';

export async function workerCommand(_ctx: CliContext, opts: { taskQueue?: string }): Promise<ExitCode> {
  const { runWorker } = require('../../worker/worker') as typeof import('../../worker/worker');
  await runWorker(opts.taskQueue ? { taskQueue: opts.taskQueue } : {});
  return EXIT.ok;
}

export interface EmulatorFlags {
  port: number;
  host?: string;
  dataDir: string;
  config?: string;
}

/** `--config` names a JSON file of emulator settings (fault injection, timings). */
export function readEmulatorConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw badInput(`cannot read emulator config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw badInput(`emulator config ${path} is not a JSON object: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function emulatorCommand(_ctx: CliContext, flags: EmulatorFlags): Promise<ExitCode> {
  // The emulator lands in its own room; until then the path is resolved at run time, not compile time.
  const emulatorModule: string = '../../emulator/command';
  const { runEmulatorCommand } = require(emulatorModule) as {
    runEmulatorCommand: (options: { port: number; dataDir: string; host?: string; config?: unknown }) => Promise<void>;
  };
  await runEmulatorCommand({
    port: flags.port,
    dataDir: flags.dataDir,
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.config ? { config: readEmulatorConfig(flags.config) } : {}),
  });
  return EXIT.ok;
}
