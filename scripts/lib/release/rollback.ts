// What a deploy leaves in the cluster about itself (the release record), and what a rollback to an
// earlier commit does to the schemas with it. A rollback redeploys the earlier images; it reverts the
// migrations the running release added only when every one of them declares its down migration safe
// (a line `-- rollback: safe, <why>` in the file). Otherwise the schema stays at the running release's
// head, which the earlier code must tolerate: migrations only expand (docs/delivery.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CatalogueService } from '@telemetry-kit/observability-config/services';
import { parseAllDocuments } from 'yaml';
import { migrationFileNames } from '../migrations.ts';

/** The ConfigMap a deploy writes last, in the environment's namespace. */
export const RECORD_CONFIG_MAP = 'telemetry-kit-release';
export const RECORD_KEY = 'release.json';

export interface ReleaseRecord {
  /** Per schema-owning service: the image its migration Job ran, the migrations it shipped, the safe ones. */
  services: Record<string, { image: string; migrations: string[]; safeDown: string[] }>;
}

const DECLARATION = /^--\s*rollback:\s*safe\b/im;

/** Whether a migration file declares that reverting it loses nothing (`-- rollback: safe, <why>`). */
export function declaresSafeDown(sql: string): boolean {
  const down = sql.split(/^--\s*Down Migration\s*$/im)[1];
  return down !== undefined && DECLARATION.test(down);
}

/** The migration files of a service in this checkout, in the order they run. */
export function migrationFiles(root: string, service: string): Array<{ name: string; sql: string }> {
  const dir = path.join(root, 'services', service, 'migrations');
  return migrationFileNames(root, service).map((file) => ({
    name: file,
    sql: readFileSync(path.join(dir, file), 'utf8'),
  }));
}

interface Job {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: { template: { spec: { containers: Array<{ image: string; command?: string[] }> } } };
}

/** The migration Jobs of a rendered release, by the service they migrate. */
export function migrationJobs(rendered: string, catalogue: CatalogueService[]): Map<string, Job> {
  const jobs = new Map<string, Job>();
  for (const doc of parseAllDocuments(rendered)) {
    const object = doc.toJS() as Job | null;
    if (object?.kind !== 'Job') continue;
    const service = catalogue.find((s) => s.migrate && object.metadata.name === `${s.name}-migrate`);
    if (service) jobs.set(service.name, object);
  }
  return jobs;
}

/** The record of a rendered release about to be deployed from this checkout. */
export function releaseRecord(root: string, rendered: string, catalogue: CatalogueService[]): ReleaseRecord {
  const services: ReleaseRecord['services'] = {};
  for (const [service, job] of migrationJobs(rendered, catalogue)) {
    const files = migrationFiles(root, service);
    services[service] = {
      image: job.spec.template.spec.containers[0]?.image ?? '',
      migrations: files.map((f) => f.name),
      safeDown: files.filter((f) => declaresSafeDown(f.sql)).map((f) => f.name),
    };
  }
  return { services };
}

export function recordConfigMap(record: ReleaseRecord, namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: RECORD_CONFIG_MAP,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'telemetry-kit' },
    },
    data: { [RECORD_KEY]: JSON.stringify(record, null, 2) },
  };
}

export interface RollbackPlan {
  /** Per service, how many of its newest migrations to revert (with the running release's image). */
  revert: Record<string, { count: number; image: string }>;
  /** The running release's migrations the earlier commit lacks, and whether each declares its down safe. */
  newer: Array<{ service: string; migration: string; safe: boolean }>;
  /** Why the schema is kept, when it is. */
  kept?: string;
}

/**
 * What a rollback does to the schemas: from the running release (its record) to the earlier commit's
 * migrations (this checkout). All or nothing: one migration without the declaration keeps every schema.
 */
export function rollbackPlan(
  running: ReleaseRecord | undefined,
  target: Record<string, string[]>,
): RollbackPlan {
  if (!running) {
    return {
      revert: {},
      newer: [],
      kept: `no release record (ConfigMap ${RECORD_CONFIG_MAP}) in the cluster`,
    };
  }
  const newer: RollbackPlan['newer'] = [];
  for (const [service, { migrations, safeDown }] of Object.entries(running.services)) {
    const earlier = target[service] ?? [];
    const unknown = earlier.filter((m) => !migrations.includes(m));
    if (unknown.length > 0) {
      throw new Error(
        `${service}: the target has migrations the running release does not (${unknown.join(', ')}) — ` +
          'it is not an earlier release; deploy it instead of rolling back to it',
      );
    }
    for (const migration of migrations.filter((m) => !earlier.includes(m)))
      newer.push({ service, migration, safe: safeDown.includes(migration) });
  }
  const unsafe = newer.filter((n) => !n.safe);
  if (newer.length === 0) return { revert: {}, newer };
  if (unsafe.length > 0) {
    return {
      revert: {},
      newer,
      kept: `${unsafe.map((n) => `${n.service}/${n.migration}`).join(', ')} do(es) not declare "-- rollback: safe"`,
    };
  }
  const revert: RollbackPlan['revert'] = {};
  for (const { service } of newer) {
    const image = running.services[service]?.image ?? '';
    revert[service] = { count: (revert[service]?.count ?? 0) + 1, image };
  }
  return { revert, newer };
}

/**
 * The Jobs that revert the plan's migrations: each service's migration Job of the earlier release, run
 * with the running release's image (it has the files) as `down <count>`, under its own name.
 */
export function downJobs(plan: RollbackPlan, jobs: Map<string, Job>, catalogue: CatalogueService[]): Job[] {
  return Object.entries(plan.revert).map(([service, { count, image }]) => {
    const job = jobs.get(service);
    const migrate = catalogue.find((s) => s.name === service)?.migrate;
    if (!job || !migrate || migrate.at(-1) !== 'up') {
      throw new Error(`${service}: no migration Job whose command ends in "up" to run down from`);
    }
    const copy = JSON.parse(JSON.stringify(job)) as Job;
    copy.metadata.name = `${job.metadata.name}-down`;
    for (const container of copy.spec.template.spec.containers) {
      container.image = image;
      container.command = [...migrate.slice(0, -1), 'down', String(count)];
    }
    return copy;
  });
}
