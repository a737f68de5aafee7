import type { Meter, Tracer } from '@opentelemetry/api';
import { trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { DestinationStream, Logger } from 'pino';
import { assembleSdk } from './assemble-sdk.ts';
import { type ConfigOverrides, pseudonymize, type ResolvedConfig, resolveConfig } from './config.ts';
import { requestContext } from './context.ts';
import { routeDiagnostics } from './diagnostics.ts';
import { type ErrorReportSink, ErrorTracker } from './errors.ts';
import { Health, type ReadinessCheck } from './health.ts';
import { type HandlerOptions, wrapHandler } from './http.ts';
import { createLogger } from './logger.ts';
import {
  type BoundedCounter,
  type BoundedHistogram,
  type BoundedHistogramOptions,
  type BoundedInstrumentOptions,
  boundedCounter,
  boundedHistogram,
  boundedUpDownCounter,
  type LabelSets,
} from './metrics.ts';
import { processLifecycle, type ShutdownOptions } from './process-lifecycle.ts';
import type { BatchTuning } from './tracing.ts';

export type { ShutdownOptions } from './process-lifecycle.ts';

/** Staging's and production's scrape interval (grafana/environments.yaml): one scrape fits in it. */
const DEFAULT_CRASH_SCRAPE_WAIT_MS = 15_000;

export interface TelemetryOptions extends ConfigOverrides {
  /** Default: OTLP/HTTP protobuf, configured by OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout). */
  traceExporter?: SpanExporter;
  batch?: BatchTuning;
  /** Extra instrumentations on top of http, undici, pg, pino and the runtime. */
  instrumentations?: Instrumentation[];
  /** Node runtime and process metrics (event loop, heap, GC, CPU, memory). Default true. */
  runtimeMetrics?: boolean;
  /** How long after start the runtime metrics begin (default 1000 ms). */
  runtimeMetricsDelayMs?: number;
  /** Record uncaught exceptions and unhandled rejections, serve one scrape, flush, then exit 1. Default true. */
  processHandlers?: boolean;
  /**
   * The longest a crashed process waits for Prometheus to scrape its critical-error count before it
   * exits (default TELEMETRY_CRASH_SCRAPE_WAIT_MS, else 15000: at least your scrape interval).
   */
  crashScrapeWaitMs?: number;
  logDestination?: DestinationStream;
  errorSinks?: ErrorReportSink[];
}

export interface Telemetry {
  readonly config: ResolvedConfig;
  /** Resolves once the optional instrumentations (pg, when the service has it) are enabled. */
  readonly ready: Promise<void>;
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly errors: ErrorTracker;
  readonly health: Health;
  /** Wraps a node:http (or framework) request listener; see README. */
  handler(
    listener: Parameters<typeof wrapHandler>[1],
    options?: HandlerOptions,
  ): ReturnType<typeof wrapHandler>;
  /** Attaches the pseudonymous form of a user id to the current request's logs and error reports. */
  setUser(userId: string | number): void;
  pseudonymize(userId: string | number): string;
  addReadinessCheck(check: ReadinessCheck): void;
  counter<L extends LabelSets>(name: string, options: BoundedInstrumentOptions<L>): BoundedCounter<L>;
  upDownCounter<L extends LabelSets>(name: string, options: BoundedInstrumentOptions<L>): BoundedCounter<L>;
  histogram<L extends LabelSets>(name: string, options: BoundedHistogramOptions<L>): BoundedHistogram<L>;
  /** The Prometheus text /metrics would serve now. */
  metricsText(): Promise<string>;
  /** SIGTERM/SIGINT: readiness false, drain, close servers, flush telemetry, exit 0. */
  installShutdownHandlers(options?: ShutdownOptions): void;
  /** Flushes and stops exporters (spans in the queue are sent, bounded by the export timeout). */
  shutdown(): Promise<void>;
}

const GLOBAL_KEY = Symbol.for('@telemetry-kit/telemetry');
type GlobalSlot = { [GLOBAL_KEY]?: Telemetry };

/** The instance started by `--import @telemetry-kit/telemetry/register` or by `startTelemetry()`. */
export function getTelemetry(): Telemetry | undefined {
  return (globalThis as GlobalSlot)[GLOBAL_KEY];
}

/**
 * Starts the SDK (traces, metrics, instrumentations) and returns the service's telemetry. Idempotent:
 * a second call returns the running instance, so `--import …/register` and a call in `main` combine.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const existing = getTelemetry();
  if (existing) return existing;

  const config = resolveConfig(options);
  const sdk = assembleSdk(config, options);
  const logger = createLogger({
    service: config.serviceName,
    environment: config.environment,
    version: config.serviceVersion,
    level: config.logLevel,
    pretty: config.prettyLogs,
    destination: options.logDestination,
  });
  routeDiagnostics(logger);
  const errors = new ErrorTracker({
    service: config.serviceName,
    environment: config.environment,
    release: config.serviceVersion,
    logger,
    counter: sdk.errorCounter,
    sinks: options.errorSinks,
  });
  const health = new Health();
  const lifecycle = processLifecycle({
    logger,
    errors,
    health,
    stopSdk: sdk.stop,
    exportFailing: sdk.exportFailing,
    crashHandlers: options.processHandlers ?? true,
    crashScrapeWaitMs:
      options.crashScrapeWaitMs ??
      Number(process.env.TELEMETRY_CRASH_SCRAPE_WAIT_MS ?? DEFAULT_CRASH_SCRAPE_WAIT_MS),
  });
  const metricsHandler: Parameters<typeof wrapHandler>[0]['metricsHandler'] = (req, res) => {
    lifecycle.observeScrape(res);
    sdk.prometheus.handle(req, res);
  };
  const { meter, serverSpans } = sdk;

  const telemetry: Telemetry = {
    config,
    ready: sdk.ready,
    logger,
    tracer: trace.getTracer('@telemetry-kit/telemetry'),
    meter,
    errors,
    health,
    handler: (listener, handlerOptions) =>
      wrapHandler({ health, errors, logger, metricsHandler, serverSpans }, listener, handlerOptions),
    setUser(userId) {
      const store = requestContext.getStore();
      if (store) store.userPseudoId = pseudonymize(userId, config.pseudonymKey);
    },
    pseudonymize: (userId) => pseudonymize(userId, config.pseudonymKey),
    addReadinessCheck: (check) => health.addCheck(check),
    counter: (name, opts) => boundedCounter(meter, name, opts),
    upDownCounter: (name, opts) => boundedUpDownCounter(meter, name, opts),
    histogram: (name, opts) => boundedHistogram(meter, name, opts),
    metricsText: () => sdk.prometheus.text(),
    installShutdownHandlers: lifecycle.installShutdownHandlers,
    shutdown: lifecycle.shutdown,
  };
  (globalThis as GlobalSlot)[GLOBAL_KEY] = telemetry;
  return telemetry;
}
