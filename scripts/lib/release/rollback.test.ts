import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { describe, expect, it } from 'vitest';
import { renderRelease } from './render.ts';
import type { ReleaseRecord } from './rollback.ts';
import {
  declaresSafeDown,
  downJobs,
  migrationFiles,
  migrationJobs,
  recordConfigMap,
  releaseRecord,
  rollbackPlan,
} from './rollback.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const catalogue = loadServiceCatalogue(root);
const SHA = 'fedcba9876543210fedcba9876543210fedcba98';
const rendered = renderRelease(
  execFileSync('kubectl', ['kustomize', path.join(root, 'k8s/overlays/staging')], { encoding: 'utf8' }),
  loadSettings(root).kubernetes.imageRegistry,
  { sha: SHA },
);

const record = (safe: boolean): ReleaseRecord => ({
  services: {
    gateway: { image: 'ghcr.io/x/gateway:new', migrations: ['1_a.sql'], safeDown: [] },
    marketplace: {
      image: 'ghcr.io/x/marketplace:new',
      migrations: ['1_listings.sql', '2_purchases.sql', '3_index.sql'],
      safeDown: safe ? ['2_purchases.sql', '3_index.sql'] : ['3_index.sql'],
    },
  },
});

describe('a migration’s declaration that its down is safe', () => {
  it('counts only in the Down section', () => {
    const sql = (up: string, down: string) => `-- Up Migration\n${up}\n-- Down Migration\n${down}\n`;
    expect(
      declaresSafeDown(sql('CREATE INDEX i ON t (c);', '-- rollback: safe, an index only\nDROP INDEX i;')),
    ).toBe(true);
    expect(declaresSafeDown(sql('-- rollback: safe\nCREATE TABLE t ();', 'DROP TABLE t;'))).toBe(false);
    expect(declaresSafeDown(sql('CREATE TABLE t ();', '-- rollback: unsafe\nDROP TABLE t;'))).toBe(false);
  });

  it('is made by none of the kit’s own migrations, whose downs drop tables holding data', () => {
    for (const service of catalogue.filter((s) => s.migrate)) {
      for (const file of migrationFiles(root, service.name))
        expect(declaresSafeDown(file.sql), file.name).toBe(false);
    }
  });
});

describe('the release record a deploy leaves in the cluster', () => {
  it('names each schema-owning service’s migration image and files', () => {
    const { services } = releaseRecord(root, rendered, catalogue);
    expect(Object.keys(services).sort()).toEqual(['gateway', 'marketplace']);
    expect(services.marketplace?.image).toBe(`ghcr.io/telemetry-kit/marketplace:${SHA}`);
    expect(services.marketplace?.migrations).toEqual(migrationFiles(root, 'marketplace').map((f) => f.name));
    expect(services.marketplace?.safeDown).toEqual([]);
    const configMap = recordConfigMap({ services }, 'telemetry-kit');
    expect(JSON.parse(configMap.data['release.json'])).toEqual({ services });
  });
});

describe('a rollback’s plan for the schemas', () => {
  it('reverts the newer migrations when every one declares it safe, with the running images', () => {
    const plan = rollbackPlan(record(true), { gateway: ['1_a.sql'], marketplace: ['1_listings.sql'] });
    expect(plan.kept).toBeUndefined();
    expect(plan.revert).toEqual({ marketplace: { count: 2, image: 'ghcr.io/x/marketplace:new' } });
  });

  it('keeps every schema when one newer migration lacks the declaration, and says which', () => {
    const plan = rollbackPlan(record(false), { gateway: ['1_a.sql'], marketplace: ['1_listings.sql'] });
    expect(plan.revert).toEqual({});
    expect(plan.kept).toContain('marketplace/2_purchases.sql');
    expect(plan.newer.map((n) => n.safe)).toEqual([false, true]);
  });

  it('does nothing to the schemas when the releases share their migrations, or none is recorded', () => {
    const same = rollbackPlan(record(true), {
      gateway: ['1_a.sql'],
      marketplace: ['1_listings.sql', '2_purchases.sql', '3_index.sql'],
    });
    expect(same).toEqual({ revert: {}, newer: [] });
    expect(rollbackPlan(undefined, {}).kept).toMatch(/no release record/);
  });

  it('refuses a target with migrations the running release lacks: that is not a rollback', () => {
    expect(() => rollbackPlan(record(true), { gateway: ['1_a.sql', '2_b.sql'], marketplace: [] })).toThrow(
      /gateway: the target has migrations the running release does not \(2_b\.sql\)/,
    );
  });

  it('runs each revert as the earlier release’s migration Job, with the running image, `down <count>`', () => {
    const plan = rollbackPlan(record(true), { gateway: ['1_a.sql'], marketplace: ['1_listings.sql'] });
    const jobs = migrationJobs(rendered, catalogue);
    const [job] = downJobs(plan, jobs, catalogue);
    const original = jobs.get('marketplace');
    expect(job?.metadata.name).toBe('marketplace-migrate-down');
    // Same labels: the NetworkPolicy that lets the migration reach the database lets this one too.
    expect(job?.metadata.labels).toEqual(original?.metadata.labels);
    const [container] = job?.spec.template.spec.containers ?? [];
    expect(container?.image).toBe('ghcr.io/x/marketplace:new');
    const up = original?.spec.template.spec.containers[0]?.command ?? [];
    expect(container?.command).toEqual([...up.slice(0, -1), 'down', '2']);
  });
});
