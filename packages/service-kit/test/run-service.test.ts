// runService in a real process started as the services are: it parses the environment (or says which
// variable is wrong and where it is documented), serves on the running telemetry, captures route and
// job errors as thrown, and on SIGTERM releases what the service registered, last first, then exits 0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadServiceConfig, serviceEnv } from '../src/config.ts';
import { freePort } from './fixtures/free-port.ts';

const FIXTURE = path.join(import.meta.dirname, 'fixtures/tiny-service.ts');

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', '@telemetry-kit/telemetry/register', FIXTURE], {
    cwd: import.meta.dirname,
    env: { ...process.env, OTEL_SDK_DISABLED: 'true', OTEL_SERVICE_NAME: 'tiny', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const records = () =>
    output.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { child, output, records };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('loadServiceConfig', () => {
  const schema = z.object({ ...serviceEnv, LLM_BASE_URL: z.url() });

  it('names each bad variable, what was expected and the README, never the value', () => {
    const parse = () => loadServiceConfig('rituals', schema, { PORT: 'hunter2-port', LLM_BASE_URL: 'nope' });
    expect(parse).toThrow(/^rituals: invalid or missing environment \(PORT: .+; LLM_BASE_URL: .+\)/);
    expect(parse).toThrow('see services/rituals/README.md');
    expect(parse).not.toThrow(/hunter2|nope/);
  });

  it('applies the defaults every service shares', () => {
    expect(loadServiceConfig('rituals', schema, { LLM_BASE_URL: 'http://llm:8080' })).toEqual({
      PORT: 8080,
      LLM_BASE_URL: 'http://llm:8080',
    });
  });
});

describe('a service on runService', () => {
  it('refuses to start on a bad environment, naming the variable and the README', async () => {
    // A crash waits for one scrape of /metrics (the telemetry README's "Crashes"); this one needs none.
    const { child, records } = start({ PORT: String(await freePort()), TELEMETRY_CRASH_SCRAPE_WAIT_MS: '0' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    const fatal = records().find((r) => r.level === 'fatal');
    expect(String((fatal?.err as { message?: string })?.message)).toMatch(
      /^tiny: invalid or missing environment \(TINY_GREETING: .+\) — see services\/tiny\/README\.md$/,
    );
  }, 30_000);

  it('serves, captures route and job errors as thrown, and releases resources last-first on SIGTERM', async () => {
    const port = await freePort();
    const { child, output, records } = start({
      PORT: String(port),
      TINY_GREETING: 'hello',
      TELEMETRY_DRAIN_MS: '0',
    });
    const exited = once(child, 'exit');
    await until(() => records().some((r) => r.msg === 'listening'), `listening:\n${output.stdout}`);
    const base = `http://127.0.0.1:${port}`;

    expect(await (await fetch(`${base}/greeting`)).json()).toEqual({ greeting: 'hello' });
    expect((await fetch(`${base}/quote`, { headers: { 'x-request-id': 'req-quote' } })).status).toBe(500);
    const reports = () =>
      records()
        .map((r) => r.error_report as Record<string, string> | undefined)
        .filter((report) => report !== undefined);
    // Both lines, whichever the child's stdout brings first: the job can fail before the route's line is read.
    await until(
      () =>
        ['QuoteMissingError', 'SweepFailedError'].every((type) =>
          reports().some((r) => r.error_type === type),
        ),
      'the route and the job failures',
    );
    expect(reports()).toContainEqual(
      expect.objectContaining({ error_type: 'QuoteMissingError', source: 'http', request_id: 'req-quote' }),
    );
    expect(reports()).toContainEqual(
      expect.objectContaining({ error_type: 'SweepFailedError', source: 'background' }),
    );

    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, output.stderr).toBe(0);
    expect(output.stderr).toMatch(/released flags\n(.*\n)*released pool\n/);
  }, 30_000);
});
