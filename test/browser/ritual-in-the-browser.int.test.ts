import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expectTrace } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../e2e/lib/service-process.ts';
import { REPO_ROOT, startServiceProcess } from '../e2e/lib/service-process.ts';
import type { ReferenceApp } from '../e2e/lib/stack.ts';
import { startReferenceApp } from '../e2e/lib/stack.ts';
import { FaroCollector } from './faro-collector.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const WEB_DIR = path.join(REPO_ROOT, 'services/web');

// CI installs Debian's chromium (.ci/run); elsewhere the suite says in one line why it skips.
const describeWithChromium: typeof describeWithContainers =
  hasChromium || process.env.CI === 'true'
    ? describeWithContainers
    : (title) =>
        describe(title, () => {
          it.skip(`skipped: no Chromium at ${CHROMIUM} — apt-get install chromium, or set CHROMIUM_PATH`, () => {});
        });

describeWithChromium('the web app in headless Chromium', { images: ['POSTGRES_IMAGE'] }, () => {
  let app: ReferenceApp;
  let web: ServiceProcess;
  let collector: FaroCollector;
  let browser: Browser;

  beforeAll(async () => {
    await promisify(execFile)(
      process.execPath,
      [path.join(WEB_DIR, 'node_modules/vite/bin/vite.js'), 'build'],
      {
        cwd: WEB_DIR,
      },
    );
    [app, collector] = await Promise.all([startReferenceApp(), FaroCollector.start()]);
    web = await startServiceProcess('web', app.sink, {
      GATEWAY_URL: app.gatewayUrl,
      FARO_COLLECTOR_URL: collector.url,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await collector?.stop();
    await app?.stop();
  });

  it('signs up, generates and plays a ritual, in one trace from the browser to the gateway', async () => {
    const page = await browser.newPage();
    await page.goto(web.url);
    await page.fill('[data-testid=signup-form] [name=displayName]', 'Browser user');
    await page.fill('[data-testid=signup-form] [name=email]', 'browser.user@example.test');
    await page.fill('[data-testid=signup-form] [name=password]', 'a long enough password');
    await page.click('[data-testid=signup-form] button');
    await page.waitForSelector('[data-testid=generate-form]', { state: 'visible' });

    await page.fill('[data-testid=generate-form] [name=intention]', 'courage for a difficult call');
    const [generate] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/rituals'),
      page.click('[data-testid=generate-form] button'),
    ]);
    const traceparent = (await generate.allHeaders()).traceparent ?? '';
    expect(traceparent, 'the browser’s fetch carries a W3C traceparent').toMatch(
      /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/,
    );
    const browserTraceId = traceparent.split('-')[1] as string;

    await page.waitForSelector('[data-testid=ritual-text]:not(:empty)', { timeout: 30_000 });
    await page.click('[data-testid=play]');
    // A string, so this file needs no DOM types: it runs in the page.
    const audio = await page.waitForFunction(
      `(() => {
        const element = document.querySelector('[data-testid=ritual-audio]');
        return element && !element.paused && element.currentTime > 0 ? { duration: element.duration } : undefined;
      })()`,
      undefined,
      { timeout: 20_000 },
    );
    const { duration } = (await audio.jsonValue()) as { duration: number };
    expect(duration, 'the WAV decoded in the browser has seconds of speech').toBeGreaterThan(1);

    const trace = await expectTrace(
      app.sink,
      {
        traceId: browserTraceId,
        spans: [
          { as: 'web', service: 'web', kind: 'server' },
          { as: 'gateway', service: 'gateway', kind: 'server', attributes: { 'http.route': '/api/rituals' } },
          { service: 'rituals', kind: 'server', attributes: { 'http.route': '/rituals' } },
        ],
      },
      { timeout: 20_000 },
    );
    expect(trace.matched.gateway?.traceId).toBe(browserTraceId);

    await expect
      .poll(() => collector.traceIds().has(browserTraceId), {
        timeout: 20_000,
        message: 'the browser reported its own span of that trace to the Faro collector',
      })
      .toBe(true);
  });
});
