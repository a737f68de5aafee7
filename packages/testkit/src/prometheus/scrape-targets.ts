import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COMPOSE_DIR } from '../config-source.ts';

// Prometheus scrapes each service through a file_sd file named after its job (the service's name).
// compose/prometheus/targets/ holds where each one answers: containers/ and native/ for the reference
// services (in a container, or on the host under --native), stack/ for the telemetry components.
// `npm run dev` (and LgtmStack) copy the files of what they actually start into the folder Prometheus
// reads, and an empty list for everything else: a component left out (image missing, profile not
// asked for) is not scraped, so it raises no ServiceDown; one that was started and then died still
// does (up == 0).

export const TARGET_TEMPLATES_DIR = path.join(COMPOSE_DIR, 'prometheus/targets');

export type TargetSet = 'containers' | 'native' | 'stack';

/** `gateway.generated.json` (written from the service catalogue) or `loki.json` → the job's name. */
const jobName = (file: string) => file.replace(/(\.generated)?\.json$/, '');

/** Every job with a target file, and the file each set has for it. */
export function scrapeJobs(
  templates = TARGET_TEMPLATES_DIR,
): Map<string, Partial<Record<TargetSet, string>>> {
  const jobs = new Map<string, Partial<Record<TargetSet, string>>>();
  for (const set of ['containers', 'native', 'stack'] as const) {
    for (const file of readdirSync(path.join(templates, set)).filter((f) => f.endsWith('.json'))) {
      jobs.set(jobName(file), { ...jobs.get(jobName(file)), [set]: file });
    }
  }
  return jobs;
}

export interface RunningServices {
  /** Compose services about to run in containers. */
  inContainers: readonly string[];
  /** Services running on the host (`--native`). */
  onHost?: readonly string[];
}

/** Each job's file_sd content: the template of where it runs, or an empty list when it does not. */
export function activeTargets(
  running: RunningServices,
  templates = TARGET_TEMPLATES_DIR,
): Map<string, string> {
  const inContainers = new Set(running.inContainers);
  const onHost = new Set(running.onHost ?? []);
  const files = new Map<string, string>();
  for (const [job, sets] of scrapeJobs(templates)) {
    const set: TargetSet | undefined = onHost.has(job)
      ? 'native'
      : inContainers.has(job)
        ? (['containers', 'stack'] as const).find((s) => sets[s])
        : undefined;
    const template = set ? sets[set] : undefined;
    files.set(
      `${job}.json`,
      template && set ? readFileSync(path.join(templates, set, template), 'utf8') : '[]\n',
    );
  }
  return files;
}

/** Writes the active target files (and only those) into `dir`, the folder Prometheus reads. */
export function writeActiveTargets(running: RunningServices, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const files = activeTargets(running);
  for (const stale of readdirSync(dir).filter((f) => !files.has(f))) rmSync(path.join(dir, stale));
  // Prometheus re-reads a file_sd file when it changes, so a running Prometheus follows a re-run.
  for (const [file, content] of files) writeFileSync(path.join(dir, file), content);
}
