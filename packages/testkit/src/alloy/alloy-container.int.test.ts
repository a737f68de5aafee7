import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedAlloyContainer } from './alloy-container.ts';
import { AlloyContainer } from './alloy-container.ts';

// Alloy's own configuration only: its exporters point at loki/tempo, which this suite does not
// start, so it proves the configuration loads and the receivers listen (LgtmStack tests the rest).
describeWithContainers('AlloyContainer (compose/alloy/config.alloy)', { images: ['ALLOY_IMAGE'] }, () => {
  let alloy: StartedAlloyContainer;

  beforeAll(async () => {
    alloy = await new AlloyContainer().start();
  });
  afterAll(async () => {
    await alloy?.stop();
  });

  it('is ready with compose’s configuration and accepts OTLP/JSON on its HTTP receiver', async () => {
    expect((await fetch(`${alloy.url}/-/ready`)).status).toBe(200);
    const response = await fetch(`${alloy.otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    expect(response.status).toBe(200);
  });

  it.each(['http://localhost:3000', 'http://127.0.0.1:3000'])(
    'answers a Faro CORS preflight from the web app at %s',
    async (origin) => {
      const preflight = await fetch(alloy.faroUrl, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    },
  );
});
