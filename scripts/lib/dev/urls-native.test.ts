import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './compose.ts';
import type { DevService } from './model.ts';
import { NATIVE_PORTS, nativeEnvironment, nativePlan, unbuiltServices } from './native.ts';
import { formatBytes, parseDockerSize } from './units.ts';
import { entryPoints, formatTable } from './urls.ts';

const running = (name: string, hostPort: number): DevService => ({
  name,
  profiles: [],
  image: name,
  ports: [{ service: name, hostIp: '127.0.0.1', hostPort, containerPort: hostPort }],
  dependsOn: [],
  oneShot: false,
  memoryLimitBytes: 0,
  memoryReservationBytes: 0,
});

describe('the URL table', () => {
  it('lists the entry points that run, in a fixed order, at their published ports', () => {
    const rows = entryPoints([running('prometheus', 9090), running('web', 3000), running('postgres', 5432)]);
    expect(rows).toEqual([
      { label: 'Web app', url: 'http://localhost:3000/' },
      { label: 'Prometheus', url: 'http://localhost:9090/' },
    ]);
    expect(formatTable(rows)).toBe(
      '  Web app     http://localhost:3000/\n  Prometheus  http://localhost:9090/',
    );
  });
});

describe('--native', () => {
  it('gives each service the port Prometheus scrapes on the host (compose/prometheus/targets/native)', () => {
    for (const [service, port] of Object.entries(NATIVE_PORTS)) {
      const file = path.join(REPO_ROOT, 'compose/prometheus/targets/native', `${service}.generated.json`);
      const targets = JSON.parse(readFileSync(file, 'utf8')) as Array<{ targets: string[] }>;
      expect(targets[0]?.targets, file).toEqual([`host.docker.internal:${port}`]);
      expect(nativeEnvironment(service).PORT).toBe(String(port));
    }
  });

  it('points every peer and backend at localhost', () => {
    const env = nativeEnvironment('gateway');
    expect(env.RITUALS_URL).toBe(`http://localhost:${NATIVE_PORTS.rituals}`);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://localhost:4318');
    expect(env.DATABASE_URL).toMatch(/@localhost:5432\//);
  });

  it('runs each service that has an entry module under Node watching its folders, and names the others', () => {
    const plan = nativePlan(REPO_ROOT);
    for (const p of plan.processes) {
      expect(p.command[0]).toBe('node');
      expect(p.command).toContain(`--watch-path=${path.join('services', p.service, 'src')}`);
      expect(p.command.at(-1)).toBe(path.join('services', p.service, 'src/main.ts'));
    }
    expect([...plan.processes.map((p) => p.service), ...plan.missing.map((m) => m.service)].sort()).toEqual(
      Object.keys(NATIVE_PORTS).sort(),
    );
  });
});

describe('sizes', () => {
  it('reads docker stats sizes and prints bytes for people', () => {
    expect(parseDockerSize('60.02MiB')).toBeCloseTo(60.02 * 2 ** 20);
    expect(parseDockerSize('1GiB')).toBe(2 ** 30);
    expect(parseDockerSize('512kB')).toBe(512_000);
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(300 * 2 ** 20)).toBe('300 MiB');
  });
});

describe('--native builds what an image build would have', () => {
  it('names a service with a build step and no dist/, and not one without a build step', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'native-build-'));
    try {
      for (const [service, scripts] of [
        ['web', { build: 'vite build' }],
        ['gateway', { start: 'node src/main.ts' }],
      ] as const) {
        mkdirSync(path.join(root, 'services', service), { recursive: true });
        writeFileSync(path.join(root, 'services', service, 'package.json'), JSON.stringify({ scripts }));
      }
      expect(unbuiltServices(root, ['web', 'gateway'])).toEqual(['web']);
      mkdirSync(path.join(root, 'services/web/dist'));
      expect(unbuiltServices(root, ['web', 'gateway'])).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
