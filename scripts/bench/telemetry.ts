// npm run bench -- telemetry: the cost of @telemetry-kit/telemetry against no telemetry (bare) and the
// OTel auto-instrumentations bundle (auto), each variant in its own process, interleaved round by round.
import {
  expectAllOk,
  heapUsedMb,
  load,
  median,
  refusingPort,
  rssMb,
  runJson,
  sampleValue,
  startProcess,
  timeToFirst200,
} from '../../packages/telemetry/bench/harness.ts';
import { writeBenchmarkSection } from '../lib/benchmarks.ts';

// BENCH_QUICK=1: a smoke run of the whole pipeline with short phases; it prints and writes nothing.
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 5;
const STARTUP_PAIRS = QUICK ? 2 : 15;
const WARMUP_S = QUICK ? 1 : 3;
const MEASURE_S = QUICK ? 2 : 10;
const SETTLE_S = QUICK ? 3 : 30;
const MEASURE_FIXED_S = QUICK ? 5 : 60;
const P99_WINDOWS = QUICK ? 1 : 5;
const P99_WINDOW_S = QUICK ? 3 : 10;

type Variant = 'bare' | 'kit' | 'auto' | 'kit-10pct' | 'kit-no-tracing';
const KIT_ARGS = ['--import', '@telemetry-kit/telemetry/register'];
/**
 * How each variant runs service.ts. The goals compare bare, kit (defaults: every request traced) and
 * auto. The two other kit rows are for reading the cost, not for a goal: kit-10pct samples 10% of new
 * traces (OTEL_TRACES_SAMPLER_ARG=0.1, a common production setting), kit-no-tracing keeps logs,
 * metrics and health but has no spans or instrumentation (OTEL_SDK_DISABLED=true).
 */
const VARIANTS: Record<
  Variant,
  { service: 'bare' | 'kit' | 'auto'; nodeArgs: string[]; env: Record<string, string> }
> = {
  bare: { service: 'bare', nodeArgs: [], env: {} },
  kit: { service: 'kit', nodeArgs: KIT_ARGS, env: {} },
  // The ESM loader hook the OTel docs require for ESM services; without it auto-instrumentations-node's
  // register leaves node:http unpatched (no server spans) and the comparison would flatter "auto".
  auto: {
    service: 'auto',
    nodeArgs: [
      '--experimental-loader=@opentelemetry/instrumentation/hook.mjs',
      '--import',
      '@opentelemetry/auto-instrumentations-node/register',
    ],
    env: {},
  },
  'kit-10pct': { service: 'kit', nodeArgs: KIT_ARGS, env: { OTEL_TRACES_SAMPLER_ARG: '0.1' } },
  'kit-no-tracing': { service: 'kit', nodeArgs: KIT_ARGS, env: { OTEL_SDK_DISABLED: 'true' } },
};
const ROUND_ORDER = Object.keys(VARIANTS) as Variant[];

const round2 = (n: number) => Math.round(n * 100) / 100;
const log = (message: string) => console.log(`  ${message}`);

function serviceEnv(variant: Variant, otlpUrl: string, upstreamUrl: string): Record<string, string> {
  return {
    VARIANT: VARIANTS[variant].service,
    PORT: '0',
    UPSTREAM_URL: `${upstreamUrl}/price`,
    OTEL_SERVICE_NAME: `bench-${variant}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
    TELEMETRY_DRAIN_MS: '0',
    LOG_LEVEL: 'info',
    ...VARIANTS[variant].env,
  };
}

export async function run(): Promise<void> {
  const started = performance.now();
  const receiver = await startProcess('receiver', 'receiver.ts', {});
  const upstream = await startProcess('upstream', 'upstream.ts', {});
  const startService = (variant: Variant, otlpUrl = receiver.url) =>
    startProcess(
      variant,
      'service.ts',
      serviceEnv(variant, otlpUrl, upstream.url),
      VARIANTS[variant].nodeArgs,
    );
  const rows: string[] = [];
  const perVariant = Object.fromEntries(
    ROUND_ORDER.map((variant) => [
      variant,
      { rps: [] as number[], p99: [] as number[], startup: [] as number[] },
    ]),
  ) as Record<Variant, { rps: number[]; p99: number[]; startup: number[] }>;
  const ratios = {
    vsBare: [] as number[],
    vsAuto: [] as number[],
    p99VsBare: [] as number[],
    sampledVsBare: [] as number[],
    noTracingVsBare: [] as number[],
  };

  try {
    // 1. Throughput, p99 and start-up: bare, kit, auto, kit-10pct, kit-no-tracing, bare, kit, …
    for (let round = 1; round <= ROUNDS; round++) {
      const results: Partial<Record<Variant, { rps: number; p99: number; startup: number }>> = {};
      for (const variant of ROUND_ORDER) {
        const service = await startService(variant);
        const startup = await timeToFirst200(service.url, service.startedAt);
        await load(service.url, { durationS: WARMUP_S });
        const measured = await load(service.url, { durationS: MEASURE_S });
        await service.stop();
        expectAllOk(variant, measured);
        results[variant] = { rps: measured.rps, p99: measured.p99Ms, startup };
        perVariant[variant].rps.push(measured.rps);
        perVariant[variant].p99.push(measured.p99Ms);
        perVariant[variant].startup.push(startup);
        rows.push(
          `| ${round} | ${variant} | ${Math.round(measured.rps)} | ${measured.p50Ms} | ${measured.p99Ms} | ${Math.round(startup)} |`,
        );
        log(
          `round ${round} ${variant}: ${Math.round(measured.rps)} req/s, p99 ${measured.p99Ms} ms, first 200 after ${Math.round(startup)} ms`,
        );
      }
      const all = results as Record<Variant, { rps: number; p99: number; startup: number }>;
      const { bare, kit, auto } = all;
      ratios.vsBare.push(kit.rps / bare.rps);
      ratios.vsAuto.push(kit.rps / auto.rps);
      ratios.p99VsBare.push(kit.p99 / bare.p99);
      ratios.sampledVsBare.push(all['kit-10pct'].rps / bare.rps);
      ratios.noTracingVsBare.push(all['kit-no-tracing'].rps / bare.rps);
    }

    // 1b. Start-up: one first-200 time per round is too noisy on a shared machine (±100 ms), so bare
    // and kit start STARTUP_PAIRS more times, alternately; the figure is the median of the pairs'
    // differences.
    const startupDeltas: number[] = [];
    const startupRows: string[] = [];
    for (let pair = 1; pair <= STARTUP_PAIRS; pair++) {
      const times: Partial<Record<Variant, number>> = {};
      for (const variant of ['bare', 'kit'] as const) {
        const service = await startService(variant);
        times[variant] = await timeToFirst200(service.url, service.startedAt);
        await service.stop();
      }
      const { bare, kit } = times as Record<'bare' | 'kit', number>;
      startupDeltas.push(kit - bare);
      startupRows.push(`| ${pair} | ${Math.round(bare)} | ${Math.round(kit)} | ${Math.round(kit - bare)} |`);
    }
    log(
      `start-up: kit minus bare over ${STARTUP_PAIRS} pairs, median ${Math.round(median(startupDeltas))} ms`,
    );

    // 2. Logger: lines per second, bare pino vs the kit's logger (redaction and correlation on).
    const loggerRatios: number[] = [];
    const loggerRows: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const pino = await runJson<{ lines_per_sec: number }>('logger.ts', { VARIANT: 'pino' });
      const kit = await runJson<{ lines_per_sec: number }>('logger.ts', { VARIANT: 'kit' });
      loggerRatios.push(kit.lines_per_sec / pino.lines_per_sec);
      loggerRows.push(`| ${round} | ${pino.lines_per_sec} | ${kit.lines_per_sec} |`);
      log(`logger round ${round}: pino ${pino.lines_per_sec} lines/s, kit ${kit.lines_per_sec} lines/s`);
    }

    // 3. Memory and latency at a fixed rate: bare, the kit exporting normally, the kit with its OTLP
    // endpoint refusing connections. A fresh Node process's RSS climbs for its first ~30 s under load
    // whatever it runs (V8 sizes its heap to the allocation rate), so each process first runs SETTLE_S
    // at the rate, then RSS is measured across the next MEASURE_FIXED_S: growth there is what the
    // process keeps accumulating.
    const fixedRate = Math.max(50, Math.round(median(perVariant.kit.rps) * 0.4));
    const deadPort = await refusingPort();
    const deadUrl = `http://127.0.0.1:${deadPort}`;
    const atFixedRate = async (label: string, variant: Variant, otlpUrl: string) => {
      const service = await startService(variant, otlpUrl);
      await timeToFirst200(service.url, service.startedAt);
      const rssFresh = await rssMb(service.pid);
      await load(service.url, { durationS: SETTLE_S, overallRate: fixedRate });
      const rssBefore = await rssMb(service.pid);
      const heapBefore =
        variant === 'kit' ? heapUsedMb(await (await fetch(`${service.url}/metrics`)).text()) : undefined;
      const measured = await load(service.url, { durationS: MEASURE_FIXED_S, overallRate: fixedRate });
      const rssAfter = await rssMb(service.pid);
      const metricsText = variant === 'kit' ? await (await fetch(`${service.url}/metrics`)).text() : '';
      const heapAfter = variant === 'kit' ? heapUsedMb(metricsText) : undefined;
      expectAllOk(label, measured);
      log(
        `${label} at ${fixedRate} req/s: p99 ${measured.p99Ms} ms, RSS ${rssFresh.toFixed(1)} fresh → ${rssBefore.toFixed(1)} settled → ${rssAfter.toFixed(1)} MiB`,
      );
      return { service, measured, rssFresh, rssBefore, rssAfter, heapBefore, heapAfter, metricsText };
    };
    const bareFixed = await atFixedRate('bare', 'bare', receiver.url);
    await bareFixed.service.stop();
    const upFixed = await atFixedRate('kit, exporter up', 'kit', receiver.url);
    const downFixed = await atFixedRate('kit, exporter refusing', 'kit', deadUrl);
    const downService = downFixed.service;

    // 3b. p99 with the endpoint refusing against p99 with it up: one 60 s run of each, minutes apart,
    // differs by ±20% on a shared machine whatever the exporter does; so both settled processes take
    // the fixed rate in alternating windows (up then refusing, refusing then up, …) and the figure is
    // the median of the per-pair ratios.
    const p99Ratios: number[] = [];
    const p99Rows: string[] = [];
    const window = (url: string) => load(url, { durationS: P99_WINDOW_S, overallRate: fixedRate });
    // Each process idled while the other ran: one unmeasured window each at the rate first.
    await window(upFixed.service.url);
    await window(downService.url);
    for (let pair = 1; pair <= P99_WINDOWS; pair++) {
      // Alternate which goes first, so neither always follows the other.
      const upFirst = pair % 2 === 1;
      const first = await window(upFirst ? upFixed.service.url : downService.url);
      const second = await window(upFirst ? downService.url : upFixed.service.url);
      const [upWindow, downWindow] = upFirst ? [first, second] : [second, first];
      expectAllOk('kit, exporter up (p99 window)', upWindow);
      expectAllOk('kit, exporter refusing (p99 window)', downWindow);
      p99Ratios.push(downWindow.p99Ms / upWindow.p99Ms);
      p99Rows.push(
        `| ${pair} | ${upFirst ? 'up, refusing' : 'refusing, up'} | ${upWindow.p99Ms} | ${downWindow.p99Ms} |`,
      );
    }
    await upFixed.service.stop();
    log(
      `p99 exporter refusing / up over ${P99_WINDOWS} alternating pairs: ${p99Ratios.map(round2).join(', ')}`,
    );
    const droppedSpans =
      sampleValue(downFixed.metricsText, 'telemetry_export_dropped_total', 'signal="traces"') ?? null;
    log(`exporter refusing: ${droppedSpans} spans dropped and counted`);

    // 4. The endpoint comes back on the same port: export resumes without a restart.
    const revived = await startProcess('receiver', 'receiver.ts', { PORT: String(deadPort) });
    await load(downService.url, { durationS: 3, overallRate: 50 });
    let resumed = false;
    for (let i = 0; i < 40 && !resumed; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const stats = (await (await fetch(`${revived.url}/stats`)).json()) as { requests: number };
      resumed = stats.requests > 0;
    }
    await revived.stop();
    await downService.stop();
    log(`export resumed after the endpoint came back: ${resumed}`);

    const figures = {
      throughput_ratio_vs_bare: round2(median(ratios.vsBare)),
      throughput_ratio_vs_auto: round2(median(ratios.vsAuto)),
      p99_ratio_vs_bare: round2(median(ratios.p99VsBare)),
      throughput_ratio_vs_bare_sampled_10pct: round2(median(ratios.sampledVsBare)),
      throughput_ratio_vs_bare_tracing_off: round2(median(ratios.noTracingVsBare)),
      startup_delta_ms: Math.round(median(startupDeltas)),
      logger_ratio_vs_pino: round2(median(loggerRatios)),
      rss_growth_mb_exporter_down: round2(downFixed.rssAfter - downFixed.rssBefore),
      rss_growth_mb_exporter_up: round2(upFixed.rssAfter - upFixed.rssBefore),
      rss_growth_mb_bare: round2(bareFixed.rssAfter - bareFixed.rssBefore),
      rss_settle_rise_mb_exporter_down: round2(downFixed.rssBefore - downFixed.rssFresh),
      rss_settle_rise_mb_bare: round2(bareFixed.rssBefore - bareFixed.rssFresh),
      heap_used_mb_exporter_down_start: round2(downFixed.heapBefore ?? Number.NaN),
      heap_used_mb_exporter_down_end: round2(downFixed.heapAfter ?? Number.NaN),
      p99_ratio_exporter_down: round2(median(p99Ratios)),
      dropped_spans_exporter_down: droppedSpans,
      export_resumed: resumed,
      fixed_rate_rps: fixedRate,
      bare_rps: Math.round(median(perVariant.bare.rps)),
      kit_rps: Math.round(median(perVariant.kit.rps)),
      auto_rps: Math.round(median(perVariant.auto.rps)),
      kit_10pct_rps: Math.round(median(perVariant['kit-10pct'].rps)),
      kit_no_tracing_rps: Math.round(median(perVariant['kit-no-tracing'].rps)),
      bare_first_200_ms: Math.round(median(perVariant.bare.startup)),
      kit_first_200_ms: Math.round(median(perVariant.kit.startup)),
      auto_first_200_ms: Math.round(median(perVariant.auto.startup)),
      bench_seconds: Math.round((performance.now() - started) / 1000),
    };
    const markdown = [
      'Throughput runs (autocannon, 16 connections, POST /orders with a ~1 KB body; each row a fresh process):',
      '',
      '| round | variant | req/s | p50 ms | p99 ms | first 200 ms |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `Start-up (ms from spawn to the first 200 of POST /orders; bare and kit alternately, ${STARTUP_PAIRS} pairs; startup_delta_ms is the median of the differences):`,
      '',
      '| pair | bare | kit | kit − bare |',
      '|---|---|---|---|',
      ...startupRows,
      '',
      'Logger (lines/s to /dev/null; the kit logger inside a request context and an active span):',
      '',
      '| round | pino | kit |',
      '|---|---|---|',
      ...loggerRows,
      '',
      `Fixed rate, ${fixedRate} req/s (40% of the kit's throughput), each a fresh process that first runs ${SETTLE_S} s at the rate (RSS settles: a fresh Node process's heap grows to its allocation rate, bare included), then ${MEASURE_FIXED_S} s measured:`,
      '',
      '| process | RSS fresh MiB | RSS settled MiB | RSS after MiB | growth MiB | p99 ms |',
      '|---|---|---|---|---|---|',
      ...(
        [
          ['bare', bareFixed],
          ['kit, exporter up', upFixed],
          ['kit, OTLP endpoint refusing', downFixed],
        ] as const
      ).map(
        ([label, r]) =>
          `| ${label} | ${r.rssFresh.toFixed(1)} | ${r.rssBefore.toFixed(1)} | ${r.rssAfter.toFixed(1)} | ${(r.rssAfter - r.rssBefore).toFixed(1)} | ${r.measured.p99Ms} |`,
      ),
      '',
      `p99 at ${fixedRate} req/s, the two settled kit processes loaded in alternating ${P99_WINDOW_S} s windows after one unmeasured window each (p99_ratio_exporter_down is the median of the per-pair ratios):`,
      '',
      '| pair | order | exporter up p99 ms | endpoint refusing p99 ms |',
      '|---|---|---|---|',
      ...p99Rows,
      '',
      `With the endpoint refusing, the V8 heap used went ${downFixed.heapBefore?.toFixed(1)} → ${downFixed.heapAfter?.toFixed(1)} MiB over the measured ${MEASURE_FIXED_S} s and ${droppedSpans} spans were counted in telemetry_export_dropped_total; a receiver then started on the same port ${resumed ? 'received' : 'did not receive'} spans without a restart.`,
    ].join('\n');
    if (QUICK) {
      console.log(JSON.stringify(figures, null, 2));
      return;
    }
    const stored = await writeBenchmarkSection('telemetry', {
      description:
        'One route, three ways of running its service process — bare (no telemetry), kit (@telemetry-kit/telemetry via --import, defaults: every request traced), auto (@opentelemetry/auto-instrumentations-node defaults, with the ESM loader hook its docs require for ESM services) — parsing a ~1 KB JSON body, logging one line, calling one local upstream over HTTP; all export OTLP/HTTP to one local receiver that accepts and drops. Variants run interleaved, one fresh process each, with a warm-up; ratios are medians of per-round ratios. Two more kit rows in each round show where the cost is, without a goal: kit-10pct samples 10% of new traces (OTEL_TRACES_SAMPLER_ARG=0.1), kit-no-tracing has logs, metrics and health but no spans or instrumentation (OTEL_SDK_DISABLED=true). Memory and p99 under a fixed rate are measured after each process has settled for 30 s at that rate, bare alongside as the reference; the exporter-down p99 ratio comes from alternating windows of the two settled kit processes.',
      figures,
      goals: {
        throughput_ratio_vs_bare: '>= 0.80',
        throughput_ratio_vs_auto: '>= 1.25',
        startup_delta_ms: '<= 80',
        logger_ratio_vs_pino: '>= 0.70',
        rss_growth_mb_exporter_down: '<= 30',
        p99_ratio_exporter_down: '<= 1.10',
        export_resumed: 'true',
      },
      markdown,
    });
    console.log(JSON.stringify(stored.figures, null, 2));
  } finally {
    await upstream.stop();
    await receiver.stop();
  }
}
