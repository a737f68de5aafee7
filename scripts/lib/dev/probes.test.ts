import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_FILE } from './compose.ts';
import { hasStartInterval, PROBES_COMPOSE_FILE, probedServices, writeProbesOverlay } from './probes.ts';

describe('the probes overlay: a probe a second while starting, where the engine has start_interval', () => {
  it('knows start_interval from API 1.44 (Engine 25) on, not before', () => {
    expect(hasStartInterval('1.41')).toBe(false); // Engine 20.10
    expect(hasStartInterval('1.43')).toBe(false);
    expect(hasStartInterval('1.44')).toBe(true);
    expect(hasStartInterval('1.51')).toBe(true);
    expect(hasStartInterval('2.0')).toBe(true);
  });

  it('covers every service compose.yaml probes, and no one-shot (they have none)', () => {
    const services = probedServices(COMPOSE_FILE);
    expect(services).toEqual(expect.arrayContaining(['postgres', 'gateway', 'web', 'prometheus']));
    expect(services).not.toContain('gateway-migrate');
    expect(services).not.toContain('marketplace-migrate');
  });

  it('is written for a new engine, kept as it is, and removed for an old one', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'probes-'));
    const file = path.join(root, PROBES_COMPOSE_FILE);
    expect(writeProbesOverlay(root, COMPOSE_FILE, '1.45')).toBe(true);
    const overlay = JSON.parse(readFileSync(file, 'utf8')) as {
      services: Record<string, { healthcheck: { start_interval: string } }>;
    };
    expect(Object.keys(overlay.services)).toEqual(probedServices(COMPOSE_FILE));
    for (const service of Object.values(overlay.services))
      expect(service.healthcheck.start_interval).toBe('1s');
    expect(writeProbesOverlay(root, COMPOSE_FILE, '1.45'), 'unchanged').toBe(false);
    expect(writeProbesOverlay(root, COMPOSE_FILE, '1.41')).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(writeProbesOverlay(root, COMPOSE_FILE, undefined), 'nothing to remove').toBe(false);
  });
});
