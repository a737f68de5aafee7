// The rendered objects parity reads as deployed values rather than by hash alone: the Alertmanager
// routing (receivers and their routes against grafana/environments.yaml), the PodMonitor's scrape
// interval, the Ingress' host, and the high-availability objects (disruption budgets, autoscalers,
// shared volumes) each environment declares. What remains of each once its declared values are checked
// and replaced by placeholders is hashed, so staging and production may differ in nothing else.
import type { CatalogueService } from './services.ts';
import type { DeployedEnvironment, Receiver, Settings } from './settings.ts';
import { gateFailureLimit, gateName, gateQuery } from './targets/rollouts.ts';

export interface RenderedObject {
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
}

type Route = {
  receiver?: string;
  matchers?: Array<{ name: string; matchType: string; value: string }>;
  routes?: Route[];
};
type AlertmanagerReceiver = {
  name: string;
  slackConfigs?: Array<{ channel?: string }>;
  pagerdutyConfigs?: unknown[];
  webhookConfigs?: Array<{ url?: string }>;
};

/** A deployed receiver as the settings would declare it. */
function deployedReceiver(receiver: AlertmanagerReceiver): string {
  if (receiver.pagerdutyConfigs?.length) return `${receiver.name} (pagerduty)`;
  if (receiver.slackConfigs?.length) return `${receiver.name} (slack ${receiver.slackConfigs[0]?.channel})`;
  if (receiver.webhookConfigs?.length) return `${receiver.name} (webhook)`;
  return `${receiver.name} (alertmanager-ui)`;
}

function declaredReceiver(receiver: Receiver): string {
  if (receiver.kind === 'slack') return `${receiver.name} (slack ${receiver.channel})`;
  return `${receiver.name} (${receiver.kind})`;
}

/** Checks the deployed values of `objects` against `env`'s declaration; returns what else they hold. */
export function deployedObjects(
  objects: RenderedObject[],
  settings: Settings,
  env: DeployedEnvironment,
  catalogue: CatalogueService[],
  drift: string[],
): Array<{ name: string; normalized: unknown }> {
  const declared = settings.environments[env];
  const workloads = declared.workloads;
  const out: Array<{ name: string; normalized: unknown }> = [];
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const name = (o: RenderedObject) => `${o.kind}/${o.metadata?.name}`;
  const unlabelled = (o: RenderedObject) => {
    const c = copy(o);
    delete c.metadata?.labels?.environment;
    return c;
  };

  drift.push(...gateDrift(objects, settings, env));
  for (const object of objects) {
    if (object.kind === 'AlertmanagerConfig') {
      const spec = object.spec as { route: Route; receivers: AlertmanagerReceiver[] };
      const deployed = spec.receivers.map(deployedReceiver).sort();
      const want = declared.receivers.map(declaredReceiver).sort();
      if (deployed.join() !== want.join()) {
        drift.push(
          `${env}: ${name(object)} deploys receivers ${deployed.join(', ')}; declared ${want.join(', ')}`,
        );
      }
      for (const receiver of declared.receivers) {
        const route = [spec.route, ...(spec.route.routes ?? [])].find((r) => r.receiver === receiver.name);
        if (!route) drift.push(`${env}: ${name(object)} routes nothing to ${receiver.name}`);
        if (receiver.kind === 'pagerduty') {
          const severity = route?.matchers?.find((m) => m.name === 'severity')?.value;
          if (severity !== receiver.severities.join('|')) {
            drift.push(
              `${env}: ${name(object)} pages ${receiver.name} for severity ${severity ?? '(any)'}, declared ${receiver.severities.join('|')}`,
            );
          }
        }
      }
      const c = unlabelled(object);
      const s = c.spec as { route: Record<string, unknown>; receivers: unknown };
      s.receivers = '<declared receivers>';
      s.route.receiver = '<declared receiver>';
      s.route.routes = '<a route per declared receiver>';
      out.push({ name: name(object), normalized: c });
    } else if (object.kind === 'PodMonitor') {
      const c = unlabelled(object);
      for (const endpoint of (c.spec?.podMetricsEndpoints ?? []) as Array<{ interval?: string }>) {
        if (endpoint.interval && endpoint.interval !== declared.scrapeInterval) {
          drift.push(
            `${env}: ${name(object)} scrapes every ${endpoint.interval}, declared ${declared.scrapeInterval}`,
          );
        }
        delete endpoint.interval;
      }
      out.push({ name: name(object), normalized: c });
    } else if (object.kind === 'Ingress' && workloads) {
      const c = unlabelled(object);
      const text = JSON.stringify(c.spec);
      if (!text.includes(`"${workloads.host}"`) || !text.includes(`"${workloads.tlsSecret}"`)) {
        drift.push(
          `${env}: ${name(object)} does not serve the declared host ${workloads.host} with ${workloads.tlsSecret}`,
        );
      }
      c.spec = JSON.parse(
        text.replaceAll(`"${workloads.host}"`, '"<host>"').replaceAll(`"${workloads.tlsSecret}"`, '"<tls>"'),
      );
      out.push({ name: name(object), normalized: c });
    }
  }

  // High availability, as declared: a disruption budget per service with more than one replica, an
  // autoscaler per service where autoscaling is declared, a shared volume where replicas share data.
  if (workloads) {
    const running = catalogue.filter((s) => s.environments.includes(env));
    const find = (kind: string, n: string) => objects.find((o) => o.kind === kind && o.metadata?.name === n);
    const expectations: Array<
      [string, string, boolean, (spec: Record<string, unknown>) => string | undefined]
    > = [];
    for (const service of running) {
      expectations.push([
        'PodDisruptionBudget',
        service.name,
        workloads.replicas > 1,
        (spec) =>
          spec.minAvailable === workloads.replicas - 1 ? undefined : `minAvailable ${spec.minAvailable}`,
      ]);
      expectations.push([
        'HorizontalPodAutoscaler',
        service.name,
        Boolean(workloads.autoscale),
        (spec) => {
          const cpu = (
            spec.metrics as Array<{ resource?: { target?: { averageUtilization?: number } } }>
          )?.[0]?.resource?.target?.averageUtilization;
          const ok =
            spec.minReplicas === workloads.replicas &&
            spec.maxReplicas === workloads.autoscale?.max &&
            cpu === workloads.autoscale?.cpuUtilization;
          return ok ? undefined : `${spec.minReplicas}–${spec.maxReplicas} at ${cpu}% CPU`;
        },
      ]);
      if (service.data) {
        expectations.push([
          'PersistentVolumeClaim',
          `${service.name}-data`,
          workloads.replicas > 1,
          (spec) => {
            const size = (spec.resources as { requests?: { storage?: string } })?.requests?.storage;
            return spec.storageClassName === workloads.sharedStorageClass &&
              size === workloads.sharedStorageSize
              ? undefined
              : `${spec.storageClassName} ${size}`;
          },
        ]);
      }
    }
    for (const [kind, n, wanted, check] of expectations) {
      const object = find(kind, n);
      if (wanted && !object) drift.push(`${env}: ${kind}/${n} is missing, though ${env} declares it`);
      if (!wanted && object) drift.push(`${env}: ${kind}/${n} is deployed, though ${env} declares none`);
      const problem = object && wanted ? check(object.spec ?? {}) : undefined;
      if (problem) drift.push(`${env}: ${kind}/${n} deploys ${problem}, not what ${env} declares`);
    }
  }
  return out;
}

interface AnalysisMetric {
  name: string;
  failureLimit?: number;
  count?: number;
  provider: { prometheus?: { query: string } };
}

/**
 * Each rollout gate against the alert it stands for, as the same overlay deploys that alert (its
 * PrometheusRule): the gate's query must be the alert's expression scoped to the new pods, and a
 * background gate must tolerate what the alert's `for` tolerates. A rollout gate and an alert never
 * disagree silently.
 */
function gateDrift(objects: RenderedObject[], settings: Settings, env: DeployedEnvironment): string[] {
  const alerts = objects
    .filter((o) => o.kind === 'PrometheusRule')
    .flatMap((o) => (o.spec as { groups: Array<{ rules: Array<Record<string, string>> }> }).groups)
    .flatMap((g) => g.rules)
    .filter((r) => r.alert);
  const drift: string[] = [];
  for (const template of objects.filter((o) => o.kind === 'AnalysisTemplate')) {
    const where = `${env}: AnalysisTemplate/${template.metadata?.name}`;
    for (const metric of (template.spec as { metrics: AnalysisMetric[] }).metrics) {
      if (!metric.provider.prometheus) continue;
      const alert = alerts.find((r) => gateName(r.alert ?? '') === metric.name);
      if (!alert) {
        drift.push(`${where} gate ${metric.name} stands for no alert this environment deploys`);
        continue;
      }
      if (metric.provider.prometheus.query.trim() !== gateQuery(alert.expr ?? '')) {
        drift.push(`${where} gate ${metric.name} is not ${alert.alert}'s expression as ${env} deploys it`);
      }
      const background = metric.count === undefined;
      if (background && metric.failureLimit !== gateFailureLimit(alert.for, settings)) {
        drift.push(
          `${where} gate ${metric.name} tolerates ${metric.failureLimit} failed measurements; ${alert.alert}'s for: ${alert.for} means ${gateFailureLimit(alert.for, settings)}`,
        );
      }
    }
  }
  return drift;
}
