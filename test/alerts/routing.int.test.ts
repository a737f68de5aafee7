// Does every alert page someone in a cluster? The overlays' AlertmanagerConfig is merged into
// kube-prometheus-stack's default Alertmanager configuration the way prometheus-operator merges it, and
// amtool (ALERTMANAGER_IMAGE) routes each alert of the rendered PrometheusRules through the result.
// The merge follows prometheus-operator v0.93.0, pkg/alertmanager/amcfg.go: AddAlertmanagerConfigs
// puts the converted route first, before the chart's own routes; the top route gets continue: true and
// (matcher strategy OnNamespace) namespace="<ns>"; receivers are named <namespace>/<name>/<receiver>
// (makeNamespacedString); child routes are converted recursively (convertRoute); inhibit rules get the
// namespace matcher on both sides. The chart's default configuration is kube-prometheus-stack-88.5.3's
// values.yaml (alertmanager.config), which the kit's values file leaves as it is.

import { buildOverlay } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { isAlertingRule } from '@telemetry-kit/observability-config/rules';
import type { DeployedEnvironment } from '@telemetry-kit/observability-config/settings';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedTestContainer } from 'testcontainers';
import { GenericContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

interface CrMatcher {
  name: string;
  matchType?: string;
  value: string;
}
interface CrRoute {
  receiver?: string;
  groupBy?: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  matchers?: CrMatcher[];
  continue?: boolean;
  routes?: CrRoute[];
}
interface AlertmanagerConfigCr {
  metadata: { name: string; namespace: string };
  spec: {
    route: CrRoute;
    receivers: Array<{ name: string }>;
    inhibitRules?: Array<{ sourceMatch: CrMatcher[]; targetMatch: CrMatcher[]; equal?: string[] }>;
  };
}

/** kube-prometheus-stack 88.5.3's default alertmanager.config (routes and receivers; templates left out). */
const CHART_DEFAULT = {
  global: { resolve_timeout: '5m' },
  inhibit_rules: [
    {
      source_matchers: ['severity = critical'],
      target_matchers: ['severity =~ warning|info'],
      equal: ['namespace', 'alertname'],
    },
    {
      source_matchers: ['severity = warning'],
      target_matchers: ['severity = info'],
      equal: ['namespace', 'alertname'],
    },
    {
      source_matchers: ['alertname = InfoInhibitor'],
      target_matchers: ['severity = info'],
      equal: ['namespace'],
    },
    { target_matchers: ['alertname = InfoInhibitor'] },
  ],
  route: {
    group_by: ['namespace'],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '12h',
    receiver: 'null',
    routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
  },
  receivers: [{ name: 'null' }],
};

const matcher = (m: CrMatcher) => `${m.name}${m.matchType ?? '='}${JSON.stringify(m.value)}`;

/** The Alertmanager configuration the operator generates from the chart's and the kit's. */
function mergedConfig(amc: AlertmanagerConfigCr): unknown {
  const { namespace, name } = amc.metadata;
  const receiver = (r: string) => `${namespace}/${name}/${r}`;
  const convert = (route: CrRoute, top: boolean): Record<string, unknown> => ({
    ...(route.receiver ? { receiver: receiver(route.receiver) } : {}),
    ...(route.groupBy ? { group_by: route.groupBy } : {}),
    ...(route.groupWait ? { group_wait: route.groupWait } : {}),
    ...(route.groupInterval ? { group_interval: route.groupInterval } : {}),
    ...(route.repeatInterval ? { repeat_interval: route.repeatInterval } : {}),
    matchers: [
      ...(route.matchers ?? []).map(matcher),
      ...(top ? [`namespace=${JSON.stringify(namespace)}`] : []),
    ],
    ...(top || route.continue ? { continue: true } : {}),
    ...(route.routes ? { routes: route.routes.map((child) => convert(child, false)) } : {}),
  });
  const scoped = `namespace=${JSON.stringify(namespace)}`;
  return {
    ...CHART_DEFAULT,
    route: { ...CHART_DEFAULT.route, routes: [convert(amc.spec.route, true), ...CHART_DEFAULT.route.routes] },
    receivers: [...CHART_DEFAULT.receivers, ...amc.spec.receivers.map((r) => ({ name: receiver(r.name) }))],
    inhibit_rules: [
      ...CHART_DEFAULT.inhibit_rules,
      ...(amc.spec.inhibitRules ?? []).map((rule) => ({
        source_matchers: [...rule.sourceMatch.map(matcher), scoped],
        target_matchers: [...rule.targetMatch.map(matcher), scoped],
        equal: rule.equal ?? [],
      })),
    ],
  };
}

const settings = loadSettings(REPO_ROOT);
const { namespace } = settings.kubernetes;

/** Who must hear of an alert of this severity in this environment, from grafana/environments.yaml. */
function expectedReceivers(env: DeployedEnvironment, severity: string): string[] {
  const receivers = settings.environments[env].receivers;
  const paging = receivers.filter(
    (r) => r.kind === 'pagerduty' && r.severities.includes(severity as 'critical'),
  );
  const notifying = receivers.filter((r) => r.kind !== 'pagerduty');
  return [...paging, ...notifying].map((r) => `${namespace}/telemetry-kit/${r.name}`);
}

describeWithContainers('alert routing in the clusters (amtool)', { images: ['ALERTMANAGER_IMAGE'] }, () => {
  let amtool: StartedTestContainer;
  const overlays = Object.fromEntries(
    KUBERNETES_ENVIRONMENTS.map((env) => [env, buildOverlay(REPO_ROOT, env)]),
  );

  beforeAll(async () => {
    amtool = await new GenericContainer(resolveImage('ALERTMANAGER_IMAGE'))
      .withEntrypoint(['sleep'])
      .withCommand(['3600'])
      .withCopyContentToContainer(
        KUBERNETES_ENVIRONMENTS.map((env) => {
          const amc = overlays[env]?.find(
            (o) => o.kind === 'AlertmanagerConfig',
          ) as unknown as AlertmanagerConfigCr;
          return { content: stringify(mergedConfig(amc)), target: `/tmp/${env}.yml` };
        }),
      )
      .start();
  });
  afterAll(async () => {
    await amtool?.stop();
  });

  const route = async (env: string, labels: Record<string, string>) => {
    const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const result = await amtool.exec([
      'amtool',
      'config',
      'routes',
      'test',
      `--config.file=/tmp/${env}.yml`,
      ...args,
    ]);
    expect(result.exitCode, result.output).toBe(0);
    // stdout holds the receivers; amtool warns on stderr that --config.file wins over the URL.
    return result.stdout.trim().split(',').sort();
  };

  describe.each(KUBERNETES_ENVIRONMENTS)('%s', (env) => {
    it('merges into a configuration Alertmanager accepts', async () => {
      const result = await amtool.exec(['amtool', 'check-config', `/tmp/${env}.yml`]);
      expect(result.exitCode, result.output).toBe(0);
    });

    const alerts = (overlays[env] ?? [])
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) => o.spec?.groups ?? [])
      .flatMap((g) => g.rules.filter(isAlertingRule));

    it('has alerts to route', () => {
      expect(alerts.length).toBeGreaterThanOrEqual(8);
    });

    it.each(alerts.map((a) => [a.alert, a] as const))(
      'routes %s to its receivers, never to "null"',
      async (_, alert) => {
        const severity = alert.labels.severity ?? '';
        // The labels the alert fires with: its own, and the namespace its expression keeps.
        const receivers = await route(env, {
          alertname: alert.alert,
          namespace,
          job: 'gateway',
          ...alert.labels,
        });
        expect(receivers).not.toContain('null');
        expect(receivers).toEqual(expectedReceivers(env, severity).sort());
      },
    );

    it('sends an alert that lost its namespace nowhere (why every alert keeps it)', async () => {
      expect(await route(env, { alertname: 'ServiceDown', severity: 'critical', job: 'gateway' })).toEqual([
        'null',
      ]);
    });
  });
});
