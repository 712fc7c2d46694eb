// Runs `node bin/selfheal.js ...` as a child process, asynchronously: the API under test lives in this process, so
// blocking on the child would stop it from answering.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const repo = path.resolve(__dirname, '../../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  /** stdout and stderr so far; the test can wait on them while the command still runs. */
  output(): string;
  errors(): string;
  signal(name: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

/** env replaces the CLI's SELFHEAL_* variables (undefined removes one); everything else is inherited. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.SELFHEAL_URL;
  delete childEnv.SELFHEAL_TOKEN;
  for (const [key, value] of Object.entries(env)) if (value !== undefined) childEnv[key] = value;
  const child = spawn(process.execPath, [path.join(repo, 'bin/selfheal.js'), ...args], { cwd: repo, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { output: () => stdout, errors: () => stderr, signal: (name) => child.kill(name), done };
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}
