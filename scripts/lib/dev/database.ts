// `npm run dev` asks the development Postgres two things: whether it accepts connections yet, and which
// migrations each schema has applied. It asks over the port compose publishes on the host, with the
// client library the services use: a `docker exec` of pg_isready or psql costs about a second while
// containers start on this engine (runc, containerd and dockerd on two cores), a query a few milliseconds.
import type { Client } from 'pg';
import type { DevService } from './model.ts';

/** The compose service holding the database. */
export const DATABASE_SERVICE = 'postgres';

/** Where the development database answers on the host, and as whom (compose's development-only login). */
export interface DatabaseAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/**
 * The database as the resolved configuration publishes it: postgres's published 5432 (POSTGRES_PORT
 * moves it) and its POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB. Undefined when the plan has no
 * postgres, or it publishes no port, or sets no login.
 */
export function databaseAddress(services: readonly DevService[]): DatabaseAddress | undefined {
  const postgres = services.find((service) => service.name === DATABASE_SERVICE);
  const published = postgres?.ports.find((port) => port.containerPort === 5432);
  const env = postgres?.environment ?? {};
  const { POSTGRES_USER: user, POSTGRES_PASSWORD: password, POSTGRES_DB: database } = env;
  if (!published || !user || !password) return undefined;
  const host = published.hostIp === '0.0.0.0' || published.hostIp === '' ? '127.0.0.1' : published.hostIp;
  return { host, port: published.hostPort, user, password, database: database ?? user };
}

let pgModule: Promise<typeof import('pg')> | undefined;
/** pg, imported once when first needed: about 0.1 s, which `up()` spends beside its other first steps. */
export const loadPg = () => {
  pgModule ??= import('pg');
  return pgModule;
};

/**
 * Runs `use` on a connection, or returns undefined when the database does not accept one (not started,
 * still starting, or not there): the callers decide what not knowing means.
 */
export async function withDatabase<T>(
  address: DatabaseAddress,
  use: (client: Client) => Promise<T>,
  timeoutMs = 2_000,
): Promise<T | undefined> {
  const { default: pg } = await loadPg();
  const client = new pg.Client({ ...address, connectionTimeoutMillis: timeoutMs });
  // A connection the server ends (a restart) is an 'error' event; unhandled, it would end the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch {
    await client.end().catch(() => {});
    return undefined;
  }
  try {
    return await use(client);
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether the database accepts a connection now: what pg_isready answers, asked from the host. */
export async function accepting(address: DatabaseAddress): Promise<boolean> {
  return (await withDatabase(address, async () => true, 1_000)) === true;
}
