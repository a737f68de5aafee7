import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expectLog, lokiBackend, resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { $ } from 'zx';
import { exemplarPanels, panelPromql, queryExemplars } from '../e2e/lib/exemplar-panels.ts';
import type { VerbResult } from './dev-stack.ts';
import { devDown, devUp, PROJECT, promQuery, root } from './dev-stack.ts';

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
const CALLER = 'fullstack-caller';
const ONE_SHOT = 'fullstack-migrate';
const poll = { timeout: 90_000, interval: 2_000 };
const adminAuth = { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };

const traceId = randomBytes(16).toString('hex');
const spanId = randomBytes(8).toString('hex');
const callerSpanId = randomBytes(8).toString('hex');
const faroMarker = randomBytes(8).toString('hex');
const plainMarker = randomBytes(8).toString('hex');
const oneShotMarker = randomBytes(8).toString('hex');

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
    let oneShotContainer = '';

    beforeAll(async () => {
      await devDown();
      up = await devUp('--profile', 'telemetry');
      if (up.exitCode !== 0) return;
      const now = BigInt(Date.now()) * 1_000_000n;
      const span = (id: string, name: string, kind: number, parentSpanId?: string) => ({
        traceId,
        spanId: id,
        ...(parentSpanId ? { parentSpanId } : {}),
        name,
        kind,
        startTimeUnixNano: String(now - 50_000_000n),
        endTimeUnixNano: String(now),
        status: { code: 1 },
      });
      const resource = (service: string, spans: unknown[]) => ({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'full-stack-test' }, spans }],
      });
      // A caller's client span and the probe's server span under it, sent as services would:
      // OTLP/HTTP (JSON) to Alloy. The pair makes a service-graph edge as well as span metrics.
      const otlp = await fetch(`${OTLP}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceSpans: [
            resource(CALLER, [span(callerSpanId, 'GET', 3)]),
            resource(PROBE, [span(spanId, 'GET /probe', 2, callerSpanId)]),
          ],
        }),
      });
      expect(otlp.status, await otlp.text()).toBe(200);
      // A container of this compose project writing one JSON log line, as the services do, and a
      // plain line with no level, as Postgres or Prometheus do.
      const line = JSON.stringify({
        level: 30,
        msg: 'probe request served',
        service: PROBE,
        trace_id: traceId,
        span_id: spanId,
      });
      const labels = (service: string) => [
        ...['--label', `com.docker.compose.project=${PROJECT}`],
        ...['--label', `com.docker.compose.service=${service}`],
      ];
      const image = resolveImage('DEBIAN_IMAGE');
      const script = `echo '${line}'; echo 'plain line ${plainMarker}'; sleep 120`;
      const run = await $({ quiet: true })`docker run -d --rm ${labels(PROBE)} ${image} sh -c ${script}`;
      probeContainer = run.stdout.trim();
      // A one-shot, like a migration: it logs and exits before Alloy's next look at the containers.
      const oneShot = await $({
        quiet: true,
      })`docker run -d ${labels(ONE_SHOT)} ${image} echo ${oneShotMarker}`;
      oneShotContainer = oneShot.stdout.trim();
    });

    afterAll(async () => {
      for (const id of [probeContainer, oneShotContainer].filter(Boolean)) {
        await $({ quiet: true, nothrow: true })`docker rm -f ${id}`;
      }
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

    it('finds the log line with the testkit by its trace id (structured metadata, as Alloy stores it)', async () => {
      await expectLog(
        lokiBackend(LOKI, { serviceLabel: 'service' }),
        { service: PROBE, traceId, level: 'info' },
        poll,
      );
    });

    it('sets no level label on a line that has none (never "<no value>")', async () => {
      await expect
        .poll(async () => (await lokiLines(`{service="${PROBE}"} |= "${plainMarker}"`)).length, poll)
        .toBeGreaterThan(0);
      const [plain] = await lokiLines(`{service="${PROBE}"} |= "${plainMarker}"`);
      expect(plain?.labels.level, JSON.stringify(plain?.labels)).toBeUndefined();
      expect(await lokiLines('{level="<no value>"}')).toEqual([]);
      expect(await lokiLines('{env="development"} | detected_level="<no value>"')).toEqual([]);
    });

    it("keeps the log of a one-shot that exited before Alloy looked (the migrations')", async () => {
      await expect
        .poll(async () => (await lokiLines(`{service="${ONE_SHOT}"} |= "${oneShotMarker}"`)).length, poll)
        .toBeGreaterThan(0);
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

    it("has exemplars on Tempo's span metrics and service graph, named the way Grafana links them", async () => {
      const datasources = parse(
        readFileSync(path.join(root, 'compose/grafana/provisioning/datasources/datasources.yaml'), 'utf8'),
      ) as {
        datasources: Array<{
          uid: string;
          jsonData: { exemplarTraceIdDestinations?: Array<{ name: string }> };
        }>;
      };
      const destinations = (
        datasources.datasources.find((d) => d.uid === 'prometheus')?.jsonData.exemplarTraceIdDestinations ??
        []
      ).map((d) => d.name);
      const panels = await exemplarPanels('tempo');
      expect(panels.length).toBeGreaterThan(0);
      for (const panel of panels) {
        const promql = panelPromql(panel);
        const linked = async () =>
          (await queryExemplars('http://localhost:9090', promql))
            .flatMap((series) => series.exemplars)
            .filter((e) => destinations.some((name) => e.labels[name] === traceId)).length;
        await expect.poll(linked, { ...poll, message: `${panel.where}: ${promql}` }).toBeGreaterThan(0);
      }
    });

    it.each([WEB_ORIGIN, 'http://127.0.0.1:3000'])(
      'answers a Faro CORS preflight from the web app at %s',
      async (origin) => {
        const preflight = await fetch(`${FARO}/collect`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
        expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
      },
    );

    it('accepts a Faro event from the web app origin (CORS) and stores it in Loki', async () => {
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
