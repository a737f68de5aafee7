// npm run parity: what each environment actually deploys (read back from the generated targets, not
// from the source), hashed per dashboard UID and rule group. Equal everywhere, except for the deltas
// grafana/environments.yaml declares; anything else is drift.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, parseDocument } from 'yaml';
import { canonicalJson } from './dashboards.ts';
import { deployedObjects } from './parity-objects.ts';
import { SOURCE, TARGET } from './paths.ts';
import { topLevelThreshold, withoutScope, withScope } from './query-languages.ts';
import type { RuleGroup } from './rules.ts';
import { isAlertingRule, ruleScope } from './rules.ts';
import type { CatalogueService } from './services.ts';
import { loadServiceCatalogue } from './services.ts';
import type { BackendSettings, DeployedEnvironment, Settings } from './settings.ts';
import {
  DEPLOYED_ENVIRONMENTS,
  durationSeconds,
  KUBERNETES_ENVIRONMENTS,
  loadSettings,
  thresholdFor,
  unknownThresholdAlerts,
} from './settings.ts';
import { TEMPO_CHART_RETENTION } from './targets/backend-values.ts';
import { composeDeployedValues } from './targets/compose-settings.ts';
import { renderFlags } from './targets/flags.ts';
import { type TERRAFORM_ENVIRONMENTS, TFVARS_FILE, terraformVariables } from './targets/terraform.ts';
import { ENVIRONMENT_CONFIG_MAP, FLAGS_CONFIG_MAP, FLAGS_KEY } from './targets/workloads.ts';

export type ArtifactKind = 'dashboard' | 'rule group' | 'terraform call' | 'workload' | 'object';

export interface Artifact {
  kind: ArtifactKind;
  name: string;
  hash: string;
  /** Where it was read: compose, kustomize, terraform. */
  source: string;
}

export interface DeclaredDelta {
  name: string;
  values: Record<DeployedEnvironment, string>;
  reason?: string;
}

export interface ParityReport {
  inventories: Record<DeployedEnvironment, Artifact[]>;
  deltas: DeclaredDelta[];
  drift: string[];
}

const hash = (value: unknown) => createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 12);

// What an environment declares (its evaluation interval, its rule scope, a threshold) is checked against
// the declaration and hashed as a placeholder, so that only undeclared differences change a hash.
function normalizeGroup(
  group: RuleGroup,
  settings: Settings,
  env: DeployedEnvironment,
  where: string,
  drift: string[],
): RuleGroup {
  const interval = settings.environments[env].evaluationInterval;
  if (group.interval !== interval) {
    drift.push(
      `${env}: group ${group.name} is evaluated every ${group.interval ?? '(unset)'} in ${where}, declared ${interval}`,
    );
  }
  const scope = ruleScope(settings, env);
  const unscoped = (rule: RuleGroup['rules'][number]) => {
    if (!scope) return rule;
    const expr = withoutScope(rule.expr, scope);
    if (withScope(expr, scope) !== rule.expr) {
      drift.push(
        `${env}: ${'alert' in rule ? rule.alert : rule.record} in ${where} is not scoped to ${scope}`,
      );
    }
    return { ...rule, expr };
  };
  return {
    ...group,
    interval: '<interval>',
    rules: group.rules.map(unscoped).map((rule) => {
      if (!isAlertingRule(rule)) return rule;
      const declared = thresholdFor(settings, rule.alert, env);
      if (declared === undefined) return rule;
      const literal = topLevelThreshold(rule.expr);
      if (literal?.value !== declared) {
        drift.push(
          `${env}: ${rule.alert} threshold is ${literal?.value ?? '(none)'} in ${where}, declared ${declared}`,
        );
      }
      if (!literal) return rule;
      return {
        ...rule,
        expr: `${rule.expr.slice(0, literal.from)}<threshold>${rule.expr.slice(literal.to)}`,
      };
    }),
  };
}

function jsonFiles(dir: string): Array<{ file: string; json: unknown }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown }));
}

function dashboardArtifact(json: unknown, source: string): Artifact {
  const uid = (json as { uid?: unknown }).uid;
  return { kind: 'dashboard', name: typeof uid === 'string' ? uid : '(no uid)', hash: hash(json), source };
}

function ruleArtifacts(
  groups: RuleGroup[],
  source: string,
  normalize: (g: RuleGroup) => RuleGroup,
): Artifact[] {
  return groups.map((g) => ({ kind: 'rule group', name: g.name, hash: hash(normalize(g)), source }));
}

/** The rule files compose loads (development's deployed rules). */
function composeRuleFiles(root: string): Array<{ file: string; groups: RuleGroup[] }> {
  const rulesDir = path.join(root, TARGET.composeRules);
  return readdirSync(rulesDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => ({
      file,
      groups: (parse(readFileSync(path.join(rulesDir, file), 'utf8')) as { groups: RuleGroup[] }).groups,
    }));
}

function developmentInventory(
  root: string,
  ruleFiles: ReturnType<typeof composeRuleFiles>,
  settings: Settings,
  drift: string[],
): Artifact[] {
  const dashboards = jsonFiles(path.join(root, TARGET.composeDashboards, 'telemetry-kit')).map((d) =>
    dashboardArtifact(d.json, 'compose'),
  );
  const rules = ruleFiles.flatMap(({ file, groups }) =>
    ruleArtifacts(groups, 'compose', (g) =>
      normalizeGroup(g, settings, 'development', `${TARGET.composeRules}/${file}`, drift),
    ),
  );
  // Development's retention and intervals as compose deploys them, not as the settings say.
  checkDeployed('development', 'compose', composeDeployedValues(root), settings, drift);
  return [...dashboards, ...rules];
}

/** Retention and intervals as one environment's files deploy them. */
interface DeployedValues {
  lokiRetention: string;
  traceRetention: string;
  scrapeInterval: string;
  evaluationInterval: string;
}

/** A line of drift for each value deployed otherwise than the settings declare (durations by length). */
function checkDeployed(
  env: DeployedEnvironment,
  where: string,
  deployed: DeployedValues,
  settings: Settings,
  drift: string[],
) {
  const declared = settings.environments[env];
  const names: Record<keyof DeployedValues, string> = {
    lokiRetention: 'Loki retention',
    traceRetention: 'trace retention',
    scrapeInterval: 'scrape interval',
    evaluationInterval: 'evaluation interval',
  };
  for (const [key, what] of Object.entries(names) as Array<[keyof DeployedValues, string]>) {
    const value = deployed[key];
    const same = key.endsWith('Retention')
      ? durationSeconds(value) === durationSeconds(declared[key])
      : value === declared[key];
    if (!same)
      drift.push(`${env}: ${where} deploys ${what} ${value}, ${SOURCE.settings} declares ${declared[key]}`);
  }
}

/** What the values files of a Kubernetes environment's Helm releases hold of its settings. */
function helmDeployedValues(root: string, env: DeployedEnvironment): DeployedValues {
  // Read as composeDeployedValues reads compose's files: the scalar at a path of the YAML document.
  const values = (chart: string) =>
    parseDocument(readFileSync(path.join(root, TARGET.k8sOverlays, env, `${chart}.values.yaml`), 'utf8'));
  const at = (document: ReturnType<typeof values>, keys: string[]) => String(document.getIn(keys));
  const stack = values('kube-prometheus-stack');
  return {
    lokiRetention: at(values('loki'), ['loki', 'limits_config', 'retention_period']),
    traceRetention: at(values('tempo'), TEMPO_CHART_RETENTION),
    scrapeInterval: at(stack, ['prometheus', 'prometheusSpec', 'scrapeInterval']),
    evaluationInterval: at(stack, ['prometheus', 'prometheusSpec', 'evaluationInterval']),
  };
}

interface KubernetesObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { groups?: RuleGroup[] };
}

/** Builds the overlay with kubectl's kustomize, as a deployment would. */
export function buildOverlay(root: string, env: DeployedEnvironment): KubernetesObject[] {
  const dir = path.join(root, TARGET.k8sOverlays, env);
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new Error(`kubectl kustomize ${dir} failed: ${detail} — is kubectl (with kustomize) installed?`);
  }
  return parseAllDocuments(output).map((doc) => doc.toJS() as KubernetesObject);
}

/** What `terraform init`/`apply` leave in a root module: local state and the provider lock, not deployed values. */
const TERRAFORM_LOCAL_FILES = [
  /^\.terraform\.lock\.hcl$/,
  /\.tfstate(\.backup)?$/,
  /^\.terraform\.tfstate\.lock\.info$/,
];

function kubernetesInventory(
  root: string,
  env: DeployedEnvironment,
  settings: Settings,
  catalogue: CatalogueService[],
  drift: string[],
): Artifact[] {
  const artifacts: Artifact[] = [];
  checkDeployed(
    env,
    `${TARGET.k8sOverlays}/${env}/*.values.yaml`,
    helmDeployedValues(root, env),
    settings,
    drift,
  );
  const objects = buildOverlay(root, env);
  const flags = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === FLAGS_CONFIG_MAP);
  if (flags?.data?.[FLAGS_KEY] !== renderFlags(root, settings, env)) {
    drift.push(
      `${env}: ConfigMap ${FLAGS_CONFIG_MAP} does not hold the flags ${SOURCE.settings} declares for ${env} — run npm run generate`,
    );
  }
  artifacts.push(...workloadArtifacts(objects, settings, env));
  artifacts.push(
    ...deployedObjects(objects, settings, env, catalogue, drift).map(({ name, normalized }) => ({
      kind: 'object' as const,
      name,
      hash: hash(normalized),
      source: 'kustomize',
    })),
  );
  for (const object of objects) {
    const name = object.metadata?.name ?? '(unnamed)';
    if (object.kind === 'ConfigMap' && object.metadata?.labels?.grafana_dashboard !== undefined) {
      for (const content of Object.values(object.data ?? {})) {
        artifacts.push(dashboardArtifact(JSON.parse(content), 'kustomize'));
      }
    } else if (object.kind === 'PrometheusRule') {
      artifacts.push(
        ...ruleArtifacts(object.spec?.groups ?? [], 'kustomize', (g) =>
          normalizeGroup(g, settings, env, `PrometheusRule ${name} (k8s/overlays/${env})`, drift),
        ),
      );
    }
  }
  const terraformDashboards = jsonFiles(path.join(root, TARGET.terraformModule, 'dashboards'));
  artifacts.push(...terraformDashboards.map((d) => dashboardArtifact(d.json, 'terraform')));
  // Every file of the environment's Terraform root is deployed: a hand-added *.auto.tfvars as much as a
  // *.tf. The generated variable values are compared with the settings; all else must be identical.
  const envDir = path.join(root, TARGET.terraformEnvironments, env);
  const callFiles = readdirSync(envDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.parentPath.split(path.sep).includes('.terraform'))
    .map((entry) => path.relative(envDir, path.join(entry.parentPath, entry.name)))
    .filter((file) => !TERRAFORM_LOCAL_FILES.some((pattern) => pattern.test(file)))
    .sort();
  if (callFiles.includes(TFVARS_FILE)) {
    const deployed = JSON.parse(readFileSync(path.join(envDir, TFVARS_FILE), 'utf8')) as unknown;
    const declared = terraformVariables(settings, env as (typeof TERRAFORM_ENVIRONMENTS)[number]);
    if (canonicalJson(deployed) !== canonicalJson(declared)) {
      drift.push(
        `${env}: ${TARGET.terraformEnvironments}/${env}/${TFVARS_FILE} is not what ${SOURCE.settings} declares — run npm run generate`,
      );
    }
  } else {
    drift.push(
      `${env}: ${TARGET.terraformEnvironments}/${env}/${TFVARS_FILE} is missing — run npm run generate`,
    );
  }
  const shared = callFiles.filter((file) => file !== TFVARS_FILE);
  artifacts.push({
    kind: 'terraform call',
    name: `${TARGET.terraformEnvironments}/<environment>`,
    hash: hash(shared.map((f) => [f, readFileSync(path.join(envDir, f), 'utf8')])),
    source: 'terraform',
  });
  return artifacts;
}

/**
 * A workload object with what its environment declares differently (grafana/environments.yaml:
 * replicas, shared storage, callees reached outside the cluster, the environment's own ConfigMap)
 * replaced by placeholders, so that its hash changes only with an undeclared difference.
 */
function normalizeWorkload(object: KubernetesObject, settings: Settings, env: DeployedEnvironment): unknown {
  const external = settings.environments[env].workloads?.external ?? {};
  const secretVariables = new Set(
    Object.values(external).flatMap((e) => (e.secret ? [e.secret.variable] : [])),
  );
  const copy = JSON.parse(JSON.stringify(object)) as Record<string, unknown> & {
    metadata: { labels?: Record<string, string> };
    spec?: Record<string, unknown>;
    data?: Record<string, string>;
  };
  delete copy.metadata.labels?.environment;
  if (object.kind === 'Deployment' || object.kind === 'Rollout' || object.kind === 'Job') {
    const spec = copy.spec as {
      replicas?: unknown;
      template: { spec: Record<string, unknown> };
      strategy?: { blueGreen?: { autoPromotionEnabled?: unknown } };
    };
    if (object.kind !== 'Job') spec.replicas = '<replicas>';
    // Whether a preview promotes itself is declared per environment (workloads.autoPromotion).
    if (spec.strategy?.blueGreen) spec.strategy.blueGreen.autoPromotionEnabled = '<auto-promotion>';
    const pod = spec.template.spec as {
      volumes?: Array<Record<string, unknown>>;
      containers: Array<{
        env?: Array<{ name: string }>;
        envFrom?: Array<{ configMapRef?: { name: string } }>;
      }>;
    };
    for (const volume of pod.volumes ?? []) {
      if (volume.name !== 'data') continue;
      delete volume.emptyDir;
      delete volume.persistentVolumeClaim;
      volume.source = '<shared storage>';
    }
    for (const container of pod.containers) {
      container.env = (container.env ?? []).filter((e) => !secretVariables.has(e.name));
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef) from.configMapRef.name = from.configMapRef.name.replace(/-[a-z0-9]{10}$/, '');
      }
    }
  }
  // The database's size and backup retention are declared per environment (workloads.database).
  if (object.kind === 'Cluster' && copy.spec) {
    copy.spec.instances = '<instances>';
    (copy.spec.storage as { size: string }).size = '<storage>';
  }
  if (object.kind === 'ObjectStore' && copy.spec) {
    copy.spec.retentionPolicy = '<backup retention>';
    const configuration = copy.spec.configuration as { destinationPath: string };
    configuration.destinationPath = configuration.destinationPath.replace(`/${env}/`, '/<environment>/');
  }
  if (object.kind === 'ConfigMap' && copy.data) {
    // The address of a callee that some environment reaches outside the cluster: in-cluster or not.
    const externalized = KUBERNETES_ENVIRONMENTS.flatMap((e) =>
      Object.entries(settings.environments[e].workloads?.external ?? {}),
    );
    const host = settings.environments[env].workloads?.host;
    for (const [key, value] of Object.entries(copy.data)) {
      const callee = externalized.find(([name, e]) => e.url === value || value.startsWith(`http://${name}:`));
      if (callee) copy.data[key] = `<${callee[0]} address>`;
      else if (host && value.includes(`//${host}/`))
        copy.data[key] = value.replace(`//${host}/`, '//<public host>/');
    }
  }
  return copy;
}

/** Kinds whose presence or content an environment declares (HA, public host, external callees). */
const DECLARED_KINDS = new Set([
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'PersistentVolumeClaim',
  'Ingress',
]);
const WORKLOAD_KINDS = new Set([
  'Deployment',
  // Argo Rollouts: the services that name a strategy, and the analyses gating them.
  'Rollout',
  'AnalysisTemplate',
  'Service',
  'ServiceAccount',
  'ConfigMap',
  'NetworkPolicy',
  'Job',
  'Namespace',
  // The CloudNativePG database (kubernetes.database.provider cloudnative-pg).
  'Cluster',
  'ObjectStore',
  'ScheduledBackup',
]);

function workloadArtifacts(
  objects: KubernetesObject[],
  settings: Settings,
  env: DeployedEnvironment,
): Artifact[] {
  const external = Object.keys(settings.environments[env].workloads?.external ?? {});
  return (
    objects
      .filter((o) => WORKLOAD_KINDS.has(o.kind ?? '') && !DECLARED_KINDS.has(o.kind ?? ''))
      .filter((o) => !(o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard !== undefined))
      .filter((o) => !o.metadata?.name?.startsWith(ENVIRONMENT_CONFIG_MAP))
      // Its flags are declared per environment; kubernetesInventory compares them with the declaration.
      .filter((o) => !(o.kind === 'ConfigMap' && o.metadata?.name === FLAGS_CONFIG_MAP))
      .filter(
        (o) => !(o.kind === 'NetworkPolicy' && external.some((c) => o.metadata?.name?.endsWith(`-to-${c}`))),
      )
      .map((o) => ({
        kind: 'workload' as const,
        name: `${o.kind}/${o.metadata?.name ?? '(unnamed)'}`,
        hash: hash(normalizeWorkload(o, settings, env)),
        source: 'kustomize',
      }))
  );
}

function declaredDeltas(settings: Settings): DeclaredDelta[] {
  const perEnv = (value: (env: DeployedEnvironment) => string) =>
    Object.fromEntries(DEPLOYED_ENVIRONMENTS.map((env) => [env, value(env)])) as Record<
      DeployedEnvironment,
      string
    >;
  const env = (name: DeployedEnvironment) => settings.environments[name];
  return [
    { name: 'loki retention', values: perEnv((e) => env(e).lokiRetention) },
    { name: 'trace retention', values: perEnv((e) => env(e).traceRetention) },
    { name: 'scrape interval', values: perEnv((e) => env(e).scrapeInterval) },
    { name: 'evaluation interval', values: perEnv((e) => env(e).evaluationInterval) },
    { name: 'rule scope', values: perEnv((e) => ruleScope(settings, e) ?? '(all series)') },
    ...workloadDeltas(settings),
    {
      name: 'receivers',
      values: perEnv((e) =>
        env(e)
          .receivers.map((r) => `${r.name} (${r.kind})`)
          .join(', '),
      ),
    },
    ...settings.thresholds.map((t) => ({
      name: `${t.alert} threshold`,
      values: perEnv((e) => String(thresholdFor(settings, t.alert, e))),
      reason: t.reason,
    })),
    // Feature-flag defaults: each flag any environment declares, as declared (flags/flags.flagd.json
    // holds the rest), e.g. `standard 90% extended 10%`.
    ...[...new Set(DEPLOYED_ENVIRONMENTS.flatMap((e) => Object.keys(env(e).flags)))].sort().map((flag) => ({
      name: `flag ${flag}`,
      values: perEnv((e) => {
        const declared = env(e).flags[flag];
        if (!declared) return '(definition)';
        const weights = Object.entries(declared.weights ?? {}).map(([variant, pct]) => `${variant} ${pct}%`);
        return [...(declared.defaultVariant ? [`default ${declared.defaultVariant}`] : []), ...weights].join(
          ' ',
        );
      }),
    })),
  ];
}

function workloadDeltas(settings: Settings): DeclaredDelta[] {
  const value = (
    env: DeployedEnvironment,
    read: (w: NonNullable<Settings['environments']['staging']['workloads']>) => string,
  ) => {
    const workloads = settings.environments[env].workloads;
    return workloads ? read(workloads) : '(compose)';
  };
  const row = (name: string, read: Parameters<typeof value>[1]) => ({
    name,
    values: Object.fromEntries(DEPLOYED_ENVIRONMENTS.map((env) => [env, value(env, read)])) as Record<
      DeployedEnvironment,
      string
    >,
  });
  return [
    row('replicas', (w) => String(w.replicas)),
    row('autoscaling', (w) =>
      w.autoscale ? `${w.replicas}–${w.autoscale.max} at ${w.autoscale.cpuUtilization}% CPU` : 'none',
    ),
    row('shared storage', (w) => w.sharedStorageClass ?? 'none (one replica)'),
    row('database', (w) =>
      settings.kubernetes.database.provider === 'managed'
        ? `managed (Secret ${settings.kubernetes.database.managed.secret})`
        : w.database
          ? `${w.database.instances} × ${w.database.storage}, backups kept ${w.database.backupRetention}`
          : '(undeclared)',
    ),
    row('blue-green promotion', (w) => (w.autoPromotion ? 'automatic' : 'manual')),
    row('public host', (w) => w.host),
    row('outside the cluster', (w) => Object.keys(w.external).join(', ') || 'none'),
    ...backendDeltas(settings),
  ];
}

function backendDeltas(settings: Settings): DeclaredDelta[] {
  const row = (name: string, read: (b: BackendSettings) => string) => ({
    name,
    values: Object.fromEntries(
      DEPLOYED_ENVIRONMENTS.map((env) => {
        const backends = settings.environments[env].backends;
        return [env, backends ? read(backends) : '(compose)'];
      }),
    ) as Record<DeployedEnvironment, string>,
  });
  return [
    row('loki', ({ loki }) =>
      loki.mode === 'SimpleScalable'
        ? `simple-scalable, ${loki.replicas} each of read/write/backend at ${loki.memory}`
        : `monolithic × ${loki.replicas} at ${loki.memory}`,
    ),
    row(
      'tempo',
      ({ tempo }) =>
        `${tempo.partitions} Kafka partition${tempo.partitions === 1 ? '' : 's'}, ${tempo.replicas} of each at ${tempo.memory}`,
    ),
  ];
}

function key(a: Artifact) {
  return `${a.kind} ${a.name}`;
}

export function runParity(root: string): ParityReport {
  const settings = loadSettings(root);
  const drift: string[] = [];
  const ruleFiles = composeRuleFiles(root);
  const catalogue = loadServiceCatalogue(root);
  const deployedAlerts = ruleFiles.flatMap(({ groups }) =>
    groups.flatMap((g) => g.rules.filter(isAlertingRule).map((r) => r.alert)),
  );
  drift.push(...unknownThresholdAlerts(settings, deployedAlerts));
  const inventories: Record<DeployedEnvironment, Artifact[]> = {
    development: developmentInventory(root, ruleFiles, settings, drift),
    staging: kubernetesInventory(root, 'staging', settings, catalogue, drift),
    production: kubernetesInventory(root, 'production', settings, catalogue, drift),
  };

  // Within an environment, every target that carries an artifact must carry the same content.
  const reference = new Map<string, { env: DeployedEnvironment; artifact: Artifact }>();
  for (const env of DEPLOYED_ENVIRONMENTS) {
    const seen = new Map<string, Artifact>();
    for (const artifact of inventories[env]) {
      const earlier = seen.get(key(artifact));
      if (earlier && earlier.hash !== artifact.hash) {
        drift.push(
          `${env}: ${key(artifact)} differs between ${earlier.source} (${earlier.hash}) and ${artifact.source} (${artifact.hash})`,
        );
      }
      seen.set(key(artifact), artifact);
      const first = reference.get(key(artifact));
      if (!first) reference.set(key(artifact), { env, artifact });
      else if (first.artifact.hash !== artifact.hash && first.env !== env) {
        drift.push(
          `${key(artifact)}: ${env} (${artifact.source}) has ${artifact.hash}, ${first.env} (${first.artifact.source}) has ${first.artifact.hash}`,
        );
      }
    }
  }
  // Every dashboard and rule group is deployed everywhere (the Terraform call exists only where Terraform runs).
  for (const [name, { artifact }] of reference) {
    // Terraform runs only where Terraform runs; workloads only in Kubernetes (compose runs development's).
    if (artifact.kind === 'terraform call' || artifact.kind === 'workload' || artifact.kind === 'object')
      continue;
    for (const env of DEPLOYED_ENVIRONMENTS) {
      if (!inventories[env].some((a) => key(a) === name)) drift.push(`${env}: ${name} is missing`);
    }
  }
  // Workloads: present in both Kubernetes environments, unless the catalogue runs the service in one only.
  const serviceOf = (name: string) =>
    catalogue
      .filter((s) => name.split('/')[1]?.startsWith(s.name))
      .sort((a, b) => b.name.length - a.name.length)[0];
  for (const env of KUBERNETES_ENVIRONMENTS) {
    for (const other of KUBERNETES_ENVIRONMENTS.filter((e) => e !== env)) {
      for (const artifact of inventories[env].filter((a) => a.kind === 'workload')) {
        if (inventories[other].some((a) => key(a) === key(artifact))) continue;
        const service = serviceOf(artifact.name);
        if (service && !service.environments.includes(other)) continue;
        drift.push(
          `${other}: ${key(artifact)} is missing (${env} has it, and nothing declares the difference)`,
        );
      }
    }
  }
  return { inventories, deltas: declaredDeltas(settings), drift: [...new Set(drift)] };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows
    .map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd())
    .join('\n');
}

export function formatParityReport(report: ParityReport): string {
  const sections: string[] = [];
  for (const env of DEPLOYED_ENVIRONMENTS) {
    const rows = report.inventories[env]
      .slice()
      .sort((a, b) => key(a).localeCompare(key(b)) || a.source.localeCompare(b.source))
      .map((a) => [a.kind, a.name, a.hash, a.source]);
    sections.push(`${env}\n${table([['kind', 'name', 'hash', 'source'], ...rows])}`);
  }
  const deltaRows = report.deltas.map((d) => [d.name, ...DEPLOYED_ENVIRONMENTS.map((env) => d.values[env])]);
  sections.push(
    `declared deltas (grafana/environments.yaml)\n${table([['name', ...DEPLOYED_ENVIRONMENTS], ...deltaRows])}`,
  );
  sections.push(
    report.drift.length === 0
      ? 'no drift: every dashboard and rule group has the same hash in every environment'
      : `DRIFT (${report.drift.length}):\n${report.drift.map((d) => `  - ${d}`).join('\n')}`,
  );
  return `${sections.join('\n\n')}\n`;
}
