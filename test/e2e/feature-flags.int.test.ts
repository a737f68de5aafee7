// Feature flags in the running reference application: the gateway, rituals and marketplace as processes
// reading one flag file (FLAGS_FILE), as compose and the clusters run them. A variant per user from
// fractional targeting, recorded on the server span and as a bounded metric label, never the user id;
// the LLM kill switch flipped by editing the file while the services run.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { renderFlags } from '@telemetry-kit/observability-config/targets/flags';
import type { TelemetrySpan } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ReferenceApp } from './lib/stack.ts';
import { callApi, startReferenceApp } from './lib/stack.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'flags-e2e-'));
const FLAGS_FILE = path.join(dir, 'flags.json');
/** Staging's flags: every user gets extended rituals, so the variant is known in advance. */
const staging = JSON.parse(renderFlags(REPO_ROOT, loadSettings(REPO_ROOT), 'staging'));
const writeFlags = (flags: unknown) => {
  writeFileSync(`${FLAGS_FILE}.tmp`, JSON.stringify(flags, null, 2));
  renameSync(`${FLAGS_FILE}.tmp`, FLAGS_FILE);
};

async function metricLines(url: string, name: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`));
}

describeWithContainers('feature flags in the reference application', { images: ['POSTGRES_IMAGE'] }, () => {
  let app: ReferenceApp;
  let token: string;
  let userId: string;

  const call = (method: string, route: string, body?: unknown) =>
    callApi(app.gatewayUrl, method, route, { body, token });

  beforeAll(async () => {
    writeFlags(staging);
    app = await startReferenceApp({ env: { FLAGS_FILE } });
    const signup = await call('POST', '/api/signup', {
      email: 'flags@example.com',
      password: 'a long enough password',
      displayName: 'Flags',
    });
    expect(signup.status, JSON.stringify(signup.body)).toBe(201);
    token = signup.body.token as string;
    userId = (signup.body.user as { id: string }).id;
  });

  afterAll(async () => {
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the user’s variant on rituals’ server span, and the user id nowhere', async () => {
    const generated = await call('POST', '/api/rituals', { intention: 'a quiet evening' });
    expect(generated.status, JSON.stringify(generated.body)).toBe(201);
    expect(generated.body.model).toBe('ritual-emulator-1');
    const isRitualsServer = (s: TelemetrySpan) =>
      s.service === 'rituals' && s.kind === 'server' && s.attributes['http.route'] === '/rituals';
    await expect.poll(() => app.sink.spans().find(isRitualsServer), { timeout: 10_000 }).toBeDefined();
    const server = app.sink.spans().find(isRitualsServer);
    const evaluations = (server?.events ?? []).filter((e) => e.name === 'feature_flag.evaluation');
    expect(evaluations.map((e) => e.attributes)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          'feature_flag.key': 'ritual-length',
          'feature_flag.provider.name': 'flagd',
          'feature_flag.result.variant': 'extended',
          'feature_flag.result.reason': 'targeting_match',
        }),
        expect.objectContaining({
          'feature_flag.key': 'rituals-llm-kill-switch',
          'feature_flag.result.variant': 'off',
        }),
      ]),
    );
    const everything = JSON.stringify([
      app.sink.spans(),
      ...Object.values(app.services).map((s) => s.output),
    ]);
    expect(everything.includes(userId), 'the user id reached a span or a log line').toBe(false);
  });

  it('counts generated, listed and sold in the variant, a bounded label', async () => {
    const generated = await call('POST', '/api/rituals', { intention: 'a morning walk' });
    const listing = await call('POST', '/api/listings', {
      ritualId: generated.body.id,
      title: 'Morning walk',
      priceCents: 300,
      currency: 'EUR',
    });
    expect(listing.status, JSON.stringify(listing.body)).toBe(201);
    const buyer = await callApi(app.gatewayUrl, 'POST', '/api/signup', {
      body: { email: 'buyer@example.com', password: 'another long password', displayName: 'Buyer' },
    });
    const bought = await callApi(app.gatewayUrl, 'POST', `/api/listings/${listing.body.id}/purchase`, {
      token: buyer.body.token as string,
      body: {
        payment: {
          cardNumber: '4242 4242 4242 4242',
          expMonth: 12,
          expYear: new Date().getUTCFullYear() + 2,
          cvc: '123',
        },
      },
    });
    expect(bought.status, JSON.stringify(bought.body)).toBe(201);

    const rituals = await metricLines(app.service('rituals').url, 'rituals_generated_total');
    expect(
      rituals.find((l) => l.includes('outcome="success"') && l.includes('ritual_length="extended"')),
    ).toMatch(/ [1-9]\d*$/);
    const marketplace = app.service('marketplace').url;
    expect((await metricLines(marketplace, 'marketplace_listings_created_total')).join('\n')).toMatch(
      /ritual_length="extended"[^\n]* 1$/m,
    );
    expect((await metricLines(marketplace, 'marketplace_purchases_total')).join('\n')).toMatch(
      /outcome="completed"[^\n]*ritual_length="extended"[^\n]* 1$|ritual_length="extended"[^\n]*outcome="completed"[^\n]* 1$/m,
    );
  });

  it('turns the LLM kill switch on with a file edit, in the running rituals, within 5 s', async () => {
    const killed = structuredClone(staging);
    killed.flags['rituals-llm-kill-switch'].defaultVariant = 'on';
    writeFlags(killed);
    const started = performance.now();
    let model: unknown;
    while (performance.now() - started < 5000) {
      model = (await call('POST', '/api/rituals', { intention: 'a slow breath' })).body.model;
      if (model === 'stored-ritual') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(model, 'rituals still called the model 5 s after the edit').toBe('stored-ritual');
    console.info(`kill switch live after ${Math.round(performance.now() - started)} ms`);
    expect(app.service('rituals').output.join('\n')).toContain('feature flags reloaded');
  });
});
