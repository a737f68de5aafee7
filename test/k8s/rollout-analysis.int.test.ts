// The canary gates, live: the AnalysisTemplate the overlays ship, rendered for the short-interval `test`
// environment (the alerts' windows compressed, as the live alert scenario runs them), its queries run with
// their args substituted against a real Prometheus scraping four instances of the real gateway, each
// labelled with its pod-template hash as the PodMonitor labels pods in a cluster: a stable version, a
// canary failing 20% of requests (FAULT_ERROR_RATE), a slow canary (FAULT_LATENCY_MS) and a healthy
// canary. Each measurement is judged as Argo Rollouts judges it (test/k8s/argo-analysis.ts): the bad
// canaries fail analysis, the healthy one and the stable version pass.
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadRuleFiles } from '@telemetry-kit/observability-config/rules';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { renderPrometheusConfig } from '@telemetry-kit/observability-config/targets/prometheus';
import { analysisTemplates, CANARY_TEMPLATE } from '@telemetry-kit/observability-config/targets/rollouts';
import type { StartedPrometheusContainer } from '@telemetry-kit/testkit';
import { buildImageOnce, PrometheusContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SCENARIO_TARGETS } from '../alerts/scenario-targets.ts';
import type { Phase } from './argo-analysis.ts';
import { analysisPhase, measurementPhase, withArgs } from './argo-analysis.ts';

const settings = loadSettings(REPO_ROOT);
const target = SCENARIO_TARGETS.gateway as NonNullable<(typeof SCENARIO_TARGETS)['gateway']>;
const VERSIONS = {
  stable: {},
  'errors-canary': { FAULT_ERROR_RATE: '0.2' },
  'slow-canary': { FAULT_LATENCY_MS: '1500' },
  'healthy-canary': {},
} as const;
type Version = keyof typeof VERSIONS;
/** Each version's pod-template hash, as Argo Rollouts labels its ReplicaSet's pods. */
const hashOf = (version: Version) => `${version.replace(/-/g, '')}7f9c`;

interface Metric {
  name: string;
  successCondition?: string;
  failureCondition?: string;
  failureLimit?: number;
  provider: { prometheus: { query: string } };
}
const [template] = analysisTemplates(loadRuleFiles(REPO_ROOT), settings, 'test', 'unused');
if (template?.metadata.name !== CANARY_TEMPLATE) throw new Error(`${CANARY_TEMPLATE} is not rendered first`);
const metrics = template.spec.metrics as Metric[];

describeWithContainers(
  'canary analysis from the alerts’ own expressions, against a real Prometheus',
  { images: ['NODE_IMAGE', 'PROMETHEUS_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let prometheus: StartedPrometheusContainer;
    const instances = new Map<Version, StartedTestContainer>();
    let loading = true;
    const loads: Array<Promise<void>> = [];

    beforeAll(async () => {
      network = await new Network().start();
      const image = await buildImageOnce(target.build);
      for (const [version, faults] of Object.entries(VERSIONS) as Array<[Version, Record<string, string>]>) {
        instances.set(
          version,
          await new GenericContainer(image)
            .withNetwork(network)
            .withNetworkAliases(version)
            .withEnvironment({ ...target.environment, ...faults })
            .withExposedPorts(target.port)
            .withWaitStrategy(Wait.forHttp('/healthz', target.port))
            .start(),
        );
      }
      const targets = [...instances.keys()].map((v) => `${v}:${target.port}`);
      prometheus = await new PrometheusContainer()
        .withNetwork(network)
        .withConfig(
          renderPrometheusConfig(settings, 'test', {
            jobs: [
              {
                job: target.job,
                targets,
                targetLabels: Object.fromEntries(
                  [...instances.keys()].map((v) => [
                    `${v}:${target.port}`,
                    { rollouts_pod_template_hash: hashOf(v) },
                  ]),
                ),
              },
            ],
            alertmanagers: [],
          }),
        )
        .start();
      // Steady traffic to every version, four requests in flight each, as users would send it.
      for (const container of instances.values()) {
        const url = `http://${container.getHost()}:${container.getMappedPort(target.port)}${target.workPath}`;
        for (let i = 0; i < 4; i++) {
          loads.push(
            (async () => {
              while (loading) {
                await fetch(url).then(
                  (r) => r.arrayBuffer(),
                  () => undefined,
                );
              }
            })(),
          );
        }
      }
    });

    afterAll(async () => {
      loading = false;
      await Promise.all(loads);
      await prometheus?.stop();
      for (const container of instances.values()) await container.stop();
      await network?.stop();
    });

    /** The template's analysis of one version: `measurements` rounds of every gate, one scrape apart. */
    async function analyse(version: Version, measurements = 3) {
      const args = { service: target.job, 'new-hash': hashOf(version) };
      const taken = new Map<string, Phase[]>(metrics.map((m) => [m.name, []]));
      for (let round = 0; round < measurements; round++) {
        for (const metric of metrics) {
          const samples = await prometheus.query(withArgs(metric.provider.prometheus.query, args));
          // A vector result is its sample values (metricproviders/prometheus).
          const result = samples.map((s) => s.value);
          taken.get(metric.name)?.push(measurementPhase(metric, result));
        }
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      }
      const byMetric = Object.fromEntries(
        metrics.map((m) => [m.name, analysisPhase([{ ...m, measurements: taken.get(m.name) ?? [] }])]),
      );
      return {
        phase: analysisPhase(metrics.map((m) => ({ ...m, measurements: taken.get(m.name) ?? [] }))),
        byMetric,
      };
    }

    it('sees every version’s requests under its own hash', async () => {
      await expect
        .poll(
          async () =>
            (
              await prometheus.query(
                `count by (rollouts_pod_template_hash) (rate(http_server_request_duration_seconds_count{job="${target.job}"}[10s]) > 0)`,
              )
            ).length,
          { timeout: 60_000, interval: 1_000 },
        )
        .toBe(Object.keys(VERSIONS).length);
    });

    it('fails the canary that answers 20% of requests with errors, on the error-rate gate', async () => {
      await expect
        .poll(async () => (await analyse('errors-canary', 1)).byMetric['high-error-rate'], {
          timeout: 60_000,
          interval: 2_000,
        })
        .toBe('Failed');
      expect((await analyse('errors-canary')).phase).toBe('Failed');
    });

    it('fails the canary that answers 1.5 s late, on the latency gate', async () => {
      await expect
        .poll(async () => (await analyse('slow-canary', 1)).byMetric['latency-degradation'], {
          timeout: 60_000,
          interval: 2_000,
        })
        .toBe('Failed');
      const slow = await analyse('slow-canary');
      expect(slow.phase).toBe('Failed');
      expect(slow.byMetric['high-error-rate']).toBe('Successful');
    });

    it('passes the healthy canary and the stable version on every gate', async () => {
      for (const version of ['healthy-canary', 'stable'] as const) {
        const { phase, byMetric } = await analyse(version);
        expect(byMetric, version).toEqual({
          'high-error-rate': 'Successful',
          'latency-degradation': 'Successful',
        });
        expect(phase).toBe('Successful');
      }
    });
  },
);
