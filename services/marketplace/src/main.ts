// Started as `node --import @telemetry-kit/telemetry/register src/main.ts`. Migrations are not run
// here: they are a one-shot step (src/migrate-cli.ts) before the service starts.
import { runService, startFeatureFlags } from '@telemetry-kit/service-kit';
import pg from 'pg';
import { buildMarketplaceApp } from './app.ts';
import { marketplaceConfig } from './config.ts';
import { marketplaceMetrics } from './metrics.ts';
import { SCHEMA } from './migrate.ts';
import { MarketplaceStore } from './store.ts';

await runService({
  name: 'marketplace',
  config: marketplaceConfig,
  async build({ config, telemetry, faults, onShutdown, every }) {
    const pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_MAX,
      options: `-c search_path=${SCHEMA}`,
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', (error) => telemetry.logger.warn({ err: error }, 'idle Postgres connection failed'));
    onShutdown(() => pool.end());
    const store = new MarketplaceStore(pool);
    const flags = await startFeatureFlags({ file: config.FLAGS_FILE, logger: telemetry.logger });
    onShutdown(() => flags.close());
    const metrics = marketplaceMetrics(telemetry, () => store.countActive());
    await metrics.refresh();
    every('count active listings', 30_000, () => metrics.refresh());
    telemetry.addReadinessCheck({ name: 'postgres', check: () => store.ping(), timeoutMs: 2000 });

    return buildMarketplaceApp({
      store,
      metrics,
      telemetry,
      flags,
      faults,
      adminToken: config.ADMIN_TOKEN,
    });
  },
});
