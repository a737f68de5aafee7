import { afterAll, beforeAll, it } from 'vitest';
import { serviceClient } from '../../test/helpers/otel-clients.ts';
import { expectTrace } from '../assert/expect-trace.ts';
import { tempoBackend } from '../assert/stack-backends.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedTempoContainer } from './tempo-container.ts';
import { TempoContainer } from './tempo-container.ts';

describeWithContainers('TempoContainer (compose/tempo/tempo.yaml)', { images: ['TEMPO_IMAGE'] }, () => {
  let tempo: StartedTempoContainer;

  beforeAll(async () => {
    tempo = await new TempoContainer().start();
  });
  afterAll(async () => {
    await tempo?.stop();
  });

  it('receives OTLP/HTTP spans, which expectTrace finds through the query API', async () => {
    const client = serviceClient(
      'gateway',
      { traces: `${tempo.otlpHttpUrl}/v1/traces`, logs: `${tempo.otlpHttpUrl}/v1/logs` },
      'protobuf',
    );
    const root = client.tracer.startSpan('POST /rituals');
    client.child(root, 'generate ritual').end();
    root.end();
    await client.flush();
    await client.shutdown();
    await expectTrace(
      tempoBackend(tempo.url),
      {
        traceId: root.spanContext().traceId,
        spans: [
          { as: 'root', name: 'POST /rituals' },
          { name: 'generate ritual', parent: 'root' },
        ],
      },
      { timeout: 60_000, interval: 1000 },
    );
  });
});
