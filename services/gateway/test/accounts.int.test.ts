import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword, newSessionToken, PgAccountStore, verifyPassword } from '../src/accounts.ts';
import { migrate, SCHEMA } from '../src/migrate.ts';

describeWithContainers('gateway accounts in Postgres 17', { images: ['POSTGRES_IMAGE'] }, () => {
  let postgres: StartedPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    postgres = await startPostgres();
    pool = new pg.Pool({ connectionString: postgres.url, options: `-c search_path=${SCHEMA}` });
  });

  afterAll(async () => {
    await pool?.end();
    await postgres?.stop();
  });

  it('migrates up, down and up again into the gateway schema', async () => {
    expect(await migrate({ databaseUrl: postgres.url, direction: 'up' })).toEqual([
      '1764150000000_create-users-and-sessions',
    ]);
    expect(await migrate({ databaseUrl: postgres.url, direction: 'down' })).toEqual([
      '1764150000000_create-users-and-sessions',
    ]);
    const { rows } = await pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'pgmigrations'",
      [SCHEMA],
    );
    expect(rows, 'down leaves no gateway tables').toEqual([]);
    expect(await migrate({ databaseUrl: postgres.url, direction: 'up' })).toHaveLength(1);
  });

  it('stores users with a password hash and sessions by token hash only, and expires sessions', async () => {
    const store = new PgAccountStore(pool);
    const user = await store.createUser(
      'ada@example.test',
      'Ada',
      await hashPassword('a long enough password'),
    );
    expect(user).toBeDefined();
    expect(
      await store.createUser('ada@example.test', 'Ada again', 'x'),
      'one account per email',
    ).toBeUndefined();

    const found = await store.findByEmail('ada@example.test');
    expect(await verifyPassword('a long enough password', found?.passwordHash)).toBe(true);

    const { token, hash } = newSessionToken();
    const now = new Date();
    await store.createSession(hash, user?.id as string, new Date(now.getTime() + 60_000));
    expect((await store.findSessionUser(hash, now))?.id).toBe(user?.id);
    expect(await store.findSessionUser(hash, new Date(now.getTime() + 120_000)), 'expired').toBeUndefined();
    expect(await store.countActiveSessions(now)).toBe(1);

    const stored = await pool.query('SELECT token_hash::text AS t FROM sessions');
    expect(JSON.stringify(stored.rows)).not.toContain(token);
    expect(await store.deleteSession(hash)).toBe(true);
    expect(await store.countActiveSessions(now)).toBe(0);
  });
});
