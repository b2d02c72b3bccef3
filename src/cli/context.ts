// What every command needs from its surroundings, passed in (not read from globals) so tests can run commands
// in-process with captured output.
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface CliContext extends CliIo {
  json: boolean;
  color: boolean;
  /** Redraw in place (watch) only on a terminal; pipes and CI logs get appended lines. */
  tty: boolean;
  /** How the user runs us, for the commands we suggest. */
  cli: string;
  out(lines: string | string[]): void;
  note(lines: string | string[]): void;
  printJson(value: unknown): void;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export function createContext(io: CliIo, flags: { json?: boolean; color?: boolean }): CliContext {
  const tty = Boolean(io.stdout.isTTY);
  const write = (stream: NodeJS.WritableStream) => (lines: string | string[]) => {
    const text = Array.isArray(lines) ? lines.join('\n') : lines;
    stream.write(`${text}\n`);
  };
  return {
    ...io,
    json: Boolean(flags.json),
    color: tty && flags.color !== false && !io.env.NO_COLOR,
    tty,
    cli: io.env.npm_command === 'exec' ? 'npx model-rollout' : 'model-rollout',
    out: write(io.stdout),
    note: write(io.stderr),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}
