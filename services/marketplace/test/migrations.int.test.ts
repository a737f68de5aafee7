import path from 'node:path';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate, SCHEMA } from '../src/migrate.ts';
import { MarketplaceStore } from '../src/store.ts';

describeWithContainers('marketplace migrations against Postgres 17', { images: ['POSTGRES_IMAGE'] }, () => {
  let postgres: StartedPostgres;
  let pool: pg.Pool;

  const tables = async () =>
    (
      await pool.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [SCHEMA],
      )
    ).rows.map((row) => row.table_name);

  beforeAll(async () => {
    postgres = await startPostgres();
    pool = new pg.Pool({ connectionString: postgres.url, options: `-c search_path=${SCHEMA}` });
  });

  afterAll(async () => {
    await pool?.end();
    await postgres?.stop();
  });

  beforeEach(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  it('applies every migration up, in order, into its own schema', async () => {
    const applied = await migrate({ databaseUrl: postgres.url, direction: 'up' });
    expect(applied).toEqual([
      '1764150000000_create-listings',
      '1764150000001_create-purchases',
      '1764150000002_purchase-idempotency-keys',
    ]);
    expect(await tables()).toEqual(['listings', 'pgmigrations', 'purchases']);
    expect(
      await migrate({ databaseUrl: postgres.url, direction: 'up' }),
      'a second run has nothing to do',
    ).toEqual([]);
  });

  it('goes down and up again, keeping the data of the migrations it did not revert', async () => {
    await migrate({ databaseUrl: postgres.url, direction: 'up' });
    const store = new MarketplaceStore(pool);
    const listing = await store.createListing({
      sellerId: '6f1c8a52-7d4e-4a36-9d89-2b1f0c4b9e11',
      ritualId: 'ritual-1',
      title: 'Evening lamp',
      description: '',
      priceCents: 250,
      currency: 'GBP',
    });

    expect(await migrate({ databaseUrl: postgres.url, direction: 'down', count: 2 })).toEqual([
      '1764150000002_purchase-idempotency-keys',
      '1764150000001_create-purchases',
    ]);
    expect(await tables()).toEqual(['listings', 'pgmigrations']);
    expect(await migrate({ databaseUrl: postgres.url, direction: 'up' })).toEqual([
      '1764150000001_create-purchases',
      '1764150000002_purchase-idempotency-keys',
    ]);

    expect(await store.getListing(listing.id)).toEqual(listing);
    const recorded = await store.recordPurchase({
      listingId: listing.id,
      buyerId: '0d6f3f5e-1b2c-4d5e-8f90-a1b2c3d4e5f6',
      idempotencyKey: 'key-1',
      charge: () => ({ outcome: 'completed', brand: 'visa', last4: '4242' }),
    });
    expect(recorded?.purchase.outcome, 'the re-created purchases table works').toBe('completed');
  });

  it('takes the idempotency key off purchases with down, keeping the purchases', async () => {
    await migrate({ databaseUrl: postgres.url, direction: 'up' });
    const store = new MarketplaceStore(pool);
    const listing = await store.createListing({
      sellerId: '6f1c8a52-7d4e-4a36-9d89-2b1f0c4b9e11',
      ritualId: 'ritual-2',
      title: 'Night walk',
      description: '',
      priceCents: 300,
      currency: 'EUR',
    });
    await store.recordPurchase({
      listingId: listing.id,
      buyerId: '0d6f3f5e-1b2c-4d5e-8f90-a1b2c3d4e5f6',
      idempotencyKey: 'key-2',
      charge: () => ({ outcome: 'completed', brand: 'visa', last4: '4242' }),
    });
    const columns = async () =>
      (
        await pool.query<{ column_name: string }>(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'purchases'",
          [SCHEMA],
        )
      ).rows.map((row) => row.column_name);

    expect(await migrate({ databaseUrl: postgres.url, direction: 'down' })).toEqual([
      '1764150000002_purchase-idempotency-keys',
    ]);
    expect(await columns()).not.toContain('idempotency_key');
    expect((await pool.query('SELECT count(*)::int AS n FROM purchases')).rows[0].n).toBe(1);
    await migrate({ databaseUrl: postgres.url, direction: 'up' });
    expect(await columns()).toEqual(expect.arrayContaining(['idempotency_key', 'decline_reason']));
  });

  it('reverts everything with down, leaving only the bookkeeping table', async () => {
    await migrate({ databaseUrl: postgres.url, direction: 'up' });
    await migrate({ databaseUrl: postgres.url, direction: 'down', count: 3 });
    expect(await tables()).toEqual(['pgmigrations']);
  });

  it('rolls a failing batch back atomically: no table, no row, no bookkeeping of it', async () => {
    const failing = path.join(import.meta.dirname, 'fixtures/failing-migration');
    await expect(migrate({ databaseUrl: postgres.url, direction: 'up', dir: failing })).rejects.toThrow(
      /price_cents/,
    );
    const existing = await tables();
    expect(existing).not.toContain('half_done');
    expect(existing, 'the earlier migrations of the same batch were rolled back too').not.toContain(
      'listings',
    );
    if (existing.includes('pgmigrations')) {
      expect((await pool.query('SELECT name FROM pgmigrations')).rows).toEqual([]);
    }
    // The real migrations still apply cleanly afterwards.
    expect(await migrate({ databaseUrl: postgres.url, direction: 'up', dir: MIGRATIONS_DIR })).toHaveLength(
      3,
    );
  });
});
