import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { LogBackend, LogQuery, MetricBackend, TraceBackend, TraceQuery } from '../assert/backend.ts';
import { groupTraces } from '../assert/backend.ts';
import { parseSelector, selectSamples } from '../assert/selector.ts';
import { logRecordFromJsonLine } from './log-lines.ts';
import type { MetricSample, TelemetryLogRecord, TelemetrySpan, TelemetryTrace } from './model.ts';
import type { OtlpSignal, TelemetryMetricPoint } from './otlp.ts';
import { decodeOtlpRequest, decompress, emptyResponse, encodingOf, samplesFromMetricPoints } from './otlp.ts';

export interface TelemetrySinkOptions {
  /** Interface to listen on; loopback by default, so nothing outside the machine can send to it. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Largest request body accepted, in bytes (default 16 MiB). */
  maxBodyBytes?: number;
}

/** A request the sink answered with an error, kept so a test can show why telemetry is missing. */
export interface RejectedRequest {
  path: string;
  status: number;
  reason: string;
}

const PATHS: Record<string, OtlpSignal> = {
  '/v1/traces': 'traces',
  '/v1/logs': 'logs',
  '/v1/metrics': 'metrics',
};

/**
 * An in-process OTLP/HTTP receiver (protobuf and JSON; traces, logs and metrics) for tests that
 * need no container engine. Point a service's exporter at `sink.url` (or spread `sink.otlpEnv()`
 * into its environment), then assert with expectTrace / expectLog / expectMetric.
 */
export class TelemetrySink implements TraceBackend, LogBackend, MetricBackend {
  readonly description: string;
  /** Requests answered with an error status, newest last. */
  readonly rejected: RejectedRequest[] = [];
  private readonly server: Server;
  private readonly maxBodyBytes: number;
  private readonly receivedSpans: TelemetrySpan[] = [];
  private readonly receivedLogs: TelemetryLogRecord[] = [];
  private readonly receivedMetricPoints: TelemetryMetricPoint[] = [];
  /** The base URL, e.g. http://127.0.0.1:43817; OTLP paths are /v1/traces, /v1/logs, /v1/metrics. */
  readonly url: string;

  private constructor(server: Server, url: string, maxBodyBytes: number) {
    this.server = server;
    this.url = url;
    this.maxBodyBytes = maxBodyBytes;
    this.description = `the telemetry sink at ${url}`;
  }

  static async start(options: TelemetrySinkOptions = {}): Promise<TelemetrySink> {
    const host = options.host ?? '127.0.0.1';
    let sink: TelemetrySink | undefined;
    const server = createServer((request, response) => {
      if (!sink) {
        response.writeHead(503).end();
        return;
      }
      sink.handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    sink = new TelemetrySink(server, `http://${urlHost}:${port}`, options.maxBodyBytes ?? 16 * 2 ** 20);
    return sink;
  }

  /** The port it listens on. */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Signal URLs, as OTEL_EXPORTER_OTLP_*_ENDPOINT or an exporter's `url` option want them. */
  get endpoints(): Record<OtlpSignal, string> {
    return {
      traces: `${this.url}/v1/traces`,
      logs: `${this.url}/v1/logs`,
      metrics: `${this.url}/v1/metrics`,
    };
  }

  /** Environment for a child process whose OTel SDK should export here. */
  otlpEnv(protocol: 'http/protobuf' | 'http/json' = 'http/protobuf'): Record<string, string> {
    return { OTEL_EXPORTER_OTLP_ENDPOINT: this.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol };
  }

  spans(): TelemetrySpan[] {
    return [...this.receivedSpans];
  }

  logs(): TelemetryLogRecord[] {
    return [...this.receivedLogs];
  }

  metricPoints(): TelemetryMetricPoint[] {
    return [...this.receivedMetricPoints];
  }

  /** Adds a JSON log line (pino's shape) as a log record; returns false for a line that is not JSON. */
  recordLogLine(line: string, defaults: { service?: string } = {}): boolean {
    const record = logRecordFromJsonLine(line, defaults);
    if (record) this.receivedLogs.push(record);
    return record !== undefined;
  }

  /**
   * Reads a stream line by line (a child process' stdout, say) into log records, the way Alloy
   * collects container stdout into Loki. Resolves when the stream ends.
   */
  async captureLogLines(stream: Readable, defaults: { service?: string } = {}): Promise<void> {
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      this.recordLogLine(line, defaults);
    }
  }

  /** Forgets everything received, so the next test starts from nothing. */
  clear(): void {
    this.receivedSpans.length = 0;
    this.receivedLogs.length = 0;
    this.receivedMetricPoints.length = 0;
    this.rejected.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // --- backends for the assertions ---

  async findTraces(query: TraceQuery): Promise<TelemetryTrace[]> {
    return groupTraces(this.receivedSpans, query);
  }

  async findLogs(query: LogQuery): Promise<TelemetryLogRecord[]> {
    return this.receivedLogs.filter(
      (record) =>
        (query.traceId === undefined || record.traceId === query.traceId.toLowerCase()) &&
        (query.service === undefined || record.service === query.service),
    );
  }

  /** Samples of the OTLP metrics received, selected by `name{label="value",…}` (no PromQL functions). */
  async samples(selector: string): Promise<MetricSample[]> {
    return selectSamples(samplesFromMetricPoints(this.receivedMetricPoints), parseSelector(selector));
  }

  private reject(response: ServerResponse, path: string, status: number, reason: string): void {
    this.rejected.push({ path, status, reason });
    response.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const signal = PATHS[path];
    if (!signal) {
      this.reject(
        response,
        path,
        404,
        `no OTLP endpoint at ${path}; use /v1/traces, /v1/logs or /v1/metrics`,
      );
      return;
    }
    if (request.method !== 'POST') {
      this.reject(response, path, 405, `${request.method} ${path}: OTLP/HTTP takes POST`);
      return;
    }
    const encoding = encodingOf(request.headers['content-type']);
    if (!encoding) {
      this.reject(
        response,
        path,
        415,
        `content-type ${request.headers['content-type'] ?? '(none)'}: send application/x-protobuf or application/json`,
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= this.maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > this.maxBodyBytes) {
        this.reject(response, path, 413, `body of ${size} bytes exceeds ${this.maxBodyBytes}`);
        return;
      }
      try {
        const body = decompress(Buffer.concat(chunks), request.headers['content-encoding']);
        const decoded = decodeOtlpRequest(signal, body, encoding);
        if (decoded.signal === 'traces') this.receivedSpans.push(...decoded.spans);
        else if (decoded.signal === 'logs') this.receivedLogs.push(...decoded.records);
        else this.receivedMetricPoints.push(...decoded.points);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        this.reject(response, path, 400, `could not decode OTLP ${encoding} ${signal}: ${detail}`);
        return;
      }
      const reply = emptyResponse(encoding);
      response.writeHead(200, { 'content-type': reply.contentType }).end(reply.body);
    });
  }
}
