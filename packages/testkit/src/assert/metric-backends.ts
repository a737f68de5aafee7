import type { MetricSample } from '../sink/model.ts';
import type { MetricBackend } from './backend.ts';
import { parseExposition } from './exposition.ts';
import { parseSelector, selectSamples } from './selector.ts';

interface PromResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** Prometheus' HTTP API as a metric backend: `samples(query)` runs an instant PromQL query. */
export function prometheusBackend(target: string | { url: string }): MetricBackend {
  const url = typeof target === 'string' ? target : target.url;
  return {
    description: `Prometheus at ${url}`,
    async samples(promql: string): Promise<MetricSample[]> {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
      const body = (await response.json()) as PromResponse;
      if (body.status !== 'success' || !body.data) {
        throw new Error(
          `Prometheus query ${JSON.stringify(promql)} failed: ${body.error ?? response.statusText}`,
        );
      }
      const { resultType, result } = body.data;
      if (resultType === 'scalar') {
        const [, value] = result as [number, string];
        return [{ name: '', labels: {}, value: Number(value) }];
      }
      if (resultType !== 'vector') {
        throw new Error(
          `Prometheus query ${JSON.stringify(promql)} returned a ${resultType}; ask for an instant vector`,
        );
      }
      return (result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => {
        const { __name__: name = '', ...labels } = r.metric;
        return { name, labels, value: Number(r.value[1]) };
      });
    },
  };
}

/**
 * A service's /metrics page as a metric backend, fetched afresh on every attempt. It answers series
 * selectors (`name{label="value"}`); anything that needs PromQL evaluation needs Prometheus.
 */
export function metricsPageBackend(url: string): MetricBackend {
  return {
    description: `the metrics page ${url}`,
    async samples(selector: string): Promise<MetricSample[]> {
      const parsed = parseSelector(selector);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
      return selectSamples(parseExposition(await response.text()), parsed);
    },
  };
}
