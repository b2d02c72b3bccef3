/** `model-rollout emulator`: runs the emulator in the foreground until SIGINT/SIGTERM. */
import { mkdirSync } from 'node:fs';
import { startEmulator, type EmulatorProfile, type RunningEmulator } from './index';

export interface EmulatorCommandOptions {
  port: number;
  host?: string;
  dataDir: string;
  /** Path of a JSON config (faults, delays, seed, ...). */
  config?: string;
  profile?: EmulatorProfile;
  timeScale?: number;
  /** Path of the IAM policy document callers are bound by (aws profile). */
  iamPolicy?: string;
  quotas?: Record<string, number>;
}

export async function runEmulatorCommand(opts: EmulatorCommandOptions): Promise<RunningEmulator> {
  mkdirSync(opts.dataDir, { recursive: true });
  const emulator = await startEmulator({
    port: opts.port,
    dataDir: opts.dataDir,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.config ? { config: opts.config } : {}),
    overrides: {
      ...(opts.profile ? { profile: opts.profile } : {}),
      ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
      ...(opts.iamPolicy ? { iamPolicy: opts.iamPolicy } : {}),
      ...(opts.quotas ? { quotas: opts.quotas } : {}),
    },
  });
  const profile = opts.profile ?? 'as configured';
  process.stdout.write(`emulator listening on ${emulator.url} (data dir ${opts.dataDir}, profile ${profile})\n`);
  const stop = (signal: NodeJS.Signals) => {
    process.stdout.write(`emulator stopping (${signal})\n`);
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return emulator;
}
