// The consumer's own test, run with its own vitest: the service's trace, log line and metric, through
// the testkit installed from its tarball.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import type { StartedPrometheusContainer } from '@telemetry-kit/testkit';
import {
  expectLog,
  expectMetric,
  expectTrace,
  PrometheusContainer,
  prometheusBackend,
  TelemetrySink,
} from '@telemetry-kit/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';

async function freePort(): Promise<number> {
  const server = createServer().listen(0);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

let sink: TelemetrySink;
let service: ChildProcess;
let prometheus: StartedPrometheusContainer;
let url: string;

beforeAll(async () => {
  sink = await TelemetrySink.start();
  const port = await freePort();
  service = spawn(process.execPath, ['--import', '@telemetry-kit/telemetry/register', 'service.ts'], {
    env: { ...process.env, ...sink.otlpEnv(), OTEL_SERVICE_NAME: 'consumer', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  void sink.captureLogLines(service.stdout as NonNullable<ChildProcess['stdout']>, { service: 'consumer' });
  url = `http://127.0.0.1:${port}`;
  const ready = () =>
    fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
  for (let waited = 0; !(await ready()); waited += 100) {
    if (waited > 30_000) throw new Error(`the service did not answer ${url}/readyz within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  prometheus = await new PrometheusContainer()
    .withExtraHosts([{ host: 'host.docker.internal', ipAddress: 'host-gateway' }])
    .withScrapeTarget({ job: 'consumer', target: `host.docker.internal:${port}` })
    .withScrapeInterval('1s')
    .start();
});

afterAll(async () => {
  service?.kill('SIGTERM');
  await prometheus?.stop();
  await sink?.stop();
});

it('runs on the Node it was started with, with the libraries from its own node_modules', () => {
  expect(process.versions.node.split('.')[0]).toBe(process.env.EXPECTED_NODE_MAJOR);
  const require = createRequire(import.meta.url);
  for (const name of ['@telemetry-kit/telemetry', '@telemetry-kit/testkit', 'testcontainers']) {
    expect(require.resolve(name).startsWith(path.join(process.cwd(), 'node_modules') + path.sep), name).toBe(
      true,
    );
  }
});

it("asserts the service's trace, log line and metric", async () => {
  expect((await fetch(`${url}/hello`)).status).toBe(200);
  const trace = await expectTrace(sink, {
    spans: [{ service: 'consumer', name: 'GET /hello', kind: 'server' }],
  });
  await expectLog(sink, { traceId: trace.traceId, service: 'consumer', message: 'said hello' });
  await expectMetric(prometheusBackend(prometheus.url), {
    query: 'sum(http_server_request_duration_seconds_count{job="consumer", http_route="/hello"})',
    value: { atLeast: 1 },
  });
});
