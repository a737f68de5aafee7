import { logRecordFromJsonLine } from '../sink/log-lines.ts';
import type { TelemetryLogRecord, TelemetryTrace } from '../sink/model.ts';
import { levelFromPino } from '../sink/model.ts';
import type { OtlpObject } from '../sink/otlp.ts';
import { spansFromRequest } from '../sink/otlp.ts';
import type { LogBackend, LogQuery, MetricBackend, TraceBackend, TraceQuery } from './backend.ts';
import { groupTraces } from './backend.ts';
import { prometheusBackend } from './metric-backends.ts';

export interface LookbackOptions {
  /** How far back searches reach, in seconds (default 3600). */
  lookbackSeconds?: number;
  /** At most this many traces or log lines per search (default 50 / 1000). */
  limit?: number;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  return response.json();
}

/** Reads Tempo's trace-by-id answer (v2: `{trace: {resourceSpans}}`, v1: `{batches}`) into a trace. */
export function traceFromTempo(body: unknown): TelemetryTrace | undefined {
  const b = (body ?? {}) as {
    batches?: unknown;
    resourceSpans?: unknown;
    trace?: { resourceSpans?: unknown };
  };
  const resourceSpans = b.trace?.resourceSpans ?? b.resourceSpans ?? b.batches ?? [];
  const spans = spansFromRequest({ resourceSpans } as OtlpObject);
  return groupTraces(spans)[0];
}

/**
 * Tempo's HTTP API as a trace backend: by id through /api/traces/<id> (Tempo 2.x and 3.x,
 * pkg/api/http.go), otherwise a TraceQL search on the services asked for, then each trace found by id.
 */
export function tempoBackend(url: string, options: LookbackOptions = {}): TraceBackend {
  const lookback = options.lookbackSeconds ?? 3600;
  const limit = options.limit ?? 50;
  const byId = async (traceId: string) => {
    const response = await fetch(`${url}/api/traces/${traceId}`, {
      headers: { accept: 'application/json' },
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET ${url}/api/traces/${traceId} answered ${response.status}`);
    return traceFromTempo(await response.json());
  };
  return {
    description: `Tempo at ${url}`,
    async findTraces(query: TraceQuery): Promise<TelemetryTrace[]> {
      if (query.traceId) {
        const trace = await byId(query.traceId.toLowerCase());
        return trace ? [trace] : [];
      }
      const services = query.services ?? [];
      const q = services.length
        ? `{ ${services.map((s) => `resource.service.name = ${JSON.stringify(s)}`).join(' || ')} }`
        : '{ }';
      const end = Math.ceil(Date.now() / 1000);
      const params = new URLSearchParams({
        q,
        limit: String(limit),
        start: String(end - lookback),
        end: String(end),
      });
      const found = (await getJson(`${url}/api/search?${params}`)) as { traces?: Array<{ traceID: string }> };
      const traces = await Promise.all((found.traces ?? []).map((t) => byId(t.traceID.toLowerCase())));
      return traces.filter((t) => t !== undefined);
    },
  };
}

export interface LokiBackendOptions extends LookbackOptions {
  /** The stream label holding the service name (default `service_name`, as Loki and Alloy set it). */
  serviceLabel?: string;
}

type LokiValue = [string, string] | [string, string, { structuredMetadata?: Record<string, string> }];

/**
 * Reads a Loki query_range answer (streams of [ns, line]) into log records; JSON lines are parsed.
 * Trace and span ids, and the level, also come from structured metadata: Loki returns it among the
 * stream labels (or, with categorised labels, beside each line), and an OTLP-ingested line carries
 * its ids only there.
 */
export function logRecordsFromLoki(body: unknown, serviceLabel = 'service_name'): TelemetryLogRecord[] {
  const b = body as {
    data?: {
      resultType?: string;
      result?: Array<{ stream: Record<string, string>; values: LokiValue[] }>;
    };
  };
  if (b.data?.resultType !== 'streams') return [];
  const records: TelemetryLogRecord[] = [];
  for (const { stream, values } of b.data.result ?? []) {
    const service = stream[serviceLabel] ?? stream.service ?? stream.job;
    for (const [ns, line, categorised] of values) {
      const labels = { ...stream, ...(categorised?.structuredMetadata ?? {}) };
      const record = logRecordFromJsonLine(line, { ...(service ? { service } : {}), labels });
      const traceId = record?.traceId ?? labels.trace_id?.toLowerCase();
      const spanId = record?.spanId ?? labels.span_id?.toLowerCase();
      records.push(
        record
          ? { ...record, timeUnixNano: ns, traceId, spanId }
          : {
              timeUnixNano: ns,
              level: levelFromPino(labels.level ?? labels.detected_level),
              message: line,
              body: line,
              fields: {},
              service: service ?? 'unknown_service',
              traceId,
              spanId,
              resource: labels,
            },
      );
    }
  }
  return records;
}

/**
 * Loki's HTTP API as a log backend: LogQL over the service's stream, filtered by the trace id in
 * structured metadata (where Alloy puts a JSON line's trace_id, and Loki an OTLP record's).
 */
export function lokiBackend(url: string, options: LokiBackendOptions = {}): LogBackend {
  const serviceLabel = options.serviceLabel ?? 'service_name';
  const lookback = options.lookbackSeconds ?? 3600;
  const limit = options.limit ?? 1000;
  return {
    description: `Loki at ${url}`,
    async findLogs(query: LogQuery): Promise<TelemetryLogRecord[]> {
      const selector = query.service
        ? `{${serviceLabel}=${JSON.stringify(query.service)}}`
        : `{${serviceLabel}=~".+"}`;
      const logql = query.traceId
        ? `${selector} | trace_id=${JSON.stringify(query.traceId.toLowerCase())}`
        : selector;
      const endNs = BigInt(Date.now()) * 1_000_000n;
      const params = new URLSearchParams({
        query: logql,
        start: String(endNs - BigInt(lookback) * 1_000_000_000n),
        end: String(endNs),
        limit: String(limit),
        direction: 'forward',
      });
      const records = logRecordsFromLoki(
        await getJson(`${url}/loki/api/v1/query_range?${params}`),
        serviceLabel,
      );
      return records.filter((r) => query.traceId === undefined || r.traceId === query.traceId.toLowerCase());
    },
  };
}

/** The real stack as one backend for expectTrace / expectLog / expectMetric. */
export interface StackBackendUrls {
  tempo: string;
  loki: string;
  prometheus: string;
}

export function stackBackend(
  urls: StackBackendUrls,
  options: LokiBackendOptions = {},
): TraceBackend & LogBackend & MetricBackend {
  const traces = tempoBackend(urls.tempo, options);
  const logs = lokiBackend(urls.loki, options);
  const metrics = prometheusBackend(urls.prometheus);
  return {
    description: `the stack (Tempo ${urls.tempo}, Loki ${urls.loki}, Prometheus ${urls.prometheus})`,
    findTraces: (query) => traces.findTraces(query),
    findLogs: (query) => logs.findLogs(query),
    samples: (query) => metrics.samples(query),
  };
}
