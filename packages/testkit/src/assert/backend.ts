import type { MetricSample, TelemetryLogRecord, TelemetrySpan, TelemetryTrace } from '../sink/model.ts';

/** Narrows a trace search; a backend may return more than asked, never less. */
export interface TraceQuery {
  traceId?: string;
  /** Traces in which at least one span comes from one of these services. */
  services?: string[];
}

export interface LogQuery {
  traceId?: string;
  service?: string;
}

/**
 * Where spans can be read: the in-process sink, or Tempo's HTTP API. `description` names it in
 * failure messages ("the telemetry sink at http://127.0.0.1:43817", "Tempo at http://…").
 */
export interface TraceBackend {
  readonly description: string;
  findTraces(query: TraceQuery): Promise<TelemetryTrace[]>;
}

/** Where log records can be read: the sink (OTLP logs, captured stdout) or Loki's HTTP API. */
export interface LogBackend {
  readonly description: string;
  findLogs(query: LogQuery): Promise<TelemetryLogRecord[]>;
}

/** Where samples can be read: Prometheus (PromQL), a service's /metrics page, or the sink. */
export interface MetricBackend {
  readonly description: string;
  samples(query: string): Promise<MetricSample[]>;
}

/** Groups spans by trace id, keeping traces that match the query, in order of first arrival. */
export function groupTraces(spans: Iterable<TelemetrySpan>, query: TraceQuery = {}): TelemetryTrace[] {
  const byId = new Map<string, TelemetrySpan[]>();
  for (const span of spans) {
    const group = byId.get(span.traceId);
    if (group) group.push(span);
    else byId.set(span.traceId, [span]);
  }
  const wantedId = query.traceId?.toLowerCase();
  const traces: TelemetryTrace[] = [];
  for (const [traceId, group] of byId) {
    if (wantedId !== undefined && traceId !== wantedId) continue;
    if (query.services && !group.some((span) => query.services?.includes(span.service))) continue;
    traces.push({ traceId, spans: group });
  }
  return traces;
}
