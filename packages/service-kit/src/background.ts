import { SpanKind } from '@opentelemetry/api';
import type { Telemetry } from '@telemetry-kit/telemetry';

/**
 * Runs one piece of off-request work (a refresh, a sweep, a queue poll) as its own trace: a root
 * INTERNAL span named `job <name>`, so the queries it makes hang under it, and a failure is captured
 * by the error tracker (source `background`, exception event on that span) instead of becoming an
 * unhandled rejection that takes the process down. Never rejects.
 */
export async function runJob(
  telemetry: Telemetry,
  name: string,
  job: () => Promise<void> | void,
): Promise<void> {
  await telemetry.tracer.startActiveSpan(
    `job ${name}`,
    { kind: SpanKind.INTERNAL, root: true, attributes: { 'job.name': name } },
    async (span) => {
      try {
        await job();
      } catch (error) {
        telemetry.errors.capture(error, { source: 'background' });
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs `job` every `intervalMs` (first run after one interval) until the process exits; a run still
 * going when the next is due is not overlapped, the next one is skipped.
 */
export function every(
  telemetry: Telemetry,
  name: string,
  intervalMs: number,
  job: () => Promise<void> | void,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void runJob(telemetry, name, job).finally(() => {
      running = false;
    });
  }, intervalMs);
  // A timer must not keep a draining process alive.
  timer.unref();
  return () => clearInterval(timer);
}
