// Logger throughput, one variant per process (VARIANT=pino|kit): lines per second written to
// /dev/null for a typical line. "kit" is the library's logger with redaction and correlation on,
// called inside a request context and an active span, as in a request handler.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { type Logger, pino } from 'pino';
import { requestContext } from '../src/context.ts';
import { createLogger } from '../src/logger.ts';

const variant = process.env.VARIANT ?? 'pino';
const durationMs = Number(process.env.DURATION_MS ?? 2000);
const warmupMs = Number(process.env.WARMUP_MS ?? 500);
const destination = pino.destination({ dest: '/dev/null', sync: true });
const base = { service: 'bench', environment: 'bench', version: 'dev' };

const logger: Logger =
  variant === 'kit'
    ? createLogger({ ...base, level: 'info', destination })
    : pino({ level: 'info', base }, destination);

function logFor(ms: number): number {
  const order = { id: 'o-123', items: 3, total_cents: 1299, currency: 'EUR' };
  const until = performance.now() + ms;
  let lines = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) {
      logger.info({ order, route: '/orders', attempt: i }, 'order received');
    }
    lines += 100;
  }
  return lines;
}

function measure(): number {
  logFor(warmupMs);
  const started = performance.now();
  const lines = logFor(durationMs);
  return lines / ((performance.now() - started) / 1000);
}

let linesPerSecond: number;
if (variant === 'kit') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const span = new TracerProvider().getTracer('bench').startSpan('POST /orders');
  linesPerSecond = requestContext.run({ requestId: 'req-1', userPseudoId: 'p-1' }, () =>
    context.with(trace.setSpan(context.active(), span), measure),
  );
} else {
  linesPerSecond = measure();
}
process.stdout.write(`${JSON.stringify({ variant, lines_per_sec: Math.round(linesPerSecond) })}\n`);
