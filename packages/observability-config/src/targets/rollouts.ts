// Progressive delivery with Argo Rollouts, generated from the service catalogue (x-kit `rollout`) and the
// settings (kubernetes.rollouts). A service that names a strategy runs as a Rollout instead of a
// Deployment, with the same pod template:
// - blue-green (the public services): a preview Service beside the active one; before promotion an
//   analysis checks the preview's readiness, runs the smoke journey (scripts/smoke/journey.mjs) against
//   it and applies the gates to its pods; the previous version stays up scaleDownDelaySeconds, so `undo`
//   is instant. Whether a passing preview promotes itself is the environment's `autoPromotion`.
// - canary (the internal services): the share of new pods grows by canarySteps while the gates run in
//   the background. Internal callers reach a Service, not an ingress, so the share is honoured by the
//   ratio of new to old pods behind it (kube-proxy spreads connections evenly), rounded up to whole pods.
// The gates are the alerts the settings name (HighErrorRate, LatencyDegradation), as the environment runs
// them (its scope and threshold deltas), scoped further to the new version's pods by the label
// rollouts-pod-template-hash, which the PodMonitor copies onto every series: a gate fails exactly when the
// alert would fire for the new pods alone. Fields checked against argo-rollouts v1.9.1 (its CRDs in
// test/k8s/crds/, metricproviders/, utils/evaluate/evaluate.go).

import { withScope } from '../query-languages.ts';
import type { RuleFile } from '../rules.ts';
import { isAlertingRule, renderRuleGroups } from '../rules.ts';
import type { CatalogueService } from '../services.ts';
import type { EnvironmentName, Settings } from '../settings.ts';
import { durationSeconds } from '../settings.ts';
import { RESTRICTED_USER } from './workloads.ts';

export const ROLLOUTS_API = 'argoproj.io/v1alpha1';
/** The label Argo Rollouts puts on each version's pods; the PodMonitor copies it onto their series. */
export const POD_TEMPLATE_HASH = 'rollouts-pod-template-hash';
export const HASH_LABEL = 'rollouts_pod_template_hash';
export const CANARY_TEMPLATE = 'telemetry-kit-canary';
export const PRE_PROMOTION_TEMPLATE = 'telemetry-kit-pre-promotion';
/** The ConfigMap holding the smoke journey, and the component label of the Jobs that run it. */
export const SMOKE = 'telemetry-kit-smoke';
export const SMOKE_SCRIPT = 'scripts/smoke/journey.mjs';

/** The kind a service's pods run under, for patches and autoscalers. */
export function workloadKind(service: CatalogueService) {
  return service.rollout
    ? { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', apiVersion: ROLLOUTS_API }
    : { group: 'apps', version: 'v1', kind: 'Deployment', apiVersion: 'apps/v1' };
}

export const previewName = (service: string) => `${service}-preview`;
export const previewUrl = (service: CatalogueService, settings: Settings) =>
  `http://${previewName(service.name)}.${settings.kubernetes.namespace}:${service.port}`;

interface Deployment {
  metadata: Record<string, unknown>;
  spec: { replicas: number; selector: unknown; template: unknown };
}

/** The service's Rollout: the Deployment's metadata, replicas, selector and pod template, and a strategy. */
export function rolloutOf(deployment: Deployment, service: CatalogueService, settings: Settings) {
  const { rollouts } = settings.kubernetes;
  const arg = (name: string, value: string) => ({ name, value });
  const hash = (name: string) => ({ name, valueFrom: { podTemplateHashValue: 'Latest' } });
  const strategy =
    service.rollout === 'blue-green'
      ? {
          blueGreen: {
            activeService: service.name,
            previewService: previewName(service.name),
            // Each environment's overlay sets it (workloads.autoPromotion).
            autoPromotionEnabled: false,
            scaleDownDelaySeconds: rollouts.scaleDownDelaySeconds,
            prePromotionAnalysis: {
              templates: [{ templateName: PRE_PROMOTION_TEMPLATE }],
              args: [
                arg('service', service.name),
                hash('new-hash'),
                arg('preview-url', previewUrl(service, settings)),
                arg('readiness-path', service.readinessPath),
                arg('journey', service.public === '/' ? 'page' : 'api'),
              ],
            },
          },
        }
      : {
          canary: {
            steps: rollouts.canarySteps.flatMap((weight, i) =>
              i < rollouts.canarySteps.length - 1
                ? [{ setWeight: weight }, { pause: { duration: rollouts.stepPause } }]
                : [{ setWeight: weight }],
            ),
            // From the first step on, for as long as the canary runs.
            analysis: {
              templates: [{ templateName: CANARY_TEMPLATE }],
              startingStep: 1,
              args: [arg('service', service.name), hash('new-hash')],
            },
          },
        };
  return {
    apiVersion: ROLLOUTS_API,
    kind: 'Rollout',
    metadata: deployment.metadata,
    spec: { ...deployment.spec, strategy },
  };
}

/** The Service a blue-green preview answers on: the active one's ports and selector (Argo adds the hash). */
export function previewService(
  active: { metadata: { labels?: unknown }; spec: Record<string, unknown> },
  service: string,
) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: previewName(service), labels: active.metadata.labels },
    spec: active.spec,
  };
}

/** A gate's metric name: the alert's, in kebab case (HighErrorRate → high-error-rate). */
export const gateName = (alert: string) => alert.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

/** The alert's expression, scoped to the service's new pods (the analysis' args). */
export const gateQuery = (expr: string) =>
  withScope(expr.trim(), `job="{{args.service}}", ${HASH_LABEL}="{{args.new-hash}}"`);

/** Failed measurements tolerated before the analysis fails: as many as fit in the alert's `for`, less one. */
export function gateFailureLimit(pendingFor: string | undefined, settings: Settings): number {
  const interval = durationSeconds(settings.kubernetes.rollouts.analysisInterval);
  return Math.max(0, Math.ceil(durationSeconds(pendingFor ?? '0s') / interval) - 1);
}

/**
 * One analysis metric per gate alert: its expression as `env` runs it, scoped to the service's new
 * pods. It fails when a measurement finds a series (the alert's condition holds for those pods), and
 * the analysis fails when the alert would have fired: after `for` worth of failed measurements.
 */
export function gateMetrics(ruleFiles: RuleFile[], settings: Settings, env: EnvironmentName) {
  const { rollouts } = settings.kubernetes;
  const rules = ruleFiles.flatMap((f) => renderRuleGroups(f.groups, settings, env).flatMap((g) => g.rules));
  return rollouts.gates.map((gate) => {
    const rule = rules.find((r) => isAlertingRule(r) && r.alert === gate);
    if (!rule || !isAlertingRule(rule)) {
      throw new Error(
        `grafana/environments.yaml: kubernetes.rollouts.gates names ${gate}, no alert of grafana/alerts`,
      );
    }
    return {
      name: gateName(gate),
      interval: rollouts.analysisInterval,
      failureLimit: gateFailureLimit(rule.for, settings),
      successCondition: 'len(result) == 0',
      failureCondition: 'len(result) > 0',
      provider: {
        prometheus: {
          address: settings.kubernetes.datasources.prometheus,
          query: gateQuery(rule.expr),
        },
      },
    };
  });
}

/** The analyses every rollout of `env` runs: a canary's background gates, a preview's pre-promotion checks. */
export function analysisTemplates(
  ruleFiles: RuleFile[],
  settings: Settings,
  env: EnvironmentName,
  nodeImage: string,
) {
  const gates = gateMetrics(ruleFiles, settings, env);
  const template = (name: string, args: string[], metrics: unknown[]) => ({
    apiVersion: ROLLOUTS_API,
    kind: 'AnalysisTemplate',
    metadata: { name },
    spec: { args: args.map((a) => ({ name: a })), metrics },
  });
  return [
    template(CANARY_TEMPLATE, ['service', 'new-hash'], gates),
    template(
      PRE_PROMOTION_TEMPLATE,
      ['service', 'new-hash', 'preview-url', 'readiness-path', 'journey'],
      [
        {
          name: 'ready',
          count: 1,
          successCondition: 'result == true',
          provider: { web: { url: '{{args.preview-url}}{{args.readiness-path}}', jsonPath: '{$.ready}' } },
        },
        { name: 'smoke', count: 1, provider: { job: { spec: smokeJob(nodeImage) } } },
        // The gates over what the smoke journey sent the preview, once it has been scraped.
        ...gates.map((g) => ({ ...g, count: 1, initialDelay: '1m', failureLimit: 0 })),
      ],
    ),
  ];
}

/** The smoke journey as a Job (Pod Security restricted), the script from the ConfigMap. */
function smokeJob(nodeImage: string) {
  return {
    backoffLimit: 0,
    activeDeadlineSeconds: 300,
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': SMOKE, 'app.kubernetes.io/component': 'smoke' } },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: RESTRICTED_USER,
          runAsGroup: RESTRICTED_USER,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containers: [
          {
            name: 'journey',
            image: nodeImage,
            command: ['node', '/smoke/journey.mjs', '{{args.preview-url}}', '{{args.journey}}'],
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
            volumeMounts: [{ name: 'journey', mountPath: '/smoke', readOnly: true }],
          },
        ],
        volumes: [{ name: 'journey', configMap: { name: SMOKE } }],
      },
    },
  };
}

/** The smoke journey's script, and the NetworkPolicy letting its Jobs reach the public services. */
export function smokeObjects(script: string, catalogue: CatalogueService[]) {
  const publicServices = catalogue.filter((s) => s.rollout === 'blue-green');
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: SMOKE, labels: { 'app.kubernetes.io/name': SMOKE } },
      data: { 'journey.mjs': script },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: SMOKE, labels: { 'app.kubernetes.io/name': SMOKE } },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': SMOKE } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: publicServices.map((s) => ({
          to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': s.name } } }],
          ports: [{ port: s.port, protocol: 'TCP' }],
        })),
      },
    },
  ];
}
