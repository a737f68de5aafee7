// The CloudNativePG database mode (kubernetes.database.provider: cloudnative-pg), rendered exactly as a
// team that switches the provider would get it: the sources copied, the one word changed, the targets
// generated and both overlays built with kubectl kustomize. Every object is validated against its
// upstream schema, with unknown fields rejected as `kubectl apply --validate=strict` does.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSources, renderTargets, writeTargets } from '@telemetry-kit/observability-config/generate';
import { buildOverlay, runParity } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import type { Settings } from '@telemetry-kit/observability-config/settings';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { crdValidators } from './crds.ts';
import type { K8sObject } from './rendered.ts';
import { modelFor, podTemplate } from './rendered.ts';

const settings = loadSettings(REPO_ROOT);
const { cloudnativePg } = settings.kubernetes.database;
const CRD_FOLDERS = [
  `cloudnative-pg-${cloudnativePg.operatorVersion}`,
  `plugin-barman-cloud-${cloudnativePg.barmanCloudPluginVersion}`,
];

function validate(validators: ReturnType<typeof crdValidators>, object: K8sObject) {
  const validator = validators.get(`${object.apiVersion}/${object.kind}`);
  if (!validator)
    throw new Error(`no CRD in ${CRD_FOLDERS.join(', ')} for ${object.apiVersion} ${object.kind}`);
  return validator(object) ? [] : (validator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

const CNPG_KINDS = new Set(['Cluster', 'ObjectStore', 'ScheduledBackup']);

describe('the CloudNativePG database mode (kubernetes.database.provider: cloudnative-pg)', () => {
  let root: string;
  const overlays = new Map<string, K8sObject[]>();
  const validators = crdValidators(CRD_FOLDERS);
  const catalogue = loadServiceCatalogue(REPO_ROOT);
  const clients = catalogue.filter((s) => 'postgres' in s.calls).map((s) => s.name);

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'kit-cnpg-'));
    for (const entry of ['grafana', 'compose', 'flags', 'scripts/smoke', 'images.env', 'package.json']) {
      cpSync(path.join(REPO_ROOT, entry), path.join(root, entry), { recursive: true });
    }
    // The dashboards are TypeScript modules importing the workspace's packages.
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'));
    const file = path.join(root, 'grafana/environments.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^ {4}provider: managed$/m);
    writeFileSync(file, text.replace(/^ {4}provider: managed$/m, '    provider: cloudnative-pg'));
    writeTargets(root, renderTargets(await loadSources(root)));
    for (const env of KUBERNETES_ENVIRONMENTS) overlays.set(env, buildOverlay(root, env) as K8sObject[]);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const of = (env: string, kind: string) => (overlays.get(env) ?? []).filter((o) => o.kind === kind);

  it('rejects what the API server would: a misspelt field, a wrong type, a missing required field', () => {
    const cluster = of('production', 'Cluster')[0] as K8sObject;
    const spec = cluster.spec as Record<string, unknown>;
    expect(validate(validators, cluster)).toEqual([]);
    expect(validate(validators, { ...cluster, spec: { ...spec, instance: 3 } }).join()).toMatch(/additional/);
    expect(validate(validators, { ...cluster, spec: { ...spec, instances: '3' } }).join()).toMatch(/integer/);
    const { instances: _, ...withoutInstances } = spec;
    expect(validate(validators, { ...cluster, spec: withoutInstances }).join()).toMatch(/instances/);
  });

  it.each(KUBERNETES_ENVIRONMENTS)(
    '%s: a Cluster, its ObjectStore and ScheduledBackup, valid against the CRDs',
    (env) => {
      const objects = (overlays.get(env) ?? []).filter((o) => CNPG_KINDS.has(o.kind));
      expect(objects.map((o) => o.kind).sort()).toEqual(['Cluster', 'ObjectStore', 'ScheduledBackup']);
      for (const object of objects) {
        expect(validate(validators, object), `${env} ${object.kind}`).toEqual([]);
        expect(object.metadata.namespace).toBe(settings.kubernetes.namespace);
      }
    },
  );

  it('every other object still validates against kubernetes-models', async () => {
    for (const [env, objects] of overlays) {
      for (const object of objects.filter((o) => !CNPG_KINDS.has(o.kind))) {
        const Model = await modelFor(object);
        expect(
          () => new Model(object).validate(),
          `${env} ${object.kind}/${object.metadata.name}`,
        ).not.toThrow();
      }
    }
  });

  it('sizes each environment as declared, one instance per node, backups to its own folder', () => {
    for (const env of KUBERNETES_ENVIRONMENTS) {
      const declared = settings.environments[env].workloads?.database;
      const cluster = of(env, 'Cluster')[0]?.spec as {
        instances: number;
        storage: { size: string };
        affinity: Record<string, unknown>;
        plugins: Array<{ parameters: { barmanObjectName: string } }>;
      };
      expect(cluster.instances).toBe(declared?.instances);
      expect(cluster.storage.size).toBe(declared?.storage);
      expect(cluster.affinity).toMatchObject({
        podAntiAffinityType: 'required',
        topologyKey: 'kubernetes.io/hostname',
      });
      const store = of(env, 'ObjectStore')[0] as K8sObject;
      expect(cluster.plugins[0]?.parameters.barmanObjectName).toBe(store.metadata.name);
      const spec = store.spec as { retentionPolicy: string; configuration: { destinationPath: string } };
      expect(spec.retentionPolicy).toBe(declared?.backupRetention);
      expect(spec.configuration.destinationPath).toBe(`${cloudnativePg.backups.destinationPath}${env}/`);
    }
    const production = of('production', 'Cluster')[0] as K8sObject;
    expect((production.spec as { instances: number }).instances).toBeGreaterThanOrEqual(3);
  });

  it('runs the major version and database compose runs', () => {
    const pinned = /^POSTGRES_IMAGE=postgres:(\S+)-(\S+)$/m.exec(
      readFileSync(path.join(REPO_ROOT, 'images.env'), 'utf8'),
    );
    const cluster = of('production', 'Cluster')[0]?.spec as {
      imageName: string;
      bootstrap: { initdb: { database: string } };
    };
    expect(cluster.imageName).toBe(
      `ghcr.io/cloudnative-pg/postgresql:${pinned?.[1]}-standard-${pinned?.[2]}`,
    );
    const compose = parse(readFileSync(path.join(REPO_ROOT, 'compose/compose.yaml'), 'utf8')) as {
      services: { postgres: { environment: { POSTGRES_DB: string } } };
    };
    expect(cluster.bootstrap.initdb.database).toBe(compose.services.postgres.environment.POSTGRES_DB);
  });

  it("points every schema owner's DATABASE_URL at the Cluster's app Secret and its egress at the instances", () => {
    for (const env of KUBERNETES_ENVIRONMENTS) {
      const objects = overlays.get(env) ?? [];
      const owners = objects.filter((o) =>
        clients.includes(o.metadata.labels?.['app.kubernetes.io/name'] ?? ''),
      );
      const pods = owners.flatMap((o) => (podTemplate(o) ? [[o, podTemplate(o)] as const] : []));
      expect(pods.length).toBeGreaterThanOrEqual(clients.length * 2); // the Deployment and the migration Job
      for (const [object, pod] of pods) {
        const env_ = (pod?.spec.containers[0]?.env ?? []) as Array<{ name: string; valueFrom?: unknown }>;
        expect(
          env_.find((e) => e.name === 'DATABASE_URL')?.valueFrom,
          `${object.kind}/${object.metadata.name}`,
        ).toEqual({
          secretKeyRef: { name: `${cloudnativePg.cluster}-app`, key: 'uri' },
        });
      }
      const egress = objects
        .filter((o) => o.kind === 'NetworkPolicy' && clients.some((c) => o.metadata.name.startsWith(c)))
        .flatMap((o) => (o.spec as { egress?: Array<{ to?: unknown[] }> }).egress ?? []);
      expect(JSON.stringify(egress)).not.toContain('ipBlock');
      expect(JSON.stringify(egress)).toContain(`"cnpg.io/cluster":"${cloudnativePg.cluster}"`);
    }
  });

  it('lets into the instances exactly the schema owners, the operator and the other instances', () => {
    const policy = of('production', 'NetworkPolicy').find((o) => o.metadata.name === cloudnativePg.cluster);
    expect(policy).toBeDefined();
    const ingress = (
      (policy as K8sObject).spec as {
        ingress: Array<{ from: Array<Record<string, { matchLabels: Record<string, string> }>> }>;
      }
    ).ingress;
    const peers = ingress.flatMap((rule) =>
      rule.from.map((peer) =>
        peer.namespaceSelector
          ? `namespace ${peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`
          : JSON.stringify(peer.podSelector?.matchLabels),
      ),
    );
    expect(peers.sort()).toEqual(
      [
        ...clients.map((c) => JSON.stringify({ 'app.kubernetes.io/name': c })),
        `namespace ${cloudnativePg.operator.namespace}`,
        JSON.stringify({ 'cnpg.io/cluster': cloudnativePg.cluster }),
      ].sort(),
    );
  });

  it('keeps parity: staging and production differ only in the declared database size', () => {
    const report = runParity(root);
    expect(report.drift).toEqual([]);
    const row = report.deltas.find((d) => d.name === 'database');
    const declared = (s: Settings, env: 'staging' | 'production') => s.environments[env].workloads?.database;
    expect(row?.values.production).toBe(
      `${declared(settings, 'production')?.instances} × ${declared(settings, 'production')?.storage}, backups kept ${declared(settings, 'production')?.backupRetention}`,
    );
  });
});
