import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryBudget } from '../src/retry.ts';
import { Upstream } from '../src/upstream.ts';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const listen = async (handler: Handler, port = 0): Promise<number> => {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

/** A port nothing listens on (yet): connecting to it is refused. */
const freePort = async (): Promise<number> => {
  const port = await listen(() => {});
  const server = servers.pop() as Server;
  await new Promise((resolve) => server.close(resolve));
  return port;
};

const created: Handler = (_request, response) => {
  response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
};
/** Reads the request, then drops the connection without answering: the upstream may have acted. */
const resetAfterReading =
  (received: { count: number }): Handler =>
  (request, response) => {
    received.count++;
    request.resume();
    request.on('end', () => response.socket?.destroy());
  };

describe('the gateway’s upstream calls', () => {
  it('retries a GET whose connection was refused, and succeeds once the upstream listens', async () => {
    const port = await freePort();
    const marketplace = new Upstream('marketplace', `http://127.0.0.1:${port}`, 5000, {
      // Between the refused attempt and the next, the upstream comes up (as a restarted replica does).
      wait: async () => {
        if (servers.length === 0) await listen(created, port);
      },
    });
    const response = await marketplace.json('GET', '/listings');
    expect(response.status).toBe(201);
  });

  it('sends again a POST that never reached the upstream (refused): nothing can have acted on it', async () => {
    const port = await freePort();
    const rituals = new Upstream('rituals', `http://127.0.0.1:${port}`, 5000, {
      wait: async () => {
        if (servers.length === 0) await listen(created, port);
      },
    });
    expect((await rituals.json('POST', '/rituals', { intention: 'calm' })).status).toBe(201);
  });

  it('does not retry a POST without an idempotency key after the upstream may have received it', async () => {
    const received = { count: 0 };
    const port = await listen(resetAfterReading(received));
    const marketplace = new Upstream('marketplace', `http://127.0.0.1:${port}`, 5000, {
      wait: async () => {},
    });
    await expect(marketplace.json('POST', '/listings/x/purchases', { buyerId: 'b' })).rejects.toMatchObject({
      statusCode: 502,
    });
    expect(received.count, 'sent exactly once').toBe(1);
  });

  it('does not retry a POST without an idempotency key that answered 503', async () => {
    const received = { count: 0 };
    const port = await listen((_request, response) => {
      received.count++;
      response.writeHead(503).end();
    });
    const marketplace = new Upstream('marketplace', `http://127.0.0.1:${port}`, 5000, {
      wait: async () => {},
    });
    await expect(marketplace.json('POST', '/listings', {})).rejects.toMatchObject({ statusCode: 502 });
    expect(received.count).toBe(1);
  });

  it('retries a POST carrying an idempotency key after a reset and a 503, forwarding the same key', async () => {
    const keys: Array<string | undefined> = [];
    const received = { count: 0 };
    const reset = resetAfterReading(received);
    const port = await listen((request, response) => {
      keys.push(request.headers['idempotency-key'] as string | undefined);
      if (keys.length === 1) return reset(request, response);
      if (keys.length === 2) return void response.writeHead(503).end();
      created(request, response);
    });
    const marketplace = new Upstream('marketplace', `http://127.0.0.1:${port}`, 5000, {
      wait: async () => {},
    });
    const response = await marketplace.json('POST', '/listings/x/purchases', {}, { idempotencyKey: 'key-1' });
    expect(response.status).toBe(201);
    expect(keys).toEqual(['key-1', 'key-1', 'key-1']);
  });

  it("passes on an upstream's deliberate 503 or 504 with its Retry-After; any other failure is a 502", async () => {
    const answers = [
      { status: 503, retryAfter: '15', code: 'llm_circuit_open' },
      { status: 504, retryAfter: '1', code: 'llm_timeout' },
      { status: 503, retryAfter: undefined, code: 'fault_injected' },
    ];
    const port = await listen((_request, response) => {
      const answer = answers.shift();
      response.writeHead(answer?.status ?? 500, {
        'content-type': 'application/json',
        ...(answer?.retryAfter ? { 'retry-after': answer.retryAfter } : {}),
      });
      response.end(JSON.stringify({ error: { code: answer?.code, message: 'not now' } }));
    });
    const rituals = new Upstream('rituals', `http://127.0.0.1:${port}`, 5000, { wait: async () => {} });
    expect(await rituals.json('POST', '/rituals', {})).toMatchObject({
      status: 503,
      retryAfter: '15',
      body: { error: { code: 'llm_circuit_open' } },
    });
    expect(await rituals.json('POST', '/rituals', {})).toMatchObject({ status: 504, retryAfter: '1' });
    await expect(rituals.json('POST', '/rituals', {})).rejects.toMatchObject({ statusCode: 502 });
  });

  it('stops retrying when the retry budget is spent', async () => {
    const received = { count: 0 };
    const port = await listen((_request, response) => {
      received.count++;
      response.writeHead(503).end();
    });
    const marketplace = new Upstream('marketplace', `http://127.0.0.1:${port}`, 5000, {
      budget: new RetryBudget({ ratio: 0.1, capacity: 1 }),
      wait: async () => {},
    });
    await expect(marketplace.json('GET', '/listings')).rejects.toMatchObject({ statusCode: 502 });
    expect(received.count, 'the first attempt and the one retry the bucket held').toBe(2);
  });

  it('checks readiness once, without retrying', async () => {
    const port = await freePort();
    let waits = 0;
    const marketplace = new Upstream('marketplace', `http://127.0.0.1:${port}`, 5000, {
      wait: async () => {
        waits++;
      },
    });
    await expect(marketplace.check()).rejects.toThrow(/marketplace did not answer/);
    expect(waits).toBe(0);
  });
});

describe('the retry budget', () => {
  it('allows its capacity at once, then one retry per ten requests', () => {
    const budget = new RetryBudget({ ratio: 0.1, capacity: 2 });
    expect([budget.trySpend(), budget.trySpend(), budget.trySpend()]).toEqual([true, true, false]);
    for (let i = 0; i < 9; i++) budget.recordRequest();
    expect(budget.trySpend(), 'nine requests earn less than one retry').toBe(false);
    budget.recordRequest();
    expect(budget.trySpend()).toBe(true);
  });
});
