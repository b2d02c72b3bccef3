// Runs the CLI in-process with captured output, as a terminal-less script would see it.
import { Writable } from 'node:stream';
import { run } from '../../../src/cli/main';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): Writable & { text: string } {
  const stream = new Writable({
    write(chunk, _enc, done) {
      stream.text += String(chunk);
      done();
    },
  }) as Writable & { text: string };
  stream.text = '';
  return stream;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Captured> {
  const stdout = sink();
  const stderr = sink();
  const code = await run(['node', 'model-rollout', ...args], { stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
