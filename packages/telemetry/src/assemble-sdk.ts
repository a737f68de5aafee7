import { createRequire } from 'node:module';
import {
  type Counter,
  context,
  type Histogram,
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
import type { HttpServerTracing, ResolvedConfig } from './config.ts';
import { ExemplarStore, exemplarMeterProvider } from './exemplars.ts';
import { LazyOtlpTraceExporter, PrometheusReader } from './exporters.ts';
import { BUILTIN_PATHS } from './http.ts';
import {
  histogramShape,
  METRIC_APP_ERRORS,
  METRIC_EXPORT_DROPPED,
  METRIC_HTTP_SERVER_DURATION,
  telemetryViews,
} from './metrics.ts';
import { type BatchTuning, createSpanProcessor, samplerFromEnv } from './tracing.ts';

export interface SdkOptions {
  traceExporter?: SpanExporter;
  batch?: BatchTuning;
  instrumentations?: Instrumentation[];
  runtimeMetrics?: boolean;
  runtimeMetricsDelayMs?: number;
}

/** The running OpenTelemetry SDK: global providers registered, instrumentations enabled. */
export interface Sdk {
  /** Resolves once the optional instrumentations (pg, when the service has it) are enabled. */
  ready: Promise<void>;
  meter: Meter;
  prometheus: PrometheusReader;
  /** What telemetry.handler() needs to open server spans itself (TELEMETRY_HTTP_SERVER=handler). */
  serverSpans: { tracer: Tracer; duration: Histogram } | undefined;
  /** app_errors_total, for the error tracker. */
  errorCounter: Counter;
  /** Flushes spans and stops the providers and instrumentations. */
  stop(): Promise<void>;
  /** Whether the last batch of spans failed to reach the endpoint (down, refusing, too slow). */
  exportFailing(): boolean;
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
  return [
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
 * The pieces @opentelemetry/sdk-node would assemble, assembled here: sdk-node 0.301 also imports the
 * gRPC exporters and the YAML configuration loader, which cost ~0.5 s of CPU at every start.
 */
export function assembleSdk(config: ResolvedConfig, options: SdkOptions): Sdk {
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
  let exportFailing = false;
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
            (delivered) => {
              exportFailing = !delivered;
            },
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

  return {
    ready,
    meter,
    prometheus,
    serverSpans,
    errorCounter,
    exportFailing: () => exportFailing,
    stop: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), sdkMeterProvider.shutdown()]);
      for (const disable of disablers) disable();
    },
  };
}
