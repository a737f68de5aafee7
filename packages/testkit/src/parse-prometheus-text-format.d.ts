// Types for parse-prometheus-text-format 1.1 (it ships none): one family per metric name,
// values as the strings of the exposition text.
declare module 'parse-prometheus-text-format' {
  interface PrometheusFamily {
    name: string;
    help: string;
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    metrics: Array<{
      labels?: Record<string, string>;
      value?: string;
      buckets?: Record<string, string>;
      quantiles?: Record<string, string>;
      count?: string;
      sum?: string;
    }>;
  }
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}
