import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorTracker } from '../src/errors.ts';
import type { Health } from '../src/health.ts';
import { processLifecycle, SHUTDOWN_FLUSH_MS, UNREACHABLE_FLUSH_MS } from '../src/process-lifecycle.ts';

/** A lifecycle whose SDK never finishes stopping (an endpoint that never answers). */
function lifecycle(exportFailing: boolean) {
  const logger = { flush: vi.fn(), info: vi.fn(), warn: vi.fn() };
  return processLifecycle({
    logger: logger as never,
    errors: {} as ErrorTracker,
    health: {} as Health,
    stopSdk: () => new Promise<void>(() => {}),
    exportFailing: () => exportFailing,
    crashHandlers: false,
    crashScrapeWaitMs: 0,
  });
}

const settledAfter = async (promise: Promise<void>, ms: number) => {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  await vi.advanceTimersByTimeAsync(ms);
  return settled;
};

describe('the shutdown flush', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
  });

  it('waits up to SHUTDOWN_FLUSH_MS for an endpoint that took the last batch', async () => {
    vi.useFakeTimers();
    const shutdown = lifecycle(false).shutdown();
    expect(await settledAfter(shutdown, UNREACHABLE_FLUSH_MS), 'still flushing').toBe(false);
    expect(await settledAfter(shutdown, SHUTDOWN_FLUSH_MS - UNREACHABLE_FLUSH_MS)).toBe(true);
  });

  it('gives up after UNREACHABLE_FLUSH_MS when the last export failed: the process is replaced sooner', async () => {
    vi.useFakeTimers();
    const shutdown = lifecycle(true).shutdown();
    expect(await settledAfter(shutdown, UNREACHABLE_FLUSH_MS - 1), 'still flushing').toBe(false);
    expect(await settledAfter(shutdown, 1)).toBe(true);
  });

  it('waits no longer than TELEMETRY_SHUTDOWN_FLUSH_MS (a reload under --watch or --native sets it short)', async () => {
    vi.useFakeTimers();
    vi.stubEnv('TELEMETRY_SHUTDOWN_FLUSH_MS', '250');
    const shutdown = lifecycle(false).shutdown();
    expect(await settledAfter(shutdown, 249), 'still flushing').toBe(false);
    expect(await settledAfter(shutdown, 1)).toBe(true);
  });
});
