// The metric catalogue (docs/metrics.md, plus grafana/infrastructure-metrics.md for the host and
// container series the kit does not emit itself): which Prometheus names exist, by section.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SOURCE } from './paths.ts';

export interface Catalogue {
  /** Every catalogued metric name. */
  names: Set<string>;
  /** Names by the `## heading` they are listed under (e.g. `gateway`, `Every service (packages/telemetry)`). */
  sections: Map<string, Set<string>>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// In prose, only tokens that are unmistakably series: `name{…}` selectors and names with a metric suffix.
const PROSE_SERIES = /^([a-z][a-z0-9_:]*)(\{.*\})?$/;
const METRIC_SUFFIX = /_(total|bucket|count|sum|seconds|bytes)$/;

function backticked(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

/** Parses catalogue markdown: names in the first column of tables, and series named in prose. */
export function parseCatalogue(markdown: string, into?: Catalogue): Catalogue {
  const catalogue = into ?? { names: new Set<string>(), sections: new Map<string, Set<string>>() };
  let section = '(top)';
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,}\s+(.*)$/.exec(line);
    if (heading?.[1]) {
      section = heading[1].trim();
      continue;
    }
    let candidates: string[];
    if (line.startsWith('|')) {
      const firstCell = line.split('|')[1] ?? '';
      candidates = backticked(firstCell).filter((token) => METRIC_NAME.test(token));
    } else {
      candidates = backticked(line).flatMap((token) => {
        const match = PROSE_SERIES.exec(token);
        if (!match?.[1]) return [];
        return match[2] || METRIC_SUFFIX.test(match[1]) ? [match[1]] : [];
      });
    }
    for (const name of candidates) {
      catalogue.names.add(name);
      const names = catalogue.sections.get(section) ?? new Set<string>();
      names.add(name);
      catalogue.sections.set(section, names);
    }
  }
  return catalogue;
}

export function loadCatalogue(root: string): Catalogue {
  const catalogue = parseCatalogue(readFileSync(path.join(root, SOURCE.catalogue), 'utf8'));
  return parseCatalogue(readFileSync(path.join(root, SOURCE.infrastructureCatalogue), 'utf8'), catalogue);
}

const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

/** Whether a name a query selects is catalogued: as itself, or as a series of a catalogued histogram. */
export function isCatalogued(catalogue: Catalogue, name: string): boolean {
  if (catalogue.names.has(name)) return true;
  const base = name.replace(HISTOGRAM_SERIES, '');
  return base !== name && (catalogue.names.has(base) || catalogue.names.has(`${base}_bucket`));
}
