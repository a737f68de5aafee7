import type { MetricSample } from '../sink/model.ts';
import type { MetricBackend } from './backend.ts';
import { listAtMost } from './match.ts';
import type { WaitOptions } from './poll.ts';
import { pollUntil } from './poll.ts';

/** Bounds every returned series' value must meet. */
export interface ValueBounds {
  equals?: number;
  atLeast?: number;
  atMost?: number;
  above?: number;
  below?: number;
}

export interface MetricExpectation {
  /** PromQL for Prometheus; a series selector (`name{label="value"}`) for a /metrics page or the sink. */
  query: string;
  /** What each series' value must be; a number means `equals`. Without it, any value passes. */
  value?: number | ValueBounds;
  /** Exactly this many series (default: at least one). */
  series?: number;
}

function bounds(value: MetricExpectation['value']): ValueBounds {
  return typeof value === 'number' ? { equals: value } : (value ?? {});
}

function describeBounds(b: ValueBounds): string {
  const parts: string[] = [];
  if (b.equals !== undefined) parts.push(`== ${b.equals}`);
  if (b.atLeast !== undefined) parts.push(`>= ${b.atLeast}`);
  if (b.atMost !== undefined) parts.push(`<= ${b.atMost}`);
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  return parts.join(' and ');
}

function within(b: ValueBounds, v: number): boolean {
  return (
    (b.equals === undefined || v === b.equals) &&
    (b.atLeast === undefined || v >= b.atLeast) &&
    (b.atMost === undefined || v <= b.atMost) &&
    (b.above === undefined || v > b.above) &&
    (b.below === undefined || v < b.below)
  );
}

function describeSample(sample: MetricSample): string {
  const labels = Object.entries(sample.labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(', ');
  return `${sample.name}{${labels}} ${sample.value}`;
}

/**
 * Waits until `query` returns series whose values all meet the bounds (and, with `series`, exactly
 * that many of them); returns the samples. Works against Prometheus (PromQL), a /metrics page or
 * the sink (series selectors).
 */
export async function expectMetric(
  backend: MetricBackend,
  expectation: MetricExpectation,
  options: WaitOptions = {},
): Promise<MetricSample[]> {
  const b = bounds(expectation.value);
  const count =
    expectation.series === undefined ? 'at least one series' : `exactly ${expectation.series} series`;
  const condition = describeBounds(b);
  const expected = `${JSON.stringify(expectation.query)} in ${backend.description} to return ${count}${
    condition ? `, each ${condition}` : ''
  }`;
  return pollUntil(
    expected,
    async () => {
      const samples = await backend.samples(expectation.query);
      const countOk =
        expectation.series === undefined ? samples.length > 0 : samples.length === expectation.series;
      if (countOk && samples.every((s) => within(b, s.value))) return { ok: true, value: samples };
      return {
        ok: false,
        seen:
          samples.length === 0
            ? 'no series'
            : `${samples.length} series:\n${listAtMost(samples.map(describeSample), 20)}`,
      };
    },
    options,
  );
}
