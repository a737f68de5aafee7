import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMPOSE_DIR } from '../config-source.ts';
import { activeTargets, scrapeJobs, TARGET_TEMPLATES_DIR, writeActiveTargets } from './scrape-targets.ts';

const targetsOf = (files: Map<string, string>, job: string) =>
  (JSON.parse(files.get(`${job}.json`) ?? 'null') as Array<{ targets: string[] }>).flatMap((g) => g.targets);

describe('Prometheus targets for what npm run dev starts', () => {
  it('scrapes a left-out component nowhere, so it cannot page as ServiceDown', () => {
    // Loki, Tempo, Alloy and Grafana left out (their images missing), the app started.
    const files = activeTargets({
      inContainers: [
        'prometheus',
        'alertmanager',
        'node-exporter',
        'gateway',
        'rituals',
        'marketplace',
        'llm-emulator',
        'web',
      ],
    });
    for (const job of ['loki', 'tempo', 'alloy', 'grafana']) expect(targetsOf(files, job), job).toEqual([]);
    expect(targetsOf(files, 'alertmanager')).toEqual(['alertmanager:9093']);
    expect(targetsOf(files, 'gateway')).toEqual(['gateway:8080']);
  });

  it('scrapes no reference service when only the telemetry profile runs', () => {
    const files = activeTargets({ inContainers: ['prometheus', 'loki', 'tempo'] });
    for (const job of ['gateway', 'rituals', 'marketplace', 'llm-emulator', 'web'])
      expect(targetsOf(files, job)).toEqual([]);
    expect(targetsOf(files, 'loki')).toEqual(['loki:3100']);
  });

  it('scrapes the services on the host under --native', () => {
    const files = activeTargets({ inContainers: ['postgres', 'prometheus'], onHost: ['gateway'] });
    expect(targetsOf(files, 'gateway')).toEqual(['host.docker.internal:8080']);
    expect(targetsOf(files, 'rituals')).toEqual([]);
  });

  it('writes one file per job and removes files of jobs that no longer exist', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'targets-'));
    writeFileSync(path.join(dir, 'retired-job.json'), '[]');
    writeActiveTargets({ inContainers: ['loki'] }, dir);
    expect(readdirSync(dir).sort()).toEqual([...scrapeJobs().keys()].map((job) => `${job}.json`).sort());
    expect(JSON.parse(readFileSync(path.join(dir, 'loki.json'), 'utf8'))).toEqual([
      { targets: ['loki:3100'] },
    ]);
  });

  it('has a target file for exactly the jobs prometheus.yml reads from files', () => {
    const config = parse(readFileSync(path.join(COMPOSE_DIR, 'prometheus/prometheus.yml'), 'utf8')) as {
      scrape_configs: Array<{ job_name: string; file_sd_configs?: Array<{ files: string[] }> }>;
    };
    const fromFiles = config.scrape_configs.filter((c) => c.file_sd_configs);
    for (const job of fromFiles) {
      expect(job.file_sd_configs?.[0]?.files).toEqual([`/etc/prometheus/targets/${job.job_name}.json`]);
    }
    expect(fromFiles.map((j) => j.job_name).sort()).toEqual([...scrapeJobs().keys()].sort());
    expect(readdirSync(path.join(TARGET_TEMPLATES_DIR, 'native')).sort()).toEqual(
      readdirSync(path.join(TARGET_TEMPLATES_DIR, 'containers')).sort(),
    );
  });
});
