import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Alloy's faro.receiver on loopback: accepts the Faro SDK's JSON payloads (with the
 * CORS answers a browser needs) and keeps them, so a test can read what the browser reported.
 */
export class FaroCollector {
  readonly payloads: unknown[] = [];
  readonly url: string;
  readonly #server: Server;

  private constructor(server: Server, url: string) {
    this.#server = server;
    this.url = url;
  }

  static async start(): Promise<FaroCollector> {
    let collector: FaroCollector | undefined;
    const server = createServer((request, response) => {
      response.setHeader('access-control-allow-origin', request.headers.origin ?? '*');
      // Faro sends content-type, x-faro-session-id and idempotency-key; allow what the preflight asks for.
      response.setHeader(
        'access-control-allow-headers',
        request.headers['access-control-request-headers'] ??
          'content-type, x-faro-session-id, idempotency-key',
      );
      response.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      if (request.method === 'OPTIONS') {
        response.writeHead(204).end();
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          collector?.payloads.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          response.writeHead(202).end();
        } catch {
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    collector = new FaroCollector(server, `http://127.0.0.1:${port}/collect`);
    return collector;
  }

  /** Every trace id in the received payloads (Faro sends spans as OTLP JSON). */
  traceIds(): Set<string> {
    const ids = new Set<string>();
    const visit = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'traceId' && typeof inner === 'string') ids.add(inner.toLowerCase());
          else visit(inner);
        }
      }
    };
    visit(this.payloads);
    return ids;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
