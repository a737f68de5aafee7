import { afterAll, beforeAll, it } from 'vitest';
import { expectLog } from '../assert/expect-log.ts';
import { lokiBackend } from '../assert/stack-backends.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedLokiContainer } from './loki-container.ts';
import { LokiContainer } from './loki-container.ts';

describeWithContainers('LokiContainer', { images: ['LOKI_IMAGE'] }, () => {
  let loki: StartedLokiContainer;

  beforeAll(async () => {
    loki = await new LokiContainer().start();
  });
  afterAll(async () => {
    await loki?.stop();
  });

  it('stores a pushed JSON line, which expectLog finds by trace id through the query API', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const line = JSON.stringify({ level: 50, msg: 'purchase declined', trace_id: traceId });
    const response = await fetch(loki.pushUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          {
            stream: { service_name: 'marketplace' },
            values: [[String(BigInt(Date.now()) * 1_000_000n), line]],
          },
        ],
      }),
    });
    if (!response.ok) throw new Error(`push failed: ${response.status} ${await response.text()}`);
    await expectLog(
      lokiBackend(loki.url),
      { service: 'marketplace', traceId, level: 'error' },
      { timeout: 30_000 },
    );
  });
});
