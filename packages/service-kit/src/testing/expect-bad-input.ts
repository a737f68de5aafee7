import { expect } from 'vitest';
import type { BadInputCase } from './bad-input.ts';

export interface InjectableApp {
  inject(options: {
    method: string;
    url: string;
    payload?: string;
    headers?: Record<string, string>;
  }): PromiseLike<{ statusCode: number; body: string; headers: Record<string, unknown> }>;
}

/** A 4xx response must say what went wrong as `{ error: { code, message } }` JSON. */
export function expectClientErrorBody(label: string, response: { statusCode: number; body: string }): void {
  expect(
    response.statusCode,
    `${label}: expected a 4xx, got ${response.statusCode} ${response.body.slice(0, 200)}`,
  ).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, `${label}: expected a 4xx`).toBeLessThan(500);
  const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
  expect(typeof body.error?.code, `${label}: error.code in ${response.body.slice(0, 200)}`).toBe('string');
  expect(typeof body.error?.message, `${label}: error.message`).toBe('string');
}

/** Sends every case to one endpoint and asserts the answer each case demands. */
export async function runBadInputCorpus(
  app: InjectableApp,
  endpoint: { method: string; url: string; headers?: Record<string, string> },
  cases: BadInputCase[],
): Promise<void> {
  for (const testCase of cases) {
    const label = `${endpoint.method} ${endpoint.url} with ${testCase.name}`;
    const headers: Record<string, string> = { ...endpoint.headers };
    if (testCase.contentType) headers['content-type'] = testCase.contentType;
    const response = await app.inject({
      method: endpoint.method,
      url: endpoint.url,
      headers,
      ...(testCase.payload === undefined ? {} : { payload: testCase.payload }),
    });
    if (testCase.expect === 'reject') {
      expectClientErrorBody(label, response);
    } else {
      expect(
        response.statusCode,
        `${label}: must not be a 5xx (${response.body.slice(0, 200)})`,
      ).toBeLessThan(500);
      if (response.statusCode >= 400) expectClientErrorBody(label, response);
    }
  }
}
