import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAlert } from '../assert/expect-alert.ts';
import { expectMetric } from '../assert/expect-metric.ts';
import { prometheusBackend } from '../assert/metric-backends.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StackComponent, StartedLgtmStack } from './lgtm-stack.ts';
import { LgtmStack } from './lgtm-stack.ts';

// Prometheus and Alertmanager have local stand-ins, so this part of the stack runs everywhere,
// with the very files compose mounts (compose/prometheus/*, compose/alertmanager/alertmanager.yml).
const ALERTING: StackComponent[] = ['prometheus', 'alertmanager'];

describeWithContainers(
  'LgtmStack: Prometheus and Alertmanager on compose’s configuration',
  { images: LgtmStack.requiredImages(ALERTING) },
  () => {
    let stack: StartedLgtmStack;
    const progress: string[] = [];

    beforeAll(async () => {
      stack = await new LgtmStack({ components: ALERTING, log: (line) => progress.push(line) }).start();
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('prints each component’s start time', () => {
      expect(progress).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/✓ prometheus\s+ready in \d+\.\d s/),
          expect.stringMatching(/✓ alertmanager\s+ready in \d+\.\d s/),
        ]),
      );
    });

    it('reaches Alertmanager under its compose name: Prometheus scrapes alertmanager:9093', async () => {
      await expectMetric(
        prometheusBackend(stack.prometheus),
        { query: 'up{job="alertmanager"}', value: 1 },
        { timeout: 30_000 },
      );
    });

    it('loads compose’s rule files into Prometheus', async () => {
      const body = (await (await fetch(`${stack.prometheus.url}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ file: string; rules: unknown[] }> };
      };
      expect(body.data.groups.length, 'rule groups loaded from /etc/prometheus/rules').toBeGreaterThan(0);
      expect(body.data.groups.every((g) => g.file.startsWith('/etc/prometheus/rules/'))).toBe(true);
    });

    it('sends Prometheus’ alerts to the stack’s Alertmanager', async () => {
      const body = (await (await fetch(`${stack.prometheus.url}/api/v1/alertmanagers`)).json()) as {
        data: { activeAlertmanagers: Array<{ url: string }> };
      };
      expect(body.data.activeAlertmanagers.map((a) => a.url)).toEqual([
        'http://alertmanager:9093/api/v2/alerts',
      ]);
    });

    it('routes an alert through compose’s Alertmanager configuration', async () => {
      await stack.alertmanager.postAlerts([{ labels: { alertname: 'TestkitProbe', severity: 'warning' } }]);
      await expectAlert(stack.alertmanager, { alertname: 'TestkitProbe', state: 'active' });
    });

    it('names a component that is not part of the stack', () => {
      expect(() => stack.loki).toThrow(/loki is not part of this stack/);
    });
  },
);

describeWithContainers('LgtmStack: the whole stack', { images: LgtmStack.requiredImages() }, () => {
  let stack: StartedLgtmStack;

  beforeAll(async () => {
    stack = await new LgtmStack().start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('starts every component with compose’s files and Grafana provisions its datasources', async () => {
    expect(Object.keys(stack.urls).sort()).toEqual([
      'alertmanager',
      'alloy',
      'grafana',
      'loki',
      'prometheus',
      'tempo',
    ]);
    const datasources = await stack.grafana.api<Array<{ type: string }>>('/api/datasources');
    expect(datasources.map((d) => d.type)).toEqual(expect.arrayContaining(['prometheus', 'loki', 'tempo']));
  });

  it('Tempo, behind Alloy, stores a trace sent to Alloy’s OTLP endpoint', async () => {
    const { serviceClient } = await import('../../test/helpers/otel-clients.ts');
    const { expectTrace } = await import('../assert/expect-trace.ts');
    const client = serviceClient(
      'testkit-probe',
      { traces: `${stack.alloy.otlpHttpUrl}/v1/traces`, logs: `${stack.alloy.otlpHttpUrl}/v1/logs` },
      'protobuf',
    );
    const span = client.tracer.startSpan('probe');
    span.end();
    await client.shutdown();
    await expectTrace(
      stack.backend(),
      { traceId: span.spanContext().traceId, spans: [{ service: 'testkit-probe', name: 'probe' }] },
      { timeout: 60_000, interval: 1000 },
    );
  });
});
