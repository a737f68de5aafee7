import type { MetricSample } from '../sink/model.ts';

// The Prometheus text exposition format, read the way Prometheus ingests it: every sample line is
// one series (`name{label="value",…} value [timestamp]`), histograms and summaries included as
// their _bucket/_sum/_count lines. (parse-prometheus-text-format 1.1.1, the parser on npm, merges
// the buckets of differently-labelled histogram series and drops their labels, _sum and _count.)

const SAMPLE_NAME = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

function unescapeLabelValue(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string, line: string, lineNumber: number): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value))
    throw new Error(`line ${lineNumber}: "${line}" has no numeric value`);
  return value;
}

/** Parses exposition text into one sample per sample line; comments and blank lines are skipped. */
export function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const name = SAMPLE_NAME.exec(line)?.[1];
    if (!name) throw new Error(`line ${index + 1}: "${line}" does not start with a metric name`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      LABEL.lastIndex = 1;
      while (rest[LABEL.lastIndex] !== '}') {
        const start = LABEL.lastIndex;
        const match = LABEL.exec(rest);
        if (!match?.[1] || match[2] === undefined) {
          throw new Error(`line ${index + 1}: cannot read the labels at "${rest.slice(start)}"`);
        }
        labels[match[1]] = unescapeLabelValue(match[2]);
        while (rest[LABEL.lastIndex] === ' ') LABEL.lastIndex += 1;
      }
      rest = rest.slice(LABEL.lastIndex + 1);
    }
    const [value = ''] = rest.trim().split(/\s+/);
    samples.push({ name, labels, value: parseValue(value, line, index + 1) });
  });
  return samples;
}
