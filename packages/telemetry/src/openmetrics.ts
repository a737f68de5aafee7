import type { Attributes } from '@opentelemetry/api';
import type { HistogramMetricData, MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { Exemplar, ExemplarStore } from './exemplars.ts';

// OpenMetrics 1.0 text (https://prometheus.io/docs/specs/om/open_metrics_spec/), the format that
// carries exemplars. Series are named and labelled exactly as @opentelemetry/exporter-prometheus names
// them in the Prometheus text format (test/openmetrics.test.ts compares the two), so a scrape that
// negotiates either format stores the same series.

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Whether a scraper's Accept header asks for OpenMetrics (Prometheus 2.5+ lists it first). */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}

const sanitizeName = (name: string) => {
  const sanitized = name.replace(/[^a-z0-9_]/gi, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(sanitized) ? `_${sanitized}` : sanitized;
};
const escapeLabelValue = (value: unknown) =>
  (typeof value === 'string' ? value : JSON.stringify(value))
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/"/g, '\\"');
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const numberText = (value: number) =>
  value === Number.POSITIVE_INFINITY ? '+Inf' : value === Number.NEGATIVE_INFINITY ? '-Inf' : String(value);

function labelText(...sets: Attributes[]): string {
  const parts: string[] = [];
  for (const set of sets) {
    for (const [key, value] of Object.entries(set)) {
      if (value !== undefined) parts.push(`${sanitizeName(key)}="${escapeLabelValue(value)}"`);
    }
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function exemplarText(exemplar: Exemplar): string {
  const seconds = (exemplar.timeMs / 1000).toFixed(3);
  return ` # {trace_id="${exemplar.traceId}",span_id="${exemplar.spanId}"} ${numberText(exemplar.value)} ${seconds}`;
}

type OmType = 'counter' | 'gauge' | 'histogram';

/** A metric's sample name (counters end in _total), its family name and its OpenMetrics type. */
function naming(metric: MetricData): { sample: string; family: string; type: OmType } | undefined {
  const name = sanitizeName(metric.descriptor.name);
  if (name === '' || name === '_') return undefined;
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      if (!metric.isMonotonic) return { sample: name, family: name, type: 'gauge' };
      {
        const sample = name.endsWith('_total') ? name : `${name}_total`;
        return { sample, family: sample.slice(0, -'_total'.length), type: 'counter' };
      }
    case DataPointType.GAUGE:
      return { sample: name, family: name, type: 'gauge' };
    case DataPointType.HISTOGRAM:
      return { sample: name, family: name, type: 'histogram' };
    default:
      return undefined; // exponential histograms: the kit configures none
  }
}

function histogramLines(
  sample: string,
  metric: HistogramMetricData,
  scope: Attributes,
  exemplars: ExemplarStore | undefined,
): string[] {
  const lines: string[] = [];
  for (const point of metric.dataPoints) {
    const { boundaries, counts } = point.value.buckets;
    const kept = exemplars?.forSeries(metric.descriptor.name, point.attributes);
    let cumulative = 0;
    for (let i = 0; i < counts.length; i += 1) {
      cumulative += counts[i] ?? 0;
      const bound = boundaries[i];
      // The SDK gives one more count than boundaries: the last is the +Inf bucket.
      if (bound === Number.POSITIVE_INFINITY) continue;
      const le = bound === undefined ? '+Inf' : String(bound);
      // An exemplar is only shown in the bucket its value falls in.
      const exemplar = kept?.[i];
      const fits =
        exemplar !== undefined &&
        exemplar.value <= (bound ?? Number.POSITIVE_INFINITY) &&
        (i === 0 || exemplar.value > (boundaries[i - 1] as number));
      lines.push(
        `${sample}_bucket${labelText(point.attributes, scope, { le })} ${cumulative}${fits ? exemplarText(exemplar) : ''}`,
      );
    }
    lines.push(`${sample}_count${labelText(point.attributes, scope)} ${point.value.count}`);
    if (point.value.sum !== undefined) {
      lines.push(`${sample}_sum${labelText(point.attributes, scope)} ${numberText(point.value.sum)}`);
    }
  }
  return lines;
}

/**
 * Renders collected metrics as OpenMetrics text with exemplars on histogram buckets. Families whose
 * instruments disagree on the type are left out, as the Prometheus text serializer leaves them out.
 */
export function serializeOpenMetrics(resourceMetrics: ResourceMetrics, exemplars?: ExemplarStore): string {
  const families = new Map<string, { type: OmType; help: string; lines: string[] } | undefined>();
  families.set('target_info', {
    type: 'gauge',
    help: 'Target metadata',
    lines: [`target_info${labelText(resourceMetrics.resource.attributes)} 1`],
  });
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    const scopeLabels: Attributes = { 'otel.scope.name': scope.name };
    if (scope.schemaUrl) scopeLabels['otel.scope.schema_url'] = scope.schemaUrl;
    if (scope.version) scopeLabels['otel.scope.version'] = scope.version;
    for (const metric of metrics) {
      const names = naming(metric);
      if (!names) continue;
      let family = families.get(names.family);
      if (families.has(names.family) && family?.type !== names.type) {
        families.set(names.family, undefined); // a conflict, or one already found
        continue;
      }
      if (!family) {
        family = { type: names.type, help: '', lines: [] };
        families.set(names.family, family);
      }
      family.help ||= metric.descriptor.description;
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        family.lines.push(...histogramLines(names.sample, metric, scopeLabels, exemplars));
      } else if (metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) {
        for (const point of metric.dataPoints) {
          family.lines.push(
            `${names.sample}${labelText(point.attributes, scopeLabels)} ${numberText(point.value)}`,
          );
        }
      }
    }
  }
  let text = '';
  for (const [name, family] of families) {
    if (!family) continue;
    text += `# TYPE ${name} ${family.type}\n# HELP ${name} ${escapeHelp(family.help || 'description missing')}\n`;
    for (const line of family.lines) text += `${line}\n`;
  }
  return `${text}# EOF\n`;
}
