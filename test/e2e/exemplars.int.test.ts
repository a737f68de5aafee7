// "A dashboard must not promise what cannot arrive": every panel query that asks Grafana for exemplars
// over a service's own histograms gets them from a real Prometheus (PROMETHEUS_IMAGE) scraping the
// reference services, and each exemplar names a trace the services exported. The panels over Tempo's
// span metrics get theirs from Tempo's metrics-generator: test/dev/full-stack.int.test.ts asks for
// those where Tempo runs.
import type { LocatedQuery } from '@telemetry-kit/observability-config/validate';
import type { StartedPrometheusContainer } from '@telemetry-kit/testkit';
import { PrometheusContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exemplarPanels, panelPromql, queryExemplars } from './lib/exemplar-panels.ts';
import type { ReferenceApp } from './lib/stack.ts';
import { callApi, startReferenceApp } from './lib/stack.ts';

describeWithContainers(
  'exemplars behind the latency panels',
  { images: ['POSTGRES_IMAGE', 'PROMETHEUS_IMAGE'] },
  () => {
    let app: ReferenceApp;
    let prometheus: StartedPrometheusContainer;
    let panels: LocatedQuery[];

    beforeAll(async () => {
      panels = await exemplarPanels('services');
      app = await startReferenceApp();
      let container = new PrometheusContainer()
        // The services run on this host; the container reaches them through the bridge's gateway.
        .withExtraHosts([{ host: 'host.docker.internal', ipAddress: 'host-gateway' }])
        .withFlags('--enable-feature=exemplar-storage')
        .withScrapeInterval('1s');
      for (const [job, service] of Object.entries(app.services)) {
        container = container.withScrapeTarget({
          job,
          target: `host.docker.internal:${new URL(service.url).port}`,
        });
      }
      prometheus = await container.start();
      // One journey that touches every histogram the panels read: sign-up, login (gateway → marketplace
      // and rituals over HTTP), a ritual (LLM call, speech synthesis), a purchase.
      const call = (method: string, route: string, body?: unknown, token?: string) =>
        callApi(app.gatewayUrl, method, route, { body, ...(token ? { token } : {}) });
      const user = {
        email: 'exemplars@example.test',
        password: 'a long enough passphrase 1',
        displayName: 'Ex',
      };
      expect((await call('POST', '/api/signup', user)).status).toBe(201);
      const token = (await call('POST', '/api/login', { email: user.email, password: user.password })).body
        .token as string;
      const ritual = await call('POST', '/api/rituals', { intention: 'a calm morning' }, token);
      expect(ritual.status, JSON.stringify(ritual.body)).toBe(201);
      await call('GET', '/api/listings', undefined, token);
    });

    afterAll(async () => {
      await prometheus?.stop();
      await app?.stop();
    });

    it('finds the dashboards asking for exemplars over the services’ histograms', () => {
      expect(panels.map((p) => p.where)).not.toEqual([]);
    });

    it('has Prometheus answer query_exemplars for each of those panel queries, with a trace the services sent', async () => {
      for (const panel of panels) {
        const promql = panelPromql(panel);
        let traceIds: string[] = [];
        // The sink receives a span once its batch is exported, shortly after the scrape saw the exemplar.
        await expect
          .poll(
            async () => {
              traceIds = (await queryExemplars(prometheus.url, promql)).flatMap((series) =>
                series.exemplars.flatMap((e) => (e.labels.trace_id ? [e.labels.trace_id] : [])),
              );
              const exported = new Set(app.sink.spans().map((span) => span.traceId));
              return traceIds.filter((id) => exported.has(id)).length;
            },
            {
              timeout: 30_000,
              interval: 1000,
              message: `${panel.where}: ${promql} has exemplars for traces [${traceIds.join(', ')}], none of them exported`,
            },
          )
          .toBeGreaterThan(0);
      }
    });
  },
);
