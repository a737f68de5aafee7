import type { MetricSample } from '../sink/model.ts';

/** A Prometheus series selector: `name{label="v", other!="w", re=~"x.*", nre!~"y"}`. */
export interface SeriesSelector {
  name: string | undefined;
  matchers: Array<{ label: string; op: '=' | '!=' | '=~' | '!~'; value: string }>;
}

const SELECTOR = /^\s*([a-zA-Z_:][\w:.]*)?\s*(?:\{(.*)\})?\s*$/s;
const MATCHER = /\s*([a-zA-Z_][\w.]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/**
 * Parses a series selector, the only PromQL a /metrics page or the sink can answer. Anything else
 * (functions, operators, ranges) needs real Prometheus, and the error says so.
 */
export function parseSelector(text: string): SeriesSelector {
  const match = SELECTOR.exec(text);
  const body = match?.[2]?.trim() ?? '';
  if (!match || (match[1] === undefined && body === '')) {
    throw new Error(
      `"${text}" is not a series selector like name{label="value"} — PromQL functions and operators need a Prometheus backend`,
    );
  }
  const matchers: SeriesSelector['matchers'] = [];
  MATCHER.lastIndex = 0;
  while (MATCHER.lastIndex < body.length) {
    const start = MATCHER.lastIndex;
    const m = MATCHER.exec(body);
    if (!m?.[1] || !m[2] || m[3] === undefined) {
      throw new Error(`cannot read the label matcher at "${body.slice(start)}" in selector "${text}"`);
    }
    matchers.push({
      label: m[1],
      op: m[2] as SeriesSelector['matchers'][number]['op'],
      value: JSON.parse(`"${m[3]}"`) as string,
    });
  }
  return { name: match[1], matchers };
}

function matches(sample: MetricSample, selector: SeriesSelector): boolean {
  if (selector.name !== undefined && sample.name !== selector.name) return false;
  return selector.matchers.every(({ label, op, value }) => {
    const actual = label === '__name__' ? sample.name : (sample.labels[label] ?? '');
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      default:
        return !new RegExp(`^(?:${value})$`).test(actual);
    }
  });
}

export function selectSamples(samples: MetricSample[], selector: SeriesSelector): MetricSample[] {
  return samples.filter((sample) => matches(sample, selector));
}
