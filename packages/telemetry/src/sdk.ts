import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import {
  type Counter,
  context,
  type Meter,
  metrics,
  propagation,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import type { DestinationStream, Logger } from 'pino';
import {
  type ConfigOverrides,
  type HttpServerTracing,
  pseudonymize,
  type ResolvedConfig,
  resolveConfig,
} from './config.ts';
import { requestContext } from './context.ts';
import { type ErrorReportSink, ErrorTracker } from './errors.ts';
import { ExemplarStore, exemplarMeterProvider } from './exemplars.ts';
import { LazyOtlpTraceExporter, PrometheusReader } from './exporters.ts';
import { Health, type ReadinessCheck } from './health.ts';
import { BUILTIN_PATHS, type HandlerOptions, wrapHandler } from './http.ts';
import { createLogger } from './logger.ts';
import {
  type BoundedCounter,
  type BoundedHistogram,
  type BoundedHistogramOptions,
  type BoundedInstrumentOptions,
  boundedCounter,
  boundedHistogram,
  boundedUpDownCounter,
  histogramShape,
  type LabelSets,
  METRIC_APP_ERRORS,
  METRIC_EXPORT_DROPPED,
  METRIC_HTTP_SERVER_DURATION,
  telemetryViews,
} from './metrics.ts';
import { type BatchTuning, createSpanProcessor, samplerFromEnv } from './tracing.ts';

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
  /** Record uncaught exceptions and unhandled rejections, flush, then exit 1. Default true. */
  processHandlers?: boolean;
  logDestination?: DestinationStream;
  errorSinks?: ErrorReportSink[];
}

export interface ShutdownOptions {
  /** Servers to close once draining has given load balancers time to notice. */
  servers?: Server[];
  /** How long /readyz answers 503 before the servers close (default 5000 ms, TELEMETRY_DRAIN_MS). */
  drainMs?: number;
  /** Called after draining, before telemetry is flushed (close pools, queues…). */
  beforeExit?: () => Promise<void> | void;
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

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** Whether the service (working directory) can load `specifier`; instrumentations of absent modules are skipped. */
function serviceCanLoad(specifier: string): boolean {
  try {
    createRequire(`${process.cwd()}/`).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

function defaultInstrumentations(serverTracing: HttpServerTracing): Instrumentation[] {
  const builtin = new Set<string>(BUILTIN_PATHS);
  const instrumentations: Instrumentation[] = [
    new HttpInstrumentation({
      disableIncomingRequestInstrumentation: serverTracing === 'handler',
      // Probes and scrapes are not traffic: no spans, no request-duration points.
      ignoreIncomingRequestHook: (req) => builtin.has((req.url ?? '/').split('?')[0] ?? '/'),
    }),
    new UndiciInstrumentation() as Instrumentation,
    new PinoInstrumentation({
      disableLogSending: true,
      logKeys: { traceId: 'trace_id', spanId: 'span_id', traceFlags: 'trace_flags' },
    }) as Instrumentation,
  ];
  return instrumentations;
}

/** Instrumentations loaded only when the service can load what they patch (they cost start-up time). */
async function optionalInstrumentations(): Promise<Instrumentation[]> {
  if (!serviceCanLoad('pg')) return [];
  const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
  return [new PgInstrumentation({ enhancedDatabaseReporting: false }) as Instrumentation];
}

/**
 * Event-loop, heap, GC, CPU and memory metrics. Started a moment after boot: they describe a running
 * process, and loading them does not then compete with the first requests.
 */
function startRuntimeMetrics(delayMs: number): void {
  const timer = setTimeout(async () => {
    const [{ RuntimeNodeInstrumentation }, { HostMetrics }] = await Promise.all([
      import('@opentelemetry/instrumentation-runtime-node'),
      import('@opentelemetry/host-metrics'),
    ]);
    const runtime = new RuntimeNodeInstrumentation({ monitoringPrecision: 10 });
    runtime.setMeterProvider(metrics.getMeterProvider());
    runtime.enable();
    new HostMetrics({
      meterProvider: metrics.getMeterProvider(),
      metricGroups: ['process.cpu', 'process.memory'],
    }).start();
  }, delayMs);
  timer.unref();
}

/**
 * Starts the SDK (traces, metrics, instrumentations) and returns the service's telemetry. Idempotent:
 * a second call returns the running instance, so `--import …/register` and a call in `main` combine.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const existing = getTelemetry();
  if (existing) return existing;

  const config = resolveConfig(options);
  const exemplars = new ExemplarStore();
  const prometheus = new PrometheusReader(exemplars);
  const dropped: { counter?: Counter } = {};
  // The span processor needs the dropped counter before the meter provider exists; it forwards lazily.
  const droppedProxy: Counter = { add: (value, attributes) => dropped.counter?.add(value, attributes) };
  // OTEL_SDK_DISABLED: no spans at all. An instrumentation patches (or subscribes to diagnostics
  // channels) as soon as it is constructed, so the defaults are not even constructed and the caller's
  // are switched off; the server span of handler() is not sampled. Logs, metrics and health stay.
  const { sdkDisabled } = config;
  if (sdkDisabled) for (const instrumentation of options.instrumentations ?? []) instrumentation.disable();
  const instrumentations = sdkDisabled
    ? []
    : [...defaultInstrumentations(config.httpServer), ...(options.instrumentations ?? [])];
  // The pieces @opentelemetry/sdk-node would assemble, assembled here: sdk-node 0.301 also imports the
  // gRPC exporters and the YAML configuration loader, which cost ~0.5 s of CPU at every start.
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        'service.name': config.serviceName,
        'service.version': config.serviceVersion,
        'deployment.environment.name': config.environment,
      }),
    )
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over the defaults above.
    .merge(detectResources({ detectors: [hostDetector, envDetector] }));
  const tracerProvider = new TracerProvider({
    resource,
    sampler: sdkDisabled ? new AlwaysOffSampler() : samplerFromEnv(config.sampleRatio),
    spanProcessors: sdkDisabled
      ? []
      : [
          createSpanProcessor(
            options.traceExporter ?? new LazyOtlpTraceExporter(),
            droppedProxy,
            options.batch,
          ),
        ],
  });
  // Histograms note the sampled trace of each bucket's latest measurement: /metrics's exemplars.
  const sdkMeterProvider = new MeterProvider({ resource, readers: [prometheus], views: telemetryViews() });
  const meterProvider = exemplarMeterProvider(sdkMeterProvider, exemplars, histogramShape);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  const disablers: (() => void)[] = [];
  if (!sdkDisabled)
    disablers.push(registerInstrumentations({ instrumentations, tracerProvider, meterProvider }));
  const disableInstrumentations = () => {
    for (const disable of disablers) disable();
  };
  const ready = sdkDisabled
    ? Promise.resolve()
    : optionalInstrumentations().then((optional) => {
        disablers.push(
          registerInstrumentations({ instrumentations: optional, tracerProvider, meterProvider }),
        );
      });

  const meter = metrics.getMeter('@telemetry-kit/telemetry');
  dropped.counter = meter.createCounter(METRIC_EXPORT_DROPPED, {
    description: 'Spans or log records dropped because the exporter was down, slow or failing',
  });
  // Both series exist from the start, so "increase(...) > 0" alerts have something to compare with.
  dropped.counter.add(0, { signal: 'traces' });
  dropped.counter.add(0, { signal: 'logs' });
  const serverSpans =
    config.httpServer === 'handler'
      ? {
          tracer: trace.getTracer('@telemetry-kit/telemetry'),
          duration: meter.createHistogram(METRIC_HTTP_SERVER_DURATION, {
            description: 'Duration of HTTP server requests',
            unit: 's',
          }),
        }
      : undefined;
  const errorCounter = meter.createCounter(METRIC_APP_ERRORS, {
    description: 'Errors recorded by the error tracker, by fingerprint, type and severity',
  });
  if (options.runtimeMetrics ?? true) startRuntimeMetrics(options.runtimeMetricsDelayMs ?? 1000);

  const logger = createLogger({
    service: config.serviceName,
    environment: config.environment,
    version: config.serviceVersion,
    level: config.logLevel,
    pretty: config.prettyLogs,
    destination: options.logDestination,
  });
  const errors = new ErrorTracker({
    service: config.serviceName,
    environment: config.environment,
    logger,
    counter: errorCounter,
    sinks: options.errorSinks,
  });
  const health = new Health();
  const metricsHandler = prometheus.handle.bind(prometheus);

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    shuttingDown ??= withTimeout(
      Promise.allSettled([tracerProvider.shutdown(), sdkMeterProvider.shutdown()]).then(
        disableInstrumentations,
      ),
      15_000,
    ).then(() => logger.flush());
    return shuttingDown;
  };

  let exiting = false;
  const exitAfterFlush = (code: number) => {
    if (exiting) return;
    exiting = true;
    void withTimeout(shutdown(), 3000).then(() => process.exit(code));
  };
  if (options.processHandlers ?? true) {
    process.on('uncaughtException', (error, origin) => {
      errors.capture(error, {
        severity: 'critical',
        source: origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException',
      });
      exitAfterFlush(1);
    });
    process.on('unhandledRejection', (reason) => {
      errors.capture(reason, { severity: 'critical', source: 'unhandledRejection' });
      exitAfterFlush(1);
    });
  }

  const telemetry: Telemetry = {
    config,
    ready,
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
    metricsText: () => prometheus.text(),
    installShutdownHandlers(shutdownOptions = {}) {
      const drainMs = shutdownOptions.drainMs ?? Number(process.env.TELEMETRY_DRAIN_MS ?? 5000);
      let started = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (started) return;
        started = true;
        health.startDraining();
        logger.info({ signal, drain_ms: drainMs }, 'draining: readiness is now false');
        setTimeout(async () => {
          await Promise.all(
            (shutdownOptions.servers ?? []).map(
              (server) =>
                new Promise<void>((resolve) => {
                  server.close(() => resolve());
                  server.closeIdleConnections();
                }),
            ),
          );
          await shutdownOptions.beforeExit?.();
          logger.info('shutdown: flushing telemetry');
          await shutdown();
          process.exit(0);
        }, drainMs);
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
    shutdown,
  };
  (globalThis as GlobalSlot)[GLOBAL_KEY] = telemetry;
  return telemetry;
}
