import path from 'node:path';
import type { StartedPrometheusContainer } from '@telemetry-kit/testkit';
import { buildImageOnce, PrometheusContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';

const context = path.join(import.meta.dirname, '../fixtures/tiny-service');

describeWithContainers(
  'Prometheus scrapes a service image built from this repository',
  { images: ['NODE_IMAGE', 'PROMETHEUS_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let service: StartedTestContainer;
    let prometheus: StartedPrometheusContainer;

    beforeAll(async () => {
      network = await new Network().start();
      const image = await buildImageOnce({ name: 'tiny-service', context });
      service = await new GenericContainer(image)
        .withNetwork(network)
        .withNetworkAliases('tiny-service')
        .withExposedPorts(8080)
        .withWaitStrategy(Wait.forHttp('/healthz', 8080))
        .start();
      prometheus = await new PrometheusContainer()
        .withNetwork(network)
        .withScrapeTarget({ job: 'tiny-service', target: 'tiny-service:8080' })
        .withScrapeInterval('1s')
        .start();
    });

    afterAll(async () => {
      await prometheus?.stop();
      await service?.stop();
      await network?.stop();
    });

    it('reports the service up (up == 1)', async () => {
      await expect
        .poll(async () => (await prometheus.query('up{job="tiny-service"}')).map((s) => s.value), {
          timeout: 30_000,
          interval: 500,
        })
        .toEqual([1]);
    });

    it("ingests the service's own metrics from its /metrics page", async () => {
      await expect
        .poll(async () => (await prometheus.query('tiny_requests_total{job="tiny-service"}')).length, {
          timeout: 30_000,
          interval: 500,
        })
        .toBe(1);
      const [sample] = await prometheus.query('tiny_requests_total{job="tiny-service"}');
      expect(
        sample?.value,
        'Prometheus scraped at least once, so the counter counts its scrapes',
      ).toBeGreaterThan(0);
    });
  },
);
