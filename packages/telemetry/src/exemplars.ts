import type {
  Attributes,
  Context,
  Histogram,
  Meter,
  MeterProvider,
  MetricAttributes,
  MetricOptions,
} from '@opentelemetry/api';
import { context as contextApi, TraceFlags, trace } from '@opentelemetry/api';

/** One measurement that links a histogram bucket to the sampled trace it was taken in. */
export interface Exemplar {
  traceId: string;
  spanId: string;
  value: number;
  /** Milliseconds since the epoch. */
  timeMs: number;
}

/**
 * How a histogram's points reach /metrics: the metric name its view gives it, the label keys the
 * view keeps, sorted (all of them when absent), and its bucket boundaries.
 */
export interface HistogramShape {
  name: string;
  labels?: readonly string[];
  boundaries: readonly number[];
}

/** The series a store keeps exemplars for at most: past it, new series get none (memory stays bounded). */
const MAX_SERIES = 4000;

/** The key of one series: its metric name and its labels (only `keys` when given), in a fixed order. */
export function seriesKey(name: string, attributes: Attributes, keys?: readonly string[]): string {
  // `keys` come sorted (HistogramShape.labels): no sort on the measurement's path.
  let key = name;
  for (const label of keys ?? Object.keys(attributes).sort()) {
    if (attributes[label] !== undefined) key += `\u0000${label}=${String(attributes[label])}`;
  }
  return key;
}

/** The index of the bucket `value` falls in: the first boundary it does not exceed, else +Inf's. */
function bucketIndex(boundaries: readonly number[], value: number): number {
  for (let i = 0; i < boundaries.length; i += 1) if (value <= (boundaries[i] as number)) return i;
  return boundaries.length;
}

/**
 * The latest sampled measurement of every histogram bucket, per series: what OpenMetrics exposes as
 * exemplars, so a latency panel in Grafana links a point to a trace behind it.
 */
export class ExemplarStore {
  readonly #series = new Map<string, (Exemplar | undefined)[]>();

  /** Keeps the measurement when it was taken inside a sampled span (the active one, or `ctx`'s). */
  offer(shape: HistogramShape, value: number, attributes: Attributes, ctx?: Context): void {
    const span = trace.getSpanContext(ctx ?? contextApi.active());
    if (!span || (span.traceFlags & TraceFlags.SAMPLED) === 0) return;
    const key = seriesKey(shape.name, attributes, shape.labels);
    let buckets = this.#series.get(key);
    if (!buckets) {
      if (this.#series.size >= MAX_SERIES) return;
      buckets = [];
      this.#series.set(key, buckets);
    }
    buckets[bucketIndex(shape.boundaries, value)] = {
      traceId: span.traceId,
      spanId: span.spanId,
      value,
      timeMs: Date.now(),
    };
  }

  /** The exemplars of one series, by bucket index (the +Inf bucket last); undefined when it has none. */
  forSeries(name: string, attributes: Attributes): readonly (Exemplar | undefined)[] | undefined {
    return this.#series.get(seriesKey(name, attributes));
  }
}

/**
 * A meter provider whose histograms also offer every measurement to `store`. Everything else, and
 * what the histograms aggregate, is the wrapped provider's.
 */
export function exemplarMeterProvider(
  provider: MeterProvider,
  store: ExemplarStore,
  shapeOf: (instrumentName: string, options?: MetricOptions) => HistogramShape,
): MeterProvider {
  const wrapMeter = (meter: Meter): Meter =>
    new Proxy(meter, {
      get(target, property) {
        if (property !== 'createHistogram') {
          const member = Reflect.get(target, property, target) as unknown;
          return typeof member === 'function' ? member.bind(target) : member;
        }
        return (name: string, options?: MetricOptions): Histogram => {
          const histogram = target.createHistogram(name, options);
          const shape = shapeOf(name, options);
          return {
            record(value: number, attributes: MetricAttributes = {}, ctx?: Context) {
              histogram.record(value, attributes, ctx);
              store.offer(shape, value, attributes, ctx);
            },
          };
        };
      },
    });
  return { getMeter: (name, version, options) => wrapMeter(provider.getMeter(name, version, options)) };
}
