// Started as `node --import @telemetry-kit/telemetry/register src/main.ts`; migrations of the gateway
// schema are a one-shot step (src/migrate-cli.ts) before it starts.
import { runService } from '@telemetry-kit/service-kit';
import pg from 'pg';
import { PgAccountStore } from './accounts.ts';
import { buildGatewayApp } from './app.ts';
import { gatewayConfig } from './config.ts';
import { gatewayMetrics } from './metrics.ts';
import { SCHEMA } from './migrate.ts';
import { Upstream } from './upstream.ts';

await runService({
  name: 'gateway',
  config: gatewayConfig,
  async build({ config, telemetry, faults, onShutdown, every }) {
    const pool = new pg.Pool({
      connectionString: config.DATABASE_URL,
      max: config.DATABASE_POOL_MAX,
      options: `-c search_path=${SCHEMA}`,
      connectionTimeoutMillis: 5000,
    });
    pool.on('error', (error) => telemetry.logger.warn({ err: error }, 'idle Postgres connection failed'));
    onShutdown(() => pool.end());
    const accounts = new PgAccountStore(pool);
    const rituals = new Upstream('rituals', config.RITUALS_URL, config.RITUALS_TIMEOUT_MS);
    const marketplace = new Upstream('marketplace', config.MARKETPLACE_URL, config.MARKETPLACE_TIMEOUT_MS);
    const metrics = gatewayMetrics(telemetry, () => accounts.countActiveSessions(new Date()));
    await metrics.refresh();
    every('count active sessions', 15_000, () => metrics.refresh());

    telemetry.addReadinessCheck({ name: 'postgres', check: () => accounts.ping(), timeoutMs: 2000 });
    telemetry.addReadinessCheck({ name: 'rituals', check: () => rituals.check(), timeoutMs: 2000 });
    telemetry.addReadinessCheck({ name: 'marketplace', check: () => marketplace.check(), timeoutMs: 2000 });

    return buildGatewayApp({
      accounts,
      rituals,
      marketplace,
      metrics,
      telemetry,
      faults,
      sessionTtlMs: config.SESSION_TTL_HOURS * 3600_000,
      adminToken: config.ADMIN_TOKEN,
    });
  },
});
