// Exit codes are part of the CLI's contract: scripts and CI branch on them (docs/cli.md lists them).
import { InvalidInputError } from '../schema';
import type { Outcome } from '../workflows/shared';

export const EXIT = {
  ok: 0,
  /** Something we did not expect: a bug, or Temporal unreachable. */
  unexpected: 1,
  /** The user can fix it: bad spec, bad signal, bad flags, unknown endpoint, a rollout already running. */
  badInput: 2,
  rolledBack: 3,
  /** The workflow itself failed, was terminated, cancelled or timed out. */
  rolloutFailed: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as a short message (no stack) with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function badInput(message: string): CliError {
  return new CliError(message, EXIT.badInput);
}

export function exitCodeForOutcome(outcome: Outcome): ExitCode {
  return outcome === 'promoted' ? EXIT.ok : EXIT.rolledBack;
}

/** How a closed workflow ended, from Temporal's execution status name (e.g. "COMPLETED", "TERMINATED"). */
export function exitCodeForClosedStatus(status: string, outcome?: Outcome): ExitCode {
  if (status === 'COMPLETED' && outcome) return exitCodeForOutcome(outcome);
  return EXIT.rolloutFailed;
}

export function exitCodeForError(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof InvalidInputError) return EXIT.badInput;
  return EXIT.unexpected;
}
