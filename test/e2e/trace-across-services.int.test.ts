import { randomBytes } from 'node:crypto';
import { INVALID_TRACEPARENTS } from '@telemetry-kit/service-kit/testing';
import { findLeaks, KEYED_SECRETS, VALUE_SECRETS } from '@telemetry-kit/telemetry/testing';
import { expectLog, expectMetric, expectTrace, metricsPageBackend } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReferenceApp } from './lib/stack.ts';
import { callApi, startReferenceApp } from './lib/stack.ts';

const secret = (name: string) => VALUE_SECRETS.find((s) => s.name === name)?.value as string;
const keyed = (key: string) => KEYED_SECRETS.find((s) => s.key === key)?.value as string;

// Inputs taken from the telemetry library's leak corpus, so "nothing leaked" means something.
const EMAIL = secret('email');
const PASSWORD = keyed('password');
const CARD = secret('card-visa');
const CVC = keyed('cvv');
const API_KEY_HEADER = keyed('x-api-key');

describeWithContainers(
  'one request through the reference application',
  { images: ['POSTGRES_IMAGE'] },
  () => {
    let app: ReferenceApp;
    let token: string;
    let traceId: string;
    let ritual: { id: string; audioUrl: string; text: string };

    const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      callApi(app.gatewayUrl, method, path, {
        body,
        token,
        headers: { 'x-api-key': API_KEY_HEADER, ...headers },
      });

    beforeAll(async () => {
      app = await startReferenceApp();
      const signup = await call('POST', '/api/signup', {
        email: EMAIL,
        password: PASSWORD,
        displayName: 'Alice',
      });
      expect(signup.status, JSON.stringify(signup.body)).toBe(201);
      token = signup.body.token as string;

      traceId = randomBytes(16).toString('hex');
      const generated = await call(
        'POST',
        '/api/rituals',
        { intention: 'a calm start before a hard meeting' },
        { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      );
      expect(generated.status, JSON.stringify(generated.body)).toBe(201);
      ritual = generated.body as typeof ritual;
    });

    afterAll(async () => {
      await app?.stop();
    });

    it('yields one trace: gateway → rituals → llm-emulator, with the LLM call and the synthesis as spans', async () => {
      const trace = await expectTrace(
        app.sink,
        {
          traceId,
          spans: [
            {
              as: 'gateway',
              service: 'gateway',
              kind: 'server',
              attributes: { 'http.route': '/api/rituals' },
            },
            { as: 'forward', service: 'gateway', kind: 'client', parent: 'gateway' },
            {
              as: 'rituals',
              service: 'rituals',
              kind: 'server',
              parent: 'forward',
              attributes: { 'http.route': '/rituals' },
            },
            {
              as: 'llm',
              service: 'rituals',
              name: 'chat ritual-emulator-1',
              kind: 'client',
              parent: 'rituals',
              attributes: {
                'gen_ai.operation.name': 'chat',
                'gen_ai.request.model': 'ritual-emulator-1',
                'gen_ai.usage.output_tokens': (v: unknown) => typeof v === 'number' && v > 0,
              },
            },
            { as: 'llm-http', service: 'rituals', kind: 'client', parent: 'llm' },
            {
              service: 'llm-emulator',
              kind: 'server',
              parent: 'llm-http',
              attributes: { 'http.route': '/v1/chat/completions' },
            },
            { service: 'rituals', name: 'synthesise speech', parent: 'rituals' },
          ],
        },
        { timeout: 20_000 },
      );
      expect(new Set(trace.spans.map((span) => span.traceId))).toEqual(new Set([traceId]));
    });

    it('writes log lines carrying that trace id in all three services', async () => {
      for (const service of ['gateway', 'rituals', 'llm-emulator']) {
        await expectLog(app.sink, { service, traceId }, { timeout: 10_000 });
      }
    });

    it('serves the ritual’s audio as a real WAV through the gateway', async () => {
      const response = await fetch(`${app.gatewayUrl}${ritual.audioUrl}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('audio/wav');
      const wav = Buffer.from(await response.arrayBuffer());
      expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
      expect(wav.toString('ascii', 8, 12)).toBe('WAVE');
      expect(wav.length, 'seconds of 22 kHz 16-bit speech, not an empty file').toBeGreaterThan(20_000);
    });

    it('sells and buys through the marketplace, and counts it in the business metrics', async () => {
      const listing = await call('POST', '/api/listings', {
        ritualId: ritual.id,
        title: 'Before the meeting',
        priceCents: 350,
        currency: 'EUR',
      });
      expect(listing.status, JSON.stringify(listing.body)).toBe(201);
      const sellerToken = token;
      const buyer = await call('POST', '/api/signup', {
        email: secret('email-plus'),
        password: keyed('newPassword'),
        displayName: 'Bob',
      });
      token = buyer.body.token as string;
      const purchase = await call('POST', `/api/listings/${listing.body.id as string}/purchase`, {
        payment: { cardNumber: CARD, expMonth: 12, expYear: new Date().getUTCFullYear() + 3, cvc: CVC },
      });
      token = sellerToken;
      expect(purchase.status, JSON.stringify(purchase.body)).toBe(201);
      expect(purchase.body.cardLast4).toBe('1111');

      await expectMetric(metricsPageBackend(`${app.service('marketplace').url}/metrics`), {
        // Counted in the seller's ritual-length variant (no flag file here: every user gets the default).
        query: 'marketplace_purchases_total{outcome="completed",ritual_length="standard"}',
        value: 1,
      });
      await expectMetric(metricsPageBackend(`${app.service('marketplace').url}/metrics`), {
        query: 'marketplace_purchase_amount_cents_total{currency="EUR"}',
        value: 350,
      });
      await expectMetric(metricsPageBackend(`${app.service('gateway').url}/metrics`), {
        query: 'user_signups_total{outcome="created"}',
        value: 2,
      });
      await expectMetric(metricsPageBackend(`${app.service('rituals').url}/metrics`), {
        query: 'rituals_generated_total{outcome="success",ritual_length="standard"}',
        value: 1,
      });
      await expectMetric(metricsPageBackend(`${app.service('rituals').url}/metrics`), {
        query:
          'gen_ai_client_operation_duration_seconds_count{gen_ai_request_model="ritual-emulator-1",gen_ai_operation_name="chat",outcome="success"}',
        value: 1,
      });
    });

    it('answers requests with an invalid traceparent in every service as without one, never with a 5xx', async () => {
      const probes = [
        `${app.gatewayUrl}/api/listings`,
        `${app.service('marketplace').url}/listings`,
        `${app.service('rituals').url}/rituals/${ritual.id}`,
        `${app.service('llm-emulator').url}/v1/models`,
      ];
      for (const url of probes) {
        const expected = (await fetch(url)).status;
        expect(expected, url).toBeLessThan(500);
        for (const traceparent of INVALID_TRACEPARENTS) {
          const response = await fetch(url, { headers: { traceparent } }).catch((error: Error) => ({
            status: `refused by fetch: ${error.message}`,
          }));
          // fetch itself refuses header values with NUL; that case never reaches the server.
          if (typeof response.status === 'string') continue;
          expect(response.status, `${url} with traceparent ${traceparent.slice(0, 60)}`).toBe(expected);
        }
      }
    });

    it('lets no secret or personal data from the leak corpus reach any service’s output or spans', async () => {
      // Secrets on error paths too: a login with a wrong password and an extra field, a bad card.
      await call('POST', '/api/login', { email: EMAIL, password: `${PASSWORD}!` });
      await call('POST', '/api/login', { email: EMAIL, password: PASSWORD, apiKey: secret('openai-key') });
      await call('GET', `/api/listings?token=${encodeURIComponent(secret('jwt'))}`);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // one batch-export interval for the last spans
      const outputs = Object.values(app.services).map((s) => ({
        sink: s.service,
        text: s.output.join('\n'),
      }));
      outputs.push({ sink: 'spans', text: JSON.stringify(app.sink.spans()) });
      const runtimeSecrets = {
        sessionToken: token,
        password: PASSWORD,
        email: EMAIL,
        card: CARD.replace(/ /g, ''),
        apiKeyHeader: API_KEY_HEADER,
      };
      const leaks = outputs.flatMap(({ sink, text }) => [
        ...findLeaks(sink, text).map(({ sample }) => ({ sample, sink })),
        ...Object.entries(runtimeSecrets)
          .filter(([, value]) => text.includes(value))
          .map(([name]) => ({ sample: name, sink })),
      ]);
      expect(leaks, 'secrets found in service output (sample ids and sinks only)').toEqual([]);
      expect(
        outputs.map((o) => o.text.length).every((n) => n > 0),
        'every service wrote output',
      ).toBe(true);
    });
  },
);
