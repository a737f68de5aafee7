// A real service process (the benchmark's service, VARIANT=kit, started with
// `node --import @telemetry-kit/telemetry/register`) against a real OTLP/HTTP protobuf receiver (the
// testkit's TelemetrySink). Needs no container engine.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TelemetrySink } from '@telemetry-kit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SERVICE = path.resolve(import.meta.dirname, '../bench/service.ts');
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const SECRET_EMAIL = 'alice.martin@example.com';

let sink: TelemetrySink;
let upstream: Server;
let child: ChildProcess;
let base: string;
const stdout: string[] = [];
let metricsText = '';
let exitCode: number | null = null;
const upstreamHeaders: Record<string, string | string[] | undefined>[] = [];

/** Starts the benchmark service under `--import …/register`; resolves once it listens. */
async function startService(
  env: Record<string, string>,
  onLogLine?: (line: string) => void,
): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', '@telemetry-kit/telemetry/register', SERVICE], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (onLogLine) createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', onLogLine);
  else proc.stdout?.resume();
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening (\d+)/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
    proc.once('exit', (code) =>
      reject(new Error(`service exited with ${code} before listening:\n${stderr}`)),
    );
  });
  return { proc, url: `http://127.0.0.1:${port}` };
}

beforeAll(async () => {
  sink = await TelemetrySink.start();
  upstream = createServer((req, res) => {
    upstreamHeaders.push(req.headers);
    res.end(JSON.stringify({ cents: 1299 }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  ({ proc: child, url: base } = await startService(
    {
      ...sink.otlpEnv('http/protobuf'),
      VARIANT: 'kit',
      OTEL_SERVICE_NAME: 'orders-test',
      SERVICE_VERSION: '0f1e2d3c',
      DEPLOYMENT_ENVIRONMENT: 'test',
      LOG_LEVEL: 'info',
      TELEMETRY_DRAIN_MS: '50',
      UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/price`,
    },
    (line) => {
      stdout.push(line);
      sink.recordLogLine(line);
    },
  ));

  const order = await fetch(`${base}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': 'it-order-1',
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      baggage: 'tenant=acme',
    },
    body: JSON.stringify({ customer: { id: 'user-42', email: SECRET_EMAIL }, items: [1, 2, 3] }),
  });
  expect(order.status).toBe(200);
  expect(order.headers.get('x-request-id')).toBe('it-order-1');
  const fail = await fetch(`${base}/fail`, { headers: { 'x-customer-email': SECRET_EMAIL } });
  expect(fail.status).toBe(500);
  // Runtime metrics start a second after boot; poll until they are there (or give up after 10 s).
  for (let attempt = 0; attempt < 100; attempt++) {
    metricsText = await (await fetch(`${base}/metrics`)).text();
    if (metricsText.includes('nodejs_eventloop_delay_p99_seconds')) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  child.kill('SIGTERM');
  [exitCode] = (await once(child, 'exit')) as [number | null];
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await new Promise((r) => upstream?.close(r));
  await sink?.stop();
});

describe('a service started with --import @telemetry-kit/telemetry/register', () => {
  it('exits 0 after SIGTERM, having drained and flushed', () => {
    expect(exitCode).toBe(0);
    expect(stdout.join('\n')).toContain('draining: readiness is now false');
  });

  it('exports the server span as a child of the caller’s traceparent, with the upstream call as its child', () => {
    const spans = sink.spans();
    const server = spans.find((s) => s.kind === 'server' && s.name === 'POST /orders');
    expect(server, `server span among ${spans.map((s) => `${s.kind} ${s.name}`).join(', ')}`).toBeDefined();
    expect(server?.traceId).toBe(CALLER_TRACE);
    expect(server?.parentSpanId).toBe(CALLER_SPAN);
    expect(server?.attributes['http.route']).toBe('/orders');
    expect(server?.resource).toMatchObject({
      'service.name': 'orders-test',
      'service.version': '0f1e2d3c',
      'deployment.environment.name': 'test',
    });
    const client = spans.find((s) => s.kind === 'client' && s.parentSpanId === server?.spanId);
    expect(client, 'the fetch to the upstream as a client span under the server span').toBeDefined();
  });

  it('propagates traceparent and baggage to the upstream it calls', () => {
    const [headers] = upstreamHeaders;
    expect(String(headers?.traceparent)).toMatch(new RegExp(`^00-${CALLER_TRACE}-[0-9a-f]{16}-01$`));
    expect(headers?.baggage).toBe('tenant=acme');
  });

  it('marks the failing request’s span as an error with a redacted exception event', () => {
    const failed = sink.spans().find((s) => s.kind === 'server' && s.name === 'GET /fail');
    expect(failed?.status.code).toBe('error');
    const exception = failed?.events.find((e) => e.name === 'exception');
    expect(exception?.attributes['exception.message']).toBe('payment declined for [REDACTED]');
  });

  it('writes JSON log lines carrying trace_id, span_id, request_id, service and environment', () => {
    const order = sink.logs().find((l) => l.message === 'order received');
    expect(order?.fields).toMatchObject({
      trace_id: CALLER_TRACE,
      request_id: 'it-order-1',
      service: 'orders-test',
      environment: 'test',
      level: 'info',
    });
    expect(String(order?.fields.span_id)).toMatch(/^[0-9a-f]{16}$/);
    expect(String(order?.fields.user_pseudo_id)).toMatch(/^[0-9a-f]{24}$/);
    const report = sink.logs().find((l) => l.level === 'error');
    expect(report?.fields.error_report).toMatchObject({
      error_type: 'Error',
      source: 'http',
      environment: 'test',
    });
  });

  it('leaks the customer’s email into no log line and no span, and the raw user id into no span or report', () => {
    expect(stdout.join('\n')).not.toContain(SECRET_EMAIL);
    expect(JSON.stringify(sink.spans())).not.toContain(SECRET_EMAIL);
    expect(JSON.stringify(sink.spans())).not.toContain('user-42');
    const report = sink.logs().find((l) => l.level === 'error');
    expect(JSON.stringify(report)).not.toContain('user-42');
  });

  it('serves the catalogued metrics on /metrics', () => {
    expect(metricsText).toMatch(
      /http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/orders",http_response_status_code="200"[^}]*\} 1/,
    );
    expect(metricsText).toMatch(
      /app_errors_total\{fingerprint="[0-9a-f]{16}",error_type="Error",severity="error"[^}]*\} 1/,
    );
    expect(metricsText).toMatch(/telemetry_export_dropped_total\{signal="traces"[^}]*\} 0/);
    expect(metricsText).toMatch(
      /^http_client_request_duration_seconds_count\{(?=[^}]*http_request_method="GET")(?=[^}]*server_address="127\.0\.0\.1")[^}]*\} 1$/m,
    );
    for (const runtime of [
      'nodejs_eventloop_delay_p99_seconds',
      'v8js_memory_heap_used_bytes',
      'process_cpu_utilization',
      'process_memory_usage_bytes',
    ]) {
      expect(metricsText).toContain(runtime);
    }
    expect(metricsText).not.toContain(SECRET_EMAIL);
  });
});

describe('a service that crashes', () => {
  function spawnCrash(mode: 'throw' | 'reject', env: Record<string, string> = {}) {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        '@telemetry-kit/telemetry/register',
        path.resolve(import.meta.dirname, 'fixtures/crash.ts'),
      ],
      {
        cwd: path.resolve(import.meta.dirname, '..'),
        env: {
          ...process.env,
          CRASH: mode,
          OTEL_SERVICE_NAME: 'crashy',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          // No scraper here: exit at once (the wait for a scrape has its own test below).
          TELEMETRY_CRASH_SCRAPE_WAIT_MS: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    let err = '';
    const port = new Promise<number>((resolve) => {
      proc.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const match = /listening (\d+)/.exec(err);
        if (match) resolve(Number(match[1]));
      });
    });
    const exited = once(proc, 'exit').then(([code]) => code as number | null);
    const lines = () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { proc, port, exited, lines, out: () => out };
  }

  async function crash(mode: 'throw' | 'reject') {
    const run = spawnCrash(mode);
    const code = await run.exited;
    return { code, out: run.out(), lines: run.lines() };
  }

  it('records an uncaught exception as a critical, redacted report, then exits 1', async () => {
    const { code, out, lines } = await crash('throw');
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'fatal',
        error_report: expect.objectContaining({
          severity: 'critical',
          source: 'uncaughtException',
          error_type: 'TypeError',
          message: 'cannot read card [REDACTED]',
        }),
      }),
    );
    expect(out).not.toContain('4111');
  });

  it('records an unhandled rejection the same way', async () => {
    const { code, out, lines } = await crash('reject');
    expect(code).toBe(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        error_report: expect.objectContaining({ source: 'unhandledRejection', error_type: 'RangeError' }),
      }),
    );
    expect(out).not.toContain('bob@example.com');
  });

  it('stays up, not ready, until one scrape has read the critical error, then exits 1', async () => {
    // A wait far longer than the test: the exit can only come from the scrape.
    const run = spawnCrash('throw', { TELEMETRY_CRASH_SCRAPE_WAIT_MS: '600000' });
    try {
      const base = `http://127.0.0.1:${await run.port}`;
      await expect.poll(() => run.out(), { timeout: 10_000 }).toContain('exiting after the next scrape');
      expect(run.proc.exitCode, 'still running before any scrape').toBeNull();
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      const scrape = await (await fetch(`${base}/metrics`)).text();
      expect(scrape).toMatch(
        /app_errors_total\{[^}]*error_type="TypeError"[^}]*severity="critical"[^}]*\} 1/,
      );
      expect(await run.exited).toBe(1);
    } finally {
      if (run.proc.exitCode === null) run.proc.kill('SIGKILL');
    }
  });
});

describe('a service started with TELEMETRY_HTTP_SERVER=instrumentation', () => {
  it('lets instrumentation-http trace incoming requests: one server span and one duration point per request', async () => {
    const own = await TelemetrySink.start();
    let proc: ChildProcess | undefined;
    try {
      const started = await startService({
        ...own.otlpEnv('http/protobuf'),
        VARIANT: 'kit',
        OTEL_SERVICE_NAME: 'orders-instrumented',
        TELEMETRY_HTTP_SERVER: 'instrumentation',
        TELEMETRY_DRAIN_MS: '0',
        UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/price`,
      });
      proc = started.proc;
      const url = started.url;
      const order = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer: { id: 'user-7' }, items: [1] }),
      });
      expect(order.status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(
        /http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/orders",http_response_status_code="200"[^}]*\} 1\n/,
      );
      proc.kill('SIGTERM');
      await once(proc, 'exit');
      const servers = own.spans().filter((s) => s.kind === 'server');
      expect(servers.map((s) => s.name)).toEqual(['POST /orders']);
      // instrumentation-http's span (it records the peer; the handler's span does not).
      expect(servers[0]?.attributes['network.peer.address']).toBe('127.0.0.1');
    } finally {
      if (proc?.exitCode === null) proc.kill('SIGKILL');
      await own.stop();
    }
  });
});
