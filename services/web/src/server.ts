import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import fastifyStatic from '@fastify/static';
import type { FaultInjector } from '@telemetry-kit/service-kit';
import { createServiceApp, HttpError } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';

export interface WebServerOptions {
  /** The built browser app (vite build output). */
  distDir: string;
  gatewayUrl: string;
  /** What /config.js hands the browser: the Faro collector URL and labels. */
  browserConfig: { faroUrl: string; environment: string; version: string };
  faults: FaultInjector;
  telemetry?: Telemetry | undefined;
  adminToken?: string | undefined;
  gatewayTimeoutMs?: number;
}

/** Request headers the browser may send on to the gateway; cookies and the rest stay here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'authorization', 'accept', 'x-request-id'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'x-request-id', 'retry-after'];

/**
 * Serves the browser app, its runtime configuration, and /api/* proxied to the gateway. The
 * proxy's outgoing call is instrumented, so the browser's trace continues into the gateway.
 */
export async function buildWebServer(options: WebServerOptions): Promise<FastifyInstance> {
  if (!existsSync(options.distDir)) {
    throw new Error(`web: no built app at ${options.distDir} — run npm run build -w @telemetry-kit/web`);
  }
  const app = createServiceApp({
    telemetry: options.telemetry,
    faults: options.faults,
    adminToken: options.adminToken,
  });
  const config = `window.__WEB_CONFIG__ = ${JSON.stringify(options.browserConfig)};\n`;
  app.get('/config.js', async (_request, reply) =>
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(config),
  );

  await app.register(async (api) => {
    // Bodies pass through untouched; the gateway validates them.
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    api.all('/api/*', async (request, reply) => {
      const headers: Record<string, string> = {};
      for (const name of FORWARDED_REQUEST_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      // The gateway limits failed logins per client address: it must see the browser's, not ours.
      const forwarded = request.headers['x-forwarded-for'];
      headers['x-forwarded-for'] = typeof forwarded === 'string' ? `${forwarded}, ${request.ip}` : request.ip;
      let upstream: Response;
      try {
        upstream = await fetch(`${options.gatewayUrl}${request.url}`, {
          method: request.method,
          headers,
          body: ['GET', 'HEAD'].includes(request.method) ? undefined : (request.body as Buffer | undefined),
          signal: AbortSignal.timeout(options.gatewayTimeoutMs ?? 35_000),
        });
      } catch {
        throw new HttpError(502, 'gateway_unavailable', 'the API did not answer');
      }
      reply.code(upstream.status);
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const value = upstream.headers.get(name);
        if (value) reply.header(name, value);
      }
      return reply.send(upstream.body ? Readable.fromWeb(upstream.body) : '');
    });
  });

  await app.register(fastifyStatic, { root: options.distDir, wildcard: false, index: 'index.html' });
  return app;
}
