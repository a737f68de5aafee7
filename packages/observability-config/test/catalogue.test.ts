import { describe, expect, it } from 'vitest';
import { isCatalogued, parseCatalogue } from '../src/catalogue.ts';

const markdown = [
  'Services append `_total` to counters; `up{job="<service>"}` is the downtime signal.',
  '## gateway',
  '| Prometheus name | type | labels |',
  '|---|---|---|',
  '| `user_logins_total` | counter | `outcome` (`success`/`failure`) |',
  '| `nodejs_eventloop_delay_p99_seconds`, `v8js_memory_heap_used_bytes`, … | gauges | as emitted |',
  '## rituals',
  '| `ritual_audio_generation_duration_seconds` | histogram | `outcome` |',
  'Span metrics: `traces_spanmetrics_calls_total` (labels `service`, `span_name`).',
].join('\n');

describe('the metric catalogue parser', () => {
  const catalogue = parseCatalogue(markdown);

  it('takes names from the first column of tables, by section', () => {
    expect([...(catalogue.sections.get('gateway') ?? [])]).toEqual([
      'user_logins_total',
      'nodejs_eventloop_delay_p99_seconds',
      'v8js_memory_heap_used_bytes',
    ]);
  });

  it('takes series named in prose but not label names or bare suffixes', () => {
    expect(catalogue.names.has('up')).toBe(true);
    expect(catalogue.names.has('traces_spanmetrics_calls_total')).toBe(true);
    expect(catalogue.names.has('span_name')).toBe(false);
    expect(catalogue.names.has('outcome')).toBe(false);
    expect(catalogue.names.has('_total')).toBe(false);
  });

  it('accepts the _bucket, _count and _sum series of a catalogued histogram, and nothing invented', () => {
    expect(isCatalogued(catalogue, 'ritual_audio_generation_duration_seconds_bucket')).toBe(true);
    expect(isCatalogued(catalogue, 'ritual_audio_generation_duration_seconds_count')).toBe(true);
    expect(isCatalogued(catalogue, 'ritual_audio_generation_seconds_bucket')).toBe(false);
    expect(isCatalogued(catalogue, 'user_logouts_total')).toBe(false);
  });
});
