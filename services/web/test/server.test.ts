import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebServer } from '../src/server.ts';

describe('the web server', () => {
  let dist: string;
  let gatewayUrl: string;
  const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
  const gateway = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      if (request.url === '/api/login') {
        response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '42' }).end('{}');
        return;
      }
      response
        .writeHead(201, { 'content-type': 'application/json', 'set-cookie': 'tracking=1' })
        .end('{"ok":true}');
    });
  });

  beforeAll(async () => {
    dist = await mkdtemp(path.join(os.tmpdir(), 'web-dist-'));
    await writeFile(path.join(dist, 'index.html'), '<!doctype html><title>Rituals</title>');
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    gateway.close();
    await rm(dist, { recursive: true, force: true });
  });

  const server = () =>
    buildWebServer({
      distDir: dist,
      gatewayUrl,
      browserConfig: { faroUrl: 'http://localhost:12347/collect', environment: 'test', version: 'abc123' },
      faults: new FaultInjector(),
    });

  it('serves the app and its runtime configuration', async () => {
    const app = await server();
    expect((await app.inject({ method: 'GET', url: '/' })).body).toContain('<title>Rituals</title>');
    const config = await app.inject({ method: 'GET', url: '/config.js' });
    expect(config.headers['content-type']).toMatch(/javascript/);
    expect(config.body).toContain('"faroUrl":"http://localhost:12347/collect"');
  });

  it('proxies /api to the gateway with the body untouched, the auth header on, and cookies off', async () => {
    const app = await server();
    const raw = '{"intention":"calm",   "x":1}';
    const response = await app.inject({
      method: 'POST',
      url: '/api/rituals?x=1',
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc', cookie: 'session=secret' },
      payload: raw,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ ok: true });
    expect(response.headers['set-cookie']).toBeUndefined();
    const forwarded = seen.at(-1);
    expect(forwarded).toMatchObject({ method: 'POST', url: '/api/rituals?x=1', body: raw });
    expect(forwarded?.headers.authorization).toBe('Bearer abc');
    expect(forwarded?.headers.cookie).toBeUndefined();
  });

  it('tells the gateway the browser’s address and hands the browser a Retry-After', async () => {
    const app = await server();
    const response = await app.inject({
      method: 'POST',
      url: '/api/login',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
      remoteAddress: '203.0.113.9',
    });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('42');
    expect(seen.at(-1)?.headers['x-forwarded-for']).toBe('203.0.113.9');
  });

  it('answers 502 with a JSON error when the gateway is down', async () => {
    const app = await buildWebServer({
      distDir: dist,
      gatewayUrl: 'http://127.0.0.1:9',
      browserConfig: { faroUrl: '', environment: 'test', version: 'x' },
      faults: new FaultInjector(),
    });
    const response = await app.inject({ method: 'GET', url: '/api/listings' });
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe('gateway_unavailable');
  });

  it('refuses to start without a built app, saying how to build it', async () => {
    await expect(
      buildWebServer({
        distDir: path.join(dist, 'missing'),
        gatewayUrl,
        browserConfig: { faroUrl: '', environment: 'test', version: 'x' },
        faults: new FaultInjector(),
      }),
    ).rejects.toThrow(/npm run build -w @telemetry-kit\/web/);
  });
});
