import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectMetric } from '../assert/expect-metric.ts';
import { prometheusBackend } from '../assert/metric-backends.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedPrometheusContainer } from './prometheus-container.ts';
import { PrometheusContainer } from './prometheus-container.ts';

describeWithContainers(
  'PrometheusContainer with expectMetric (PromQL)',
  { images: ['PROMETHEUS_IMAGE'] },
  () => {
    let prometheus: StartedPrometheusContainer;

    beforeAll(async () => {
      prometheus = await new PrometheusContainer()
        .withScrapeTarget({ job: 'prometheus', target: 'localhost:9090' })
        .withScrapeInterval('1s')
        .start();
    });
    afterAll(async () => {
      await prometheus?.stop();
    });

    it('waits until a PromQL query returns the value asked for', async () => {
      const [up] = await expectMetric(prometheusBackend(prometheus), {
        query: 'up{job="prometheus"}',
        value: 1,
        series: 1,
      });
      expect(up?.labels).toMatchObject({ job: 'prometheus', instance: 'localhost:9090' });
    });

    it('evaluates PromQL functions, which a /metrics page cannot', async () => {
      await expectMetric(
        prometheusBackend(prometheus),
        { query: 'sum(rate(prometheus_http_requests_total[10s]))', value: { above: 0 } },
        { timeout: 30_000 },
      );
    });

    it('fails with the query, the bound and the series Prometheus returned', async () => {
      await expectMetric(prometheusBackend(prometheus), { query: 'up{job="prometheus"}', value: 1 });
      await expect(
        expectMetric(
          prometheusBackend(prometheus),
          { query: 'up{job="prometheus"}', value: 0 },
          { timeout: 300, interval: 100 },
        ),
      ).rejects.toThrow(
        /expected "up\{job=\\"prometheus\\"\}" in Prometheus at http:.* each == 0\n\(waited 300 ms\)\nsaw 1 series:\n\s+up\{.*job="prometheus"\} 1/,
      );
    });

    it('passes Prometheus’ own error for an invalid query', async () => {
      await expect(
        expectMetric(prometheusBackend(prometheus), { query: 'sum(' }, { timeout: 300, interval: 100 }),
      ).rejects.toThrow(/saw an error: Prometheus query "sum\(" failed: .*parse error/);
    });
  },
);
