// An adversarial corpus of secrets and personal data, each hidden in a different place (nested objects,
// arrays, Error messages and causes, URLs, headers, JSON inside strings, unicode). Every sink must show
// none of a sample's needles. Exported so services can run the same corpus through their own sinks.

export interface LeakSample {
  /** Stable id, e.g. "jwt/error-cause". */
  id: string;
  /** What is hidden where, for the failure message. */
  description: string;
  /** What the application hands to a sink (log call argument, attribute value, thrown value). */
  value: unknown;
  /** Substrings that must not appear in any sink's output. */
  needles: string[];
  /** Whether the secret is recognisable by its value alone (vs. only by the key it sits under). */
  byValue: boolean;
}

interface Secret {
  name: string;
  value: string;
  /** Needles beyond the value itself (the token part of "Bearer x", digits of a card number…). */
  needles?: string[];
}

/** Secrets recognisable anywhere, by value pattern. */
export const VALUE_SECRETS: Secret[] = [
  {
    name: 'jwt',
    value:
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkFsaWNlIn0.c2lnbmF0dXJlLXNlY3JldC1wYXJ0',
    needles: ['eyJzdWIiOiJ1c2VyLTQyIiwibmFtZSI6IkFsaWNlIn0', 'c2lnbmF0dXJlLXNlY3JldC1wYXJ0'],
  },
  { name: 'bearer', value: 'Bearer f8a9c0d1e2b3a4958677abcd', needles: ['f8a9c0d1e2b3a4958677abcd'] },
  { name: 'basic-auth', value: 'Basic YWxpY2U6czNjcjN0UGFzcw==', needles: ['YWxpY2U6czNjcjN0UGFzcw'] },
  { name: 'stripe-key', value: 'sk_live_51HxQ2bKf8sT9wZpL3mN7vR' },
  { name: 'openai-key', value: 'sk-proj-Zx81Lq0PmN4vB7cD2eF5gH9j' },
  { name: 'aws-access-key', value: 'AKIAIOSFODNN7EXAMPLE' },
  { name: 'github-token', value: 'ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R' },
  { name: 'slack-token', value: 'xoxb-1234567890-abcdefghijklmn' },
  { name: 'google-api-key', value: 'AIzaSyD-1234567890abcdefghijklmnopqrstu' },
  { name: 'email', value: 'alice.martin@example.com' },
  { name: 'email-plus', value: 'bob+billing@sub.example.co.uk' },
  { name: 'email-unicode', value: 'josé.garcía@correo.es' },
  { name: 'phone-e164', value: '+14155552671' },
  { name: 'phone-us', value: '+1 202-555-0143', needles: ['202-555-0143', '2025550143'] },
  { name: 'phone-uk', value: '+44 20 7946 0958', needles: ['7946 0958'] },
  { name: 'phone-fr', value: '+33 6 12 34 56 78', needles: ['12 34 56 78'] },
  { name: 'phone-national', value: '(415) 555-2671', needles: ['555-2671'] },
  { name: 'card-visa', value: '4111 1111 1111 1111', needles: ['4111111111111111', '1111 1111 1111'] },
  { name: 'card-mastercard', value: '5555-5555-5555-4444', needles: ['5555555555554444', '5555-5555-4444'] },
  { name: 'card-amex', value: '378282246310005' },
  { name: 'card-visa-plain', value: '4012888888881881' },
  { name: 'card-discover', value: '6011 1111 1111 1117', needles: ['6011111111111117'] },
  {
    name: 'private-key',
    value:
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq98vXf0Yg3pL2nQk8s\n-----END RSA PRIVATE KEY-----',
    needles: ['MIIEowIBAAKCAQEA7bq98vXf0Yg3pL2nQk8s'],
  },
  {
    name: 'url-credentials',
    value: 'postgres://app:Pa55w0rd-x9@db.internal:5432/app',
    needles: ['Pa55w0rd-x9'],
  },
  {
    name: 'query-token',
    value: 'https://api.example.com/v1/reset?token=tq9Zr8Yx7Wv6Ut5&lang=en',
    needles: ['tq9Zr8Yx7Wv6Ut5'],
  },
  {
    name: 'query-api-key',
    value: 'https://maps.example.com/geo?api_key=mk_4f5e6d7c8b9a0f1e&q=paris',
    needles: ['mk_4f5e6d7c8b9a0f1e'],
  },
  {
    name: 'query-signature',
    value:
      'https://bucket.example.com/o?X-Amz-Credential=AKIDEXAMPLE20261126&X-Amz-Signature=9f8e7d6c5b4a39281706',
    needles: ['AKIDEXAMPLE20261126', '9f8e7d6c5b4a39281706'],
  },
  {
    name: 'redirect-nested-token',
    value:
      'https://app.example.com/login?next=https%3A%2F%2Fx.example.com%2Fcb%3Faccess_token%3Dnst7Qw2Er9Ty',
    needles: ['nst7Qw2Er9Ty'],
  },
  { name: 'password-kv', value: 'password=Tr0ub4dor&3x', needles: ['Tr0ub4dor'] },
  { name: 'cvv-text', value: 'card ending 1111, cvv: 9173', needles: ['cvv: 9173'] },
  {
    name: 'cookie-header-line',
    value: 'Cookie: sid=s%3AqW3rTy9uIoP.aSdFgH; theme=dark',
    needles: ['qW3rTy9uIoP'],
  },
  {
    name: 'authorization-header-line',
    value: 'authorization: Token 7d1e9c3b5a2f4e6d8c0b',
    needles: ['7d1e9c3b5a2f4e6d8c0b'],
  },
];

/** Secrets that look like ordinary strings: only the key (or header name) they sit under gives them away. */
export const KEYED_SECRETS: { key: string; value: string }[] = [
  { key: 'password', value: 'correct horse battery staple' },
  { key: 'newPassword', value: 'hunter2hunter2' },
  { key: 'client_secret', value: 'cs-q1w2e3r4t5y6u7' },
  { key: 'apiKey', value: 'kit8d7f6e5a4b3c2d1e' },
  { key: 'x-api-key', value: 'hdr9c8b7a6f5e4d3' },
  { key: 'cookie', value: 'session=opaque77aa88bb99' },
  { key: 'set-cookie', value: 'refresh=rf66cc55dd44ee' },
  { key: 'authorization', value: 'Digest-ish opaque-zz11yy22' },
  { key: 'refresh_token', value: 'rt-0a9b8c7d6e5f' },
  { key: 'cvv', value: '9173' },
  { key: 'card_number', value: 'ref-0566-5566' },
  { key: 'ssn', value: '078-05-1120' },
];

type Carrier = (secret: string) => { where: string; value: unknown };

/** Places a value-recognisable secret can hide. */
const VALUE_CARRIERS: Carrier[] = [
  (s) => ({ where: 'message', value: `payment for ${s} failed` }),
  (s) => ({ where: 'nested-object', value: { order: { id: 'o-1', note: { text: s } } } }),
  (s) => ({ where: 'array', value: { tags: ['first', s, 'last'] } }),
  (s) => ({ where: 'error-message', value: new Error(`lookup failed: ${s}`) }),
  (s) => ({
    where: 'error-cause',
    value: new Error('outer failure', { cause: new TypeError(`inner failure near ${s}`) }),
  }),
  (s) => ({
    where: 'url-query',
    value: `https://api.example.com/v1/search?q=${encodeURIComponent(s)}&page=2`,
  }),
  (s) => ({ where: 'header', value: { headers: { 'x-debug-info': s, accept: 'application/json' } } }),
  (s) => ({ where: 'unicode', value: `Ünïcödé 🚀 «${s}» ✓ 日本語` }),
  (s) => ({ where: 'json-in-string', value: `body=${JSON.stringify({ note: s, n: 1 })}` }),
  (s) => ({ where: 'deep', value: { a: { b: { c: { d: [{ e: { f: s } }] } } } } }),
];

/** Places a key-identified secret can hide. */
const KEYED_CARRIERS: ((key: string, value: string) => { where: string; value: unknown })[] = [
  (k, v) => ({ where: 'object-key', value: { [k]: v } }),
  (k, v) => ({ where: 'nested-key', value: { user: { profile: { [k]: v } } } }),
  (k, v) => ({ where: 'headers', value: { req: { headers: { [k]: v, host: 'api.internal' } } } }),
  (k, v) => ({ where: 'array-of-objects', value: [{ ok: true }, { [k]: v }] }),
  (k, v) => ({ where: 'json-in-string', value: `payload ${JSON.stringify({ [k]: v })}` }),
  (k, v) => {
    const error = Object.assign(new Error('request rejected'), { details: { [k]: v } });
    return { where: 'error-property', value: error };
  },
];

function needlesOf(secret: Secret): string[] {
  const needles = new Set([secret.value, ...(secret.needles ?? [])]);
  if (!secret.value.includes('\n')) needles.add(encodeURIComponent(secret.value));
  return [...needles].filter((n) => !n.includes('\n'));
}

function buildCorpus(): LeakSample[] {
  const samples: LeakSample[] = [];
  for (const secret of VALUE_SECRETS) {
    for (const carrier of VALUE_CARRIERS) {
      const { where, value } = carrier(secret.value);
      samples.push({
        id: `${secret.name}/${where}`,
        description: `${secret.name} in ${where}`,
        value,
        needles: needlesOf(secret),
        byValue: true,
      });
    }
  }
  for (const { key, value: secret } of KEYED_SECRETS) {
    for (const carrier of KEYED_CARRIERS) {
      const { where, value } = carrier(key, secret);
      samples.push({
        id: `${key}/${where}`,
        description: `value under "${key}" in ${where}`,
        value,
        // A short, all-digit secret (a CVV) also occurs by chance inside timestamps: look for it as
        // the string value it is, with its delimiters.
        needles: /^\d{1,6}$/.test(secret)
          ? [`"${secret}"`, `:${secret}`, `=${secret}`, ` ${secret}`]
          : [secret],
        byValue: false,
      });
    }
  }
  // Card numbers handed over as numbers, under innocent keys.
  for (const card of [4111111111111111, 5555555555554444, 378282246310005]) {
    samples.push({
      id: `card-number-type/${card}`,
      description: 'card number as a JSON number',
      value: { payment: { ref: card } },
      needles: [String(card)],
      byValue: true,
    });
  }
  return samples;
}

export const LEAK_CORPUS: readonly LeakSample[] = buildCorpus();

export interface Leak {
  sample: string;
  needle: string;
  sink: string;
}

/** Every needle of `samples` found in `output` (a sink's serialised output). */
export function findLeaks(
  sink: string,
  output: string,
  samples: readonly LeakSample[] = LEAK_CORPUS,
): Leak[] {
  const leaks: Leak[] = [];
  for (const sample of samples) {
    for (const needle of sample.needles) {
      if (output.includes(needle)) leaks.push({ sample: sample.id, needle, sink });
    }
  }
  return leaks;
}

/** A sample's value as a single string, for sinks that take strings (span names, metric labels). */
export function sampleAsText(sample: LeakSample): string {
  const { value } = sample;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.message} ${String((value as { cause?: unknown }).cause ?? '')}`;
  return JSON.stringify(value);
}
