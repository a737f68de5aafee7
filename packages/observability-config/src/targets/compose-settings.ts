// Development's declared values written into compose's hand-written configuration: Loki's and Tempo's
// retention and Prometheus' scrape and evaluation intervals (grafana/environments.yaml, environments.development).
// Everything else in those files stays as written, comments included; `npm run generate -- --check`
// fails when a value there differs from the declaration, and `npm run parity` reads them as deployed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isScalar, parseDocument } from 'yaml';
import { SOURCE, TARGET } from '../paths.ts';
import type { Settings } from '../settings.ts';
import { durationSeconds } from '../settings.ts';

/** Loki and Tempo state retention in hours (168h), as their docs do; the settings may say 7d. */
export const hours = (duration: string) => `${durationSeconds(duration) / 3600}h`;

/** Where Tempo 3.0 keeps its block retention (the compactor's moved to the backend worker). */
export const TEMPO_RETENTION_KEYS = ['backend_worker', 'compaction', 'block_retention'];

/** The hand-written files `npm run generate` writes declared values into (each says so in a comment). */
export const COMPOSE_SETTINGS_FILES = [
  TARGET.composePrometheus,
  TARGET.composeLoki,
  TARGET.composeTempo,
] as const;

/** What compose's configuration files hold of development's settings, read back for parity. */
export function composeDeployedValues(root: string) {
  const prometheus = parseDocument(readFileSync(path.join(root, TARGET.composePrometheus), 'utf8'));
  const loki = parseDocument(readFileSync(path.join(root, TARGET.composeLoki), 'utf8'));
  const tempo = parseDocument(readFileSync(path.join(root, TARGET.composeTempo), 'utf8'));
  return {
    scrapeInterval: String(prometheus.getIn(['global', 'scrape_interval'])),
    evaluationInterval: String(prometheus.getIn(['global', 'evaluation_interval'])),
    lokiRetention: String(loki.getIn(['limits_config', 'retention_period'])),
    traceRetention: String(tempo.getIn(TEMPO_RETENTION_KEYS)),
  };
}

/** Replaces the scalar at `keys` in a YAML text, leaving every other byte (comments, layout) as it is. */
function withScalar(text: string, file: string, keys: string[], value: string): string {
  const node = parseDocument(text).getIn(keys, true);
  if (!isScalar(node) || !node.range)
    throw new Error(`${file}: ${keys.join('.')} is missing — it holds a declared value`);
  return `${text.slice(0, node.range[0])}${value}${text.slice(node.range[1])}`;
}

export function renderComposeSettings(root: string, settings: Settings): Map<string, string> {
  const development = settings.environments.development;
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  let prometheus = read(TARGET.composePrometheus);
  prometheus = withScalar(
    prometheus,
    TARGET.composePrometheus,
    ['global', 'scrape_interval'],
    development.scrapeInterval,
  );
  prometheus = withScalar(
    prometheus,
    TARGET.composePrometheus,
    ['global', 'evaluation_interval'],
    development.evaluationInterval,
  );
  const timeout = parseDocument(prometheus).getIn(['global', 'scrape_timeout']);
  if (typeof timeout === 'string' && durationSeconds(timeout) > durationSeconds(development.scrapeInterval)) {
    throw new Error(
      `${TARGET.composePrometheus}: scrape_timeout ${timeout} exceeds development's scrapeInterval ` +
        `${development.scrapeInterval} (${SOURCE.settings}) — lower the timeout`,
    );
  }
  const loki = withScalar(
    read(TARGET.composeLoki),
    TARGET.composeLoki,
    ['limits_config', 'retention_period'],
    hours(development.lokiRetention),
  );
  const tempo = withScalar(
    read(TARGET.composeTempo),
    TARGET.composeTempo,
    TEMPO_RETENTION_KEYS,
    hours(development.traceRetention),
  );
  return new Map([
    [TARGET.composePrometheus, prometheus],
    [TARGET.composeLoki, loki],
    [TARGET.composeTempo, tempo],
  ]);
}
