import { describe, expect, it } from 'vitest';
import { Health } from '../src/health.ts';

describe('Health', () => {
  it('is ready with no checks and live always', async () => {
    const health = new Health();
    expect(health.liveness()).toEqual({ status: 'ok' });
    expect((await health.readiness()).ready).toBe(true);
  });

  it('is not ready when a check rejects, resolves false or times out, and says which', async () => {
    const health = new Health();
    health.addCheck({ name: 'ok', check: async () => true });
    health.addCheck({
      name: 'down',
      check: async () => Promise.reject(new Error('ECONNREFUSED postgres://u:pw@db')),
    });
    health.addCheck({ name: 'false', check: async () => false });
    health.addCheck({
      name: 'slow',
      timeoutMs: 20,
      check: (signal) => new Promise((r) => signal.addEventListener('abort', r)),
    });
    const readiness = await health.readiness();
    expect(readiness.ready).toBe(false);
    const byName = Object.fromEntries(readiness.checks.map((c) => [c.name, c]));
    expect(byName.ok?.ok).toBe(true);
    expect(byName.down).toMatchObject({ ok: false });
    expect(byName.down?.error).not.toContain('pw');
    expect(byName.false?.ok).toBe(false);
    expect(byName.slow).toMatchObject({ ok: false, error: 'timed out after 20 ms' });
  });

  it('stays ready but degraded when only a check that is not required fails', async () => {
    const health = new Health();
    health.addCheck({ name: 'postgres', check: async () => true });
    health.addCheck({
      name: 'llm',
      required: false,
      check: async () => Promise.reject(new Error('ECONNREFUSED')),
    });
    const readiness = await health.readiness();
    expect(readiness).toMatchObject({ ready: true, degraded: true });
    expect(readiness.checks.find((c) => c.name === 'llm')).toMatchObject({ ok: false, required: false });

    health.addCheck({ name: 'storage', check: async () => false });
    expect(await health.readiness()).toMatchObject({ ready: false, degraded: true });
  });

  it('turns not ready while draining, whatever the checks say', async () => {
    const health = new Health();
    health.addCheck({ name: 'ok', check: async () => true });
    health.startDraining();
    expect(await health.readiness()).toMatchObject({ ready: false, draining: true });
  });
});
