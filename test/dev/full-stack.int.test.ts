import { randomBytes } from 'node:crypto';
import { resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { $ } from 'zx';
import type { VerbResult } from './dev-stack.ts';
import { devDown, devUp, PROJECT, promQuery } from './dev-stack.ts';

// The whole telemetry profile as `npm run dev` starts it, exercised end to end through its published
// ports. Needs the real Grafana, Loki, Tempo and Alloy images: it runs in the GitHub Actions workflow
// and skips with one line where they cannot be pulled.
const GRAFANA = 'http://localhost:3001';
const LOKI = 'http://localhost:3100';
const TEMPO = 'http://localhost:3200';
const OTLP = 'http://localhost:4318';
const FARO = 'http://localhost:12347';
const WEB_ORIGIN = 'http://localhost:3000';
const PROBE = 'fullstack-probe';
const poll = { timeout: 90_000, interval: 2_000 };
const adminAuth = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };

const traceId = randomBytes(16).toString('hex');
const spanId = randomBytes(8).toString('hex');
const faroMarker = randomBytes(8).toString('hex');

async function lokiLines(query: string): Promise<Array<{ labels: Record<string, string>; line: string }>> {
  const params = new URLSearchParams({
    query,
    start: String((Date.now() - 15 * 60_000) * 1e6),
    end: String((Date.now() + 60_000) * 1e6),
    limit: '100',
  });
  const response = await fetch(`${LOKI}/loki/api/v1/query_range?${params}`);
  if (!response.ok) throw new Error(`Loki ${query}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as {
    data: { result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
  };
  return body.data.result.flatMap((r) => r.values.map(([, line]) => ({ labels: r.stream, line })));
}

describeWithContainers(
  'the full telemetry stack (npm run dev -- --profile telemetry)',
  {
    images: [
      'GRAFANA_IMAGE',
      'LOKI_IMAGE',
      'TEMPO_IMAGE',
      'ALLOY_IMAGE',
      'PROMETHEUS_IMAGE',
      'ALERTMANAGER_IMAGE',
      'NODE_EXPORTER_IMAGE',
      'DEBIAN_IMAGE',
    ],
  },
  () => {
    let up: VerbResult;
    let probeContainer = '';

    beforeAll(async () => {
      await devDown();
      up = await devUp('--profile', 'telemetry');
      if (up.exitCode !== 0) return;
      const now = BigInt(Date.now()) * 1_000_000n;
      // One server span, sent as a service would: OTLP/HTTP (JSON) to Alloy.
      const otlp = await fetch(`${OTLP}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: PROBE } }] },
              scopeSpans: [
                {
                  scope: { name: 'full-stack-test' },
                  spans: [
                    {
                      traceId,
                      spanId,
                      name: 'GET /probe',
                      kind: 2,
                      startTimeUnixNano: String(now - 50_000_000n),
                      endTimeUnixNano: String(now),
                      status: { code: 1 },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      expect(otlp.status, await otlp.text()).toBe(200);
      // A container of this compose project writing one JSON log line, as the services do.
      const line = JSON.stringify({
        level: 30,
        msg: 'probe request served',
        service: PROBE,
        trace_id: traceId,
        span_id: spanId,
      });
      const labels = [
        ['--label', `com.docker.compose.project=${PROJECT}`],
        ['--label', `com.docker.compose.service=${PROBE}`],
      ].flat();
      const image = resolveImage('DEBIAN_IMAGE');
      const script = `echo '${line}'; sleep 120`;
      const run = await $({ quiet: true })`docker run -d --rm ${labels} ${image} sh -c ${script}`;
      probeContainer = run.stdout.trim();
    });

    afterAll(async () => {
      if (probeContainer) await $({ quiet: true, nothrow: true })`docker rm -f ${probeContainer}`;
      await devDown();
    });

    it('comes up with nothing left out', () => {
      expect(up.exitCode, up.output).toBe(0);
      expect(up.output).not.toMatch(/Left out/);
      expect(up.output).toMatch(/Grafana +http:\/\/localhost:3001\//);
    });

    it('Grafana answers and every datasource passes its health check', async () => {
      const health = await fetch(`${GRAFANA}/api/health`);
      expect(health.status).toBe(200);
      for (const uid of ['prometheus', 'loki', 'tempo', 'alertmanager']) {
        const response = await fetch(`${GRAFANA}/api/datasources/uid/${uid}/health`, { headers: adminAuth });
        const body = (await response.json()) as { status?: string; message?: string };
        if (response.status === 404 && uid === 'alertmanager') {
          // Grafana's Alertmanager datasource tests itself from the browser with this very call.
          const status = await fetch(`${GRAFANA}/api/datasources/proxy/uid/alertmanager/api/v2/status`, {
            headers: adminAuth,
          });
          expect(status.status, `alertmanager through Grafana: ${await status.text()}`).toBe(200);
          continue;
        }
        expect(body.status, `${uid}: ${JSON.stringify(body)}`).toBe('OK');
      }
    });

    it('finds the trace in Tempo by its id', async () => {
      await expect
        .poll(async () => {
          const response = await fetch(`${TEMPO}/api/traces/${traceId}`);
          return response.ok ? (await response.text()).includes(PROBE) : false;
        }, poll)
        .toBe(true);
    });

    it('finds the log line in Loki by that trace id, labelled with service and level', async () => {
      await expect
        .poll(async () => (await lokiLines(`{service="${PROBE}"} | trace_id="${traceId}"`)).length, poll)
        .toBeGreaterThan(0);
      const [entry] = await lokiLines(`{service="${PROBE}"} | trace_id="${traceId}"`);
      expect(entry?.labels).toMatchObject({ service: PROBE, level: 'info', env: 'development' });
      expect(entry?.line).toContain(traceId);
    });

    it("has the span's metrics in Prometheus (Tempo's metrics-generator, remote write)", async () => {
      await expect
        .poll(
          async () => (await promQuery(`traces_spanmetrics_calls_total{service="${PROBE}"}`)).length,
          poll,
        )
        .toBeGreaterThan(0);
    });

    it('accepts a Faro event from the web app origin (CORS) and stores it in Loki', async () => {
      const preflight = await fetch(`${FARO}/collect`, {
        method: 'OPTIONS',
        headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
      const sent = await fetch(`${FARO}/collect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: WEB_ORIGIN },
        body: JSON.stringify({
          meta: { app: { name: 'web', version: 'test' }, session: { id: 'full-stack-test' } },
          events: [
            { name: 'probe', attributes: { marker: faroMarker }, timestamp: new Date().toISOString() },
          ],
        }),
      });
      expect(sent.status).toBeLessThan(300);
      await expect
        .poll(async () => (await lokiLines(`{app="web", kind="event"} |= "${faroMarker}"`)).length, poll)
        .toBeGreaterThan(0);
    });
  },
);
