import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { TelemetrySink } from '@telemetry-kit/testkit';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** A port nobody listens on right now (the OS picks it; the service binds it a moment later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the OS');
  return address.port;
}

export interface ServiceProcess {
  service: string;
  url: string;
  /** Every line the process wrote to stdout and stderr, for redaction checks. */
  output: string[];
  stop(): Promise<number | null>;
}

const childEnv = () => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
});

/**
 * Runs a service of this repository as its image does (`node --import …/register src/main.ts`),
 * exporting spans to the sink and feeding its stdout JSON lines to the sink as log records, the
 * way Alloy collects container stdout. Resolves when /readyz answers 200.
 */
export async function startServiceProcess(
  service: string,
  sink: TelemetrySink,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', '@telemetry-kit/telemetry/register', `services/${service}/src/main.ts`],
    {
      cwd: REPO_ROOT,
      env: {
        ...childEnv(),
        ...sink.otlpEnv(),
        OTEL_SERVICE_NAME: service,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        TELEMETRY_DRAIN_MS: '100',
        LOG_LEVEL: 'info',
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    output.push(line);
    sink.recordLogLine(line, { service });
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => output.push(line));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `${service} exited with ${child.exitCode} before it was ready:\n${output.slice(-20).join('\n')}`,
      );
    }
    try {
      const response = await fetch(`${url}/readyz`);
      last = `${response.status} ${await response.text()}`;
      if (response.ok) break;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${service} not ready after 30 s (last /readyz: ${last}):\n${output.slice(-20).join('\n')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    service,
    url,
    output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs a one-shot command of a service (a migration) to completion; rejects with its output on failure. */
export async function runOneShot(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: REPO_ROOT,
    env: { ...childEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${code}:\n${output}`);
  return output;
}
