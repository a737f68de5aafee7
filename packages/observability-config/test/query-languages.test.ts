import { describe, expect, it } from 'vitest';
import {
  promqlMetricNames,
  syntaxProblems,
  topLevelThreshold,
  withRangeWindows,
  withThreshold,
} from '../src/query-languages.ts';
import { substituteMacros } from '../src/validate.ts';

describe('query syntax checks', () => {
  it('accepts valid PromQL, LogQL and TraceQL', () => {
    expect(
      syntaxProblems('promql', 'sum by (job) (rate(http_server_request_duration_seconds_count[5m]))'),
    ).toEqual([]);
    expect(syntaxProblems('logql', 'sum by (type) (count_over_time({app="web"} | logfmt [5m]))')).toEqual([]);
    expect(syntaxProblems('traceql', '{ resource.service.name = "gateway" && status = error }')).toEqual([]);
  });

  it('reports the line and column of a PromQL error', () => {
    const [problem] = syntaxProblems('promql', 'sum(rate(x[5m])\n  / ');
    expect(problem, 'an unbalanced parenthesis and a dangling operator must be reported').toBeDefined();
    expect(problem?.line).toBe(2);
  });

  it('rejects LogQL without a stream selector and TraceQL with an unclosed spanset', () => {
    expect(syntaxProblems('logql', 'count_over_time(| logfmt [5m])')).not.toEqual([]);
    expect(syntaxProblems('traceql', '{ status = error ')).not.toEqual([]);
  });

  it('treats an empty expression as a problem', () => {
    expect(syntaxProblems('promql', '  ')).toHaveLength(1);
  });

  it('reports Grafana macros as errors until they are substituted', () => {
    const expr = 'rate(x[$__rate_interval])';
    expect(syntaxProblems('promql', expr)).not.toEqual([]);
    expect(syntaxProblems('promql', substituteMacros(expr))).toEqual([]);
  });
});

describe('PromQL helpers', () => {
  it('lists the metric names an expression selects, not functions or labels', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{job="x"}[5m]))) / on (job) b > 1',
      ).sort(),
    ).toEqual(['a_bucket', 'b']);
  });

  it('finds the threshold of a top-level comparison and nothing else', () => {
    expect(topLevelThreshold('histogram_quantile(0.95, x) > 20')?.value).toBe(20);
    expect(topLevelThreshold('a > 1 and b > 2')).toBeUndefined();
    expect(topLevelThreshold('rate(x[5m])')).toBeUndefined();
  });

  it('replaces a threshold, and refuses an expression without one, naming the alert', () => {
    expect(withThreshold('x > 20', 12, 'LLMLatencyHigh')).toBe('x > 12');
    expect(() => withThreshold('a > 1 and b > 2', 3, 'Combined')).toThrow(
      /Combined: a per-environment threshold/,
    );
  });

  it('compresses range windows through the map and leaves offsets alone', () => {
    expect(withRangeWindows('rate(x[5m] offset 1h) / rate(x[1h])', { '5m': '10s', '1h': '30s' })).toBe(
      'rate(x[10s] offset 1h) / rate(x[30s])',
    );
  });
});
