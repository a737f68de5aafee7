import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ModelBehaviour = 'healthy' | 'failing' | 'hanging';

/**
 * An OpenAI-compatible model on a local port that counts the completions asked of it and answers as
 * told: a completion, a 500 in OpenAI's error shape, or nothing at all (it holds the request open).
 */
export async function startFakeModel(initial: ModelBehaviour = 'healthy', port = 0) {
  let behaviour = initial;
  let completions = 0;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (request.url !== '/v1/chat/completions') {
      response.writeHead(404).end();
      return;
    }
    completions += 1;
    if (behaviour === 'hanging') return;
    if (behaviour === 'failing') {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 0,
        model: 'ritual-emulator-1',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Breathe in.' }, finish_reason: 'stop' },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
      }),
    );
  };
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: listening } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${listening}/v1`,
    get completions() {
      return completions;
    },
    set behaviour(next: ModelBehaviour) {
      behaviour = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
