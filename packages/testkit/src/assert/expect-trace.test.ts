import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceClient } from '../../test/helpers/otel-clients.ts';
import { TelemetrySink } from '../sink/telemetry-sink.ts';
import { expectTrace } from './expect-trace.ts';

let sink: TelemetrySink;
beforeAll(async () => {
  sink = await TelemetrySink.start();
});
beforeEach(() => sink.clear());
afterAll(async () => {
  await sink.stop();
});

/** gateway → rituals → llm-emulator, each service with its own SDK, as three processes would. */
async function emitRitualTrace() {
  const gateway = serviceClient('gateway', sink.endpoints, 'protobuf');
  const rituals = serviceClient('rituals', sink.endpoints, 'json');
  const llm = serviceClient('llm-emulator', sink.endpoints, 'protobuf');
  const root = gateway.tracer.startSpan('POST /rituals', {
    kind: SpanKind.SERVER,
    attributes: { 'http.route': '/rituals' },
  });
  const generate = rituals.child(root, 'generate ritual');
  generate.setAttribute('ritual.kind', 'morning');
  const completion = llm.child(generate, 'chat emulator');
  completion.setAttribute('gen_ai.request.model', 'emulator-1');
  completion.end();
  generate.end();
  root.end();
  for (const client of [gateway, rituals, llm]) await client.shutdown();
  return root.spanContext().traceId;
}

describe('expectTrace', () => {
  it('finds one trace across services with the parent links asked for, and returns the matched spans', async () => {
    const traceId = await emitRitualTrace();
    const trace = await expectTrace(sink, {
      spans: [
        { as: 'request', service: 'gateway', name: 'POST /rituals', kind: 'server', parent: null },
        { as: 'generate', service: 'rituals', parent: 'request', attributes: { 'ritual.kind': 'morning' } },
        {
          service: 'llm-emulator',
          name: /^chat/,
          parent: 'generate',
          attributes: { 'gen_ai.request.model': 'emulator-1' },
        },
      ],
    });
    expect(trace.traceId).toBe(traceId);
    expect(trace.spans).toHaveLength(3);
    expect(trace.matched.generate?.name).toBe('generate ritual');
  });

  it('waits for spans that arrive after it started, until the trace stops growing', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'protobuf');
    const root = gateway.tracer.startSpan('POST /rituals');
    setTimeout(() => {
      const late = gateway.child(root, 'late child');
      late.end();
      root.end();
      void gateway.shutdown();
    }, 300);
    const trace = await expectTrace(
      sink,
      { spans: [{ name: 'late child' }] },
      { timeout: 5000, settle: 300 },
    );
    // The root span ends in the same tick as the child; settling waits until it is there too.
    expect(trace.spans.map((s) => s.name).sort()).toEqual(['POST /rituals', 'late child']);
  });

  it('fails naming the missing span and showing the closest trace', async () => {
    await emitRitualTrace();
    const failure = expectTrace(
      sink,
      {
        spans: [
          { service: 'gateway', name: 'POST /rituals' },
          { service: 'marketplace', name: 'list listings' },
        ],
      },
      { timeout: 300, interval: 50 },
    );
    await expect(failure).rejects.toThrow(
      /expected a trace in the telemetry sink at http:\/\/127\.0\.0\.1:\d+ with spans:/,
    );
    await expect(failure).rejects.toThrow(
      /matches 1 of 2 span expectations — no span matches:\n\s+service=marketplace name="list listings"/,
    );
    await expect(failure).rejects.toThrow(/gateway "POST \/rituals" \[server, unset\]/);
  });

  it('fails when every span exists but a parent link does not hold', async () => {
    await emitRitualTrace();
    await expect(
      expectTrace(
        sink,
        {
          spans: [
            { as: 'request', service: 'gateway' },
            { service: 'llm-emulator', parent: 'request' },
          ],
        },
        { timeout: 300, interval: 50 },
      ),
    ).rejects.toThrow(/every span has a candidate, but no assignment satisfies the parent links/);
  });

  it('does not join spans of different traces into one', async () => {
    const gateway = serviceClient('gateway', sink.endpoints, 'protobuf');
    const rituals = serviceClient('rituals', sink.endpoints, 'protobuf');
    gateway.tracer.startSpan('POST /rituals').end();
    rituals.tracer.startSpan('generate ritual').end();
    await Promise.all([gateway.shutdown(), rituals.shutdown()]);
    await expect(
      expectTrace(
        sink,
        { spans: [{ service: 'gateway' }, { service: 'rituals' }] },
        { timeout: 300, interval: 50 },
      ),
    ).rejects.toThrow(/2 trace\(s\); the closest, [0-9a-f]{32}, matches 1 of 2/);
  });

  it('rejects a parent reference that no expectation names', async () => {
    await expect(expectTrace(sink, { spans: [{ name: 'x', parent: 'nobody' }] })).rejects.toThrow(
      /names parent "nobody", which no expectation has as its `as`/,
    );
  });
});
