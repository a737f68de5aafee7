import { type Attributes, diag, type Meter, type MetricOptions } from '@opentelemetry/api';
import {
  AggregationType,
  createAllowListAttributesProcessor,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { HistogramShape } from './exemplars.ts';
import { redactAttributes } from './redact/redact.ts';

/** Seconds; the semantic-convention advice for HTTP durations, written out so dashboards can rely on it. */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
] as const;

// Instrument names (OTel); the Prometheus names in docs/metrics.md follow from them.
export const METRIC_HTTP_SERVER_DURATION = 'http.server.request.duration'; // http_server_request_duration_seconds
export const METRIC_HTTP_CLIENT_DURATION = 'http.client.request.duration'; // http_client_request_duration_seconds
export const METRIC_APP_ERRORS = 'app.errors'; // app_errors_total (counters get _total)
export const METRIC_EXPORT_DROPPED = 'telemetry.export.dropped'; // telemetry_export_dropped_total

/** Redacts label values by key and by value pattern: a last line of defence for metric labels. */
const redactingAttributesProcessor = { process: (incoming: Attributes) => redactAttributes(incoming) };

/**
 * Runtime and process instruments whose Prometheus names carry their unit, as docs/metrics.md lists
 * them (the exporter does not append units itself): seconds and bytes.
 */
export const RUNTIME_UNIT_NAMES: Record<string, string> = {
  ...Object.fromEntries(
    ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'].map((stat) => [
      `nodejs.eventloop.delay.${stat}`,
      `nodejs_eventloop_delay_${stat}_seconds`,
    ]),
  ),
  'nodejs.eventloop.time': 'nodejs_eventloop_time_seconds',
  'v8js.gc.duration': 'v8js_gc_duration_seconds',
  'v8js.memory.heap.used': 'v8js_memory_heap_used_bytes',
  'v8js.memory.heap.space.size': 'v8js_memory_heap_space_size_bytes',
  'v8js.memory.heap.space.available_size': 'v8js_memory_heap_space_available_size_bytes',
  'v8js.memory.heap.space.physical_size': 'v8js_memory_heap_space_physical_size_bytes',
  'process.memory.usage': 'process_memory_usage_bytes',
  'process.cpu.time': 'process_cpu_time_seconds',
};

/** The labels each HTTP duration histogram keeps (its view drops every other attribute). */
const HTTP_HISTOGRAM_LABELS: Readonly<Record<string, readonly string[]>> = {
  [METRIC_HTTP_SERVER_DURATION]: ['http.request.method', 'http.route', 'http.response.status_code'],
  [METRIC_HTTP_CLIENT_DURATION]: ['http.request.method', 'server.address', 'http.response.status_code'],
};

/** sdk-metrics' bucket boundaries for a histogram with neither a view nor advice. */
const SDK_DEFAULT_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

// The Prometheus exporter (0.301) does not append units, so the views name the series exactly as
// docs/metrics.md does.
const httpHistogramName = (instrumentName: string) => `${instrumentName.replaceAll('.', '_')}_seconds`;

/**
 * The series name, kept labels and buckets of a histogram as telemetryViews() shapes it: what an
 * exemplar must be filed under to sit beside the right bucket on /metrics.
 */
export function histogramShape(instrumentName: string, options?: MetricOptions): HistogramShape {
  const labels = HTTP_HISTOGRAM_LABELS[instrumentName];
  if (labels) {
    return {
      name: httpHistogramName(instrumentName),
      labels: [...labels].sort(),
      boundaries: HTTP_DURATION_BUCKETS,
    };
  }
  return {
    name: instrumentName,
    boundaries: [...(options?.advice?.explicitBucketBoundaries ?? SDK_DEFAULT_BOUNDARIES)].sort(
      (a, b) => a - b,
    ),
  };
}

/** Views: explicit buckets, a fixed label set per HTTP histogram, and a cap on error fingerprints. */
export function telemetryViews(): ViewOptions[] {
  return [
    ...Object.entries(HTTP_HISTOGRAM_LABELS).map(
      ([instrumentName, labels]): ViewOptions => ({
        instrumentName,
        name: httpHistogramName(instrumentName),
        aggregation: {
          type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
          options: { boundaries: [...HTTP_DURATION_BUCKETS] },
        },
        attributesProcessors: [createAllowListAttributesProcessor([...labels]), redactingAttributesProcessor],
      }),
    ),
    {
      instrumentName: METRIC_APP_ERRORS,
      attributesProcessors: [redactingAttributesProcessor],
      aggregationCardinalityLimit: 500,
    },
    ...Object.entries(RUNTIME_UNIT_NAMES).map(([instrumentName, name]) => ({ instrumentName, name })),
  ];
}

/** Thrown (or, in production, logged once and dropped) when a label value is outside its declared set. */
export class LabelValueError extends Error {
  override name = 'LabelValueError';
}

export type LabelSets = Record<string, readonly string[]>;
export type LabelValues<L extends LabelSets> = { [K in keyof L]: L[K][number] };

export interface BoundedInstrumentOptions<L extends LabelSets> {
  description: string;
  unit?: string;
  /** Every label and the complete list of values it may take. */
  labels: L;
  /** What to do with a value outside the set: throw (default outside production) or drop the point. */
  onInvalid?: 'throw' | 'drop';
}

export interface BoundedHistogramOptions<L extends LabelSets> extends BoundedInstrumentOptions<L> {
  /** Explicit bucket boundaries, in the instrument's unit. */
  buckets: readonly number[];
}

function labelGuard<L extends LabelSets>(name: string, options: BoundedInstrumentOptions<L>) {
  const allowed = new Map(Object.entries(options.labels).map(([k, v]) => [k, new Set<string>(v)]));
  const onInvalid = options.onInvalid ?? (process.env.NODE_ENV === 'production' ? 'drop' : 'throw');
  let warned = false;
  return (labels: Record<string, unknown>): Attributes | undefined => {
    let problem: string | undefined;
    for (const [key, values] of allowed) {
      const value = labels[key];
      if (typeof value !== 'string' || !values.has(value)) {
        problem = `label ${key} of ${name} must be one of ${[...values].join(', ')}`;
        break;
      }
    }
    if (problem === undefined && Object.keys(labels).length !== allowed.size) {
      problem = `${name} takes exactly the labels ${[...allowed.keys()].join(', ') || '(none)'}`;
    }
    if (problem === undefined) return labels as Attributes;
    // The offending value is never echoed: it may be the very secret the guard keeps out.
    if (onInvalid === 'throw') throw new LabelValueError(problem);
    if (!warned) {
      warned = true;
      diag.warn(`${problem}; the point was dropped`);
    }
    return undefined;
  };
}

export interface BoundedCounter<L extends LabelSets> {
  add(value: number, labels: LabelValues<L>): void;
}

export interface BoundedHistogram<L extends LabelSets> {
  record(value: number, labels: LabelValues<L>): void;
}

/** A counter whose labels take only declared values (see docs/metrics.md for the catalogue). */
export function boundedCounter<L extends LabelSets>(
  meter: Meter,
  name: string,
  options: BoundedInstrumentOptions<L>,
): BoundedCounter<L> {
  const counter = meter.createCounter(name, { description: options.description, unit: options.unit ?? '' });
  const guard = labelGuard(name, options);
  return {
    add(value, labels) {
      const attributes = guard(labels);
      if (attributes) counter.add(value, attributes);
    },
  };
}

/** An up-down counter (a gauge you add to and subtract from) with declared label values. */
export function boundedUpDownCounter<L extends LabelSets>(
  meter: Meter,
  name: string,
  options: BoundedInstrumentOptions<L>,
): BoundedCounter<L> {
  const counter = meter.createUpDownCounter(name, {
    description: options.description,
    unit: options.unit ?? '',
  });
  const guard = labelGuard(name, options);
  return {
    add(value, labels) {
      const attributes = guard(labels);
      if (attributes) counter.add(value, attributes);
    },
  };
}

/** A histogram with explicit buckets and declared label values. */
export function boundedHistogram<L extends LabelSets>(
  meter: Meter,
  name: string,
  options: BoundedHistogramOptions<L>,
): BoundedHistogram<L> {
  const histogram = meter.createHistogram(name, {
    description: options.description,
    unit: options.unit ?? '',
    advice: { explicitBucketBoundaries: [...options.buckets] },
  });
  const guard = labelGuard(name, options);
  return {
    record(value, labels) {
      const attributes = guard(labels);
      if (attributes) histogram.record(value, attributes);
    },
  };
}
