import { describe, expect, it } from 'vitest';
import type { ContainerStatus } from './progress.ts';
import { formatEvent, parsePs, readiness, StartupProgress } from './progress.ts';

const status = (service: string, state: string, health = '', exitCode = 0): ContainerStatus => ({
  service,
  name: `p-${service}-1`,
  state,
  health,
  exitCode,
});

describe('reading docker compose ps', () => {
  it('reads one JSON object per line (compose >= 2.21) and a JSON array (older)', () => {
    const line = '{"Service":"prometheus","Name":"p-1","State":"running","Health":"healthy","ExitCode":0}';
    expect(parsePs(`${line}\n`)).toEqual([
      { service: 'prometheus', name: 'p-1', state: 'running', health: 'healthy', exitCode: 0 },
    ]);
    expect(parsePs(`[${line}]`)).toHaveLength(1);
    expect(parsePs('')).toEqual([]);
  });
});

describe('readiness of a component', () => {
  it('is ready when healthy, failed when unhealthy or exited, waiting while starting', () => {
    expect(readiness(status('a', 'running', 'healthy'), false)).toBe('ready');
    expect(readiness(status('a', 'running', 'starting'), false)).toBe('waiting');
    expect(readiness(status('a', 'running', 'unhealthy'), false, true)).toBe('failed');
    expect(readiness(status('a', 'exited', '', 1), false, true)).toBe('failed');
    expect(readiness(undefined, false)).toBe('waiting');
  });

  it('does not call unhealthy or exited final while compose is still starting (an old container may be replaced)', () => {
    expect(readiness(status('a', 'running', 'unhealthy'), false)).toBe('waiting');
    // Stopped for recreation with a new configuration: SIGKILL after compose's 10 s.
    expect(readiness(status('a', 'exited', '', 137), false)).toBe('waiting');
  });

  it('is ready when its container runs and answered its readiness probe, before Docker probed it', () => {
    expect(readiness(status('a', 'running', 'starting'), false, false, true)).toBe('ready');
    // An answer from a container that has since stopped counts for nothing.
    expect(readiness(status('a', 'exited', '', 1), false, true, true)).toBe('failed');
    expect(readiness(status('a', 'created'), false, false, true)).toBe('waiting');
  });

  it('is ready for a one-shot only once it exited 0', () => {
    expect(readiness(status('m', 'running'), true)).toBe('waiting');
    expect(readiness(status('m', 'exited', '', 0), true)).toBe('ready');
    expect(readiness(status('m', 'exited', '', 3), true)).toBe('failed');
  });
});

describe('startup progress', () => {
  it('reports each component once, with its start time since the beginning', () => {
    const progress = new StartupProgress(
      new Map([
        ['prometheus', false],
        ['migrate', true],
      ]),
      1_000,
    );
    expect(progress.update([status('prometheus', 'running', 'starting')], 2_000)).toEqual([]);
    const first = progress.update([status('prometheus', 'running', 'healthy')], 4_500);
    expect(first).toEqual([{ service: 'prometheus', readiness: 'ready', seconds: 3.5, detail: 'healthy' }]);
    expect(progress.update([status('prometheus', 'running', 'healthy')], 5_000)).toEqual([]);
    expect(progress.pending()).toEqual(['migrate']);
  });

  it('says "ready" for a component seen ready by its probe, and stops waiting for what it leaves out', () => {
    const progress = new StartupProgress(
      new Map([
        ['gateway', false],
        ['gateway-migrate', true],
      ]),
      0,
    );
    progress.leaveOut(['gateway-migrate']);
    const [event] = progress.update(
      [status('gateway', 'running', 'starting')],
      1_500,
      false,
      new Set(['gateway']),
    );
    expect(event).toEqual({ service: 'gateway', readiness: 'ready', seconds: 1.5, detail: 'ready' });
    expect(progress.pending()).toEqual([]);
    expect(progress.failed()).toEqual([]);
  });

  it('names a component that failed and where to look', () => {
    const progress = new StartupProgress(new Map([['migrate', true]]), 0);
    const [event] = progress.update([status('migrate', 'exited', '', 2)], 2_000);
    expect(event && formatEvent(event)).toMatch(
      /✗ migrate +exited with code 2 +2\.0s — see its logs: npm run dev:logs migrate$/,
    );
  });
});
