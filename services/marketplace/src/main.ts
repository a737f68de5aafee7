// Started as `node --import @telemetry-kit/telemetry/register src/main.ts`. Migrations are not run
// here: they are a one-shot step (src/migrate-cli.ts) before the service starts.
import { FaultInjector, faultsFromEnv, serve, startFeatureFlags } from '@telemetry-kit/service-kit';
import { startTelemetry } from '@telemetry-kit/telemetry';
import pg from 'pg';
import { buildMarketplaceApp } from './app.ts';
import { loadConfig } from './config.ts';
import { marketplaceMetrics } from './metrics.ts';
import { SCHEMA } from './migrate.ts';
import { MarketplaceStore } from './store.ts';

const telemetry = startTelemetry({ serviceName: 'marketplace' });
const config = loadConfig();
const pool = new pg.Pool({
  connectionString: config.DATABASE_URL,
  max: config.DATABASE_POOL_MAX,
  options: `-c search_path=${SCHEMA}`,
  connectionTimeoutMillis: 5000,
});
pool.on('error', (error) => telemetry.logger.warn({ err: error }, 'idle Postgres connection failed'));
const store = new MarketplaceStore(pool);
const flags = await startFeatureFlags({ file: config.FLAGS_FILE, logger: telemetry.logger });
const metrics = marketplaceMetrics(telemetry, () => store.countActive());
await metrics.refresh();
setInterval(() => void metrics.refresh(), 30_000).unref();
telemetry.addReadinessCheck({ name: 'postgres', check: () => store.ping(), timeoutMs: 2000 });

const app = buildMarketplaceApp({
  store,
  metrics,
  telemetry,
  flags,
  faults: new FaultInjector(faultsFromEnv()),
  adminToken: config.ADMIN_TOKEN,
});
await serve(app, telemetry, {
  port: config.PORT,
  beforeExit: async () => {
    await flags.close();
    await pool.end();
  },
});
