import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import { TelemetrySink } from '@telemetry-kit/testkit';
import type { ServiceProcess } from './service-process.ts';
import { runOneShot, startServiceProcess } from './service-process.ts';

export interface ReferenceApp {
  sink: TelemetrySink;
  postgres: StartedPostgres;
  services: Record<'llm-emulator' | 'rituals' | 'marketplace' | 'gateway', ServiceProcess>;
  gatewayUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole reference application on this machine: Postgres in a container, migrations run as the
 * one-shot step, then llm-emulator, rituals, marketplace and gateway as processes exporting to one
 * telemetry sink.
 */
export async function startReferenceApp(): Promise<ReferenceApp> {
  const sink = await TelemetrySink.start();
  const postgres = await startPostgres();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rituals-e2e-'));
  const started: ServiceProcess[] = [];
  try {
    const db = { DATABASE_URL: postgres.url };
    await runOneShot('services/marketplace/src/migrate-cli.ts', ['up'], db);
    await runOneShot('services/gateway/src/migrate-cli.ts', ['up'], db);
    const start = async (service: string, env: Record<string, string>) => {
      const running = await startServiceProcess(service, sink, env);
      started.push(running);
      return running;
    };
    const llm = await start('llm-emulator', { LLM_LATENCY_MEDIAN_MS: '20', LLM_LATENCY_P99_MS: '80' });
    const rituals = await start('rituals', { LLM_BASE_URL: `${llm.url}/v1`, RITUALS_DATA_DIR: dataDir });
    const marketplace = await start('marketplace', db);
    const gateway = await start('gateway', {
      ...db,
      RITUALS_URL: rituals.url,
      MARKETPLACE_URL: marketplace.url,
    });
    return {
      sink,
      postgres,
      services: { 'llm-emulator': llm, rituals, marketplace, gateway },
      gatewayUrl: gateway.url,
      stop: async () => {
        await Promise.all(started.map((s) => s.stop()));
        await postgres.stop();
        await sink.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    await postgres.stop();
    await sink.stop();
    throw error;
  }
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One JSON call to the gateway's API, as the web app makes it; a body that is not JSON reads as {}. */
export async function callApi(
  gatewayUrl: string,
  method: string,
  route: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const { body, token, headers = {} } = options;
  const response = await fetch(`${gatewayUrl}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
}
