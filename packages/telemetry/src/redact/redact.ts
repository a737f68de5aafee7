import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { isSensitiveKey, luhnValid, REDACTED, VALUE_RULES } from './patterns.ts';

export { isSensitiveKey, REDACTED } from './patterns.ts';

const MAX_DEPTH = 8;
const CACHE_LIMIT = 4096;
const CACHEABLE_LENGTH = 256;
// Zero-width characters an attacker (or a copy-paste) can hide inside a number or a token.
const INVISIBLE = /[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]/g;
const NON_ASCII = /[^\t\n\r\x20-\x7e]/;

const stringCache = new Map<string, string>();

/**
 * Objects on the current path, for cycle detection. Allocated only below the first levels: most
 * log arguments are shallow, and the depth limit alone ends a cycle anyway.
 */
type Seen = { set: WeakSet<object> | undefined };
const CYCLE_CHECK_DEPTH = 2;

function applyRules(input: string): string {
  let out = input;
  for (const rule of VALUE_RULES) {
    if (!rule.mayMatch(out)) continue;
    rule.pattern.lastIndex = 0;
    out = rule.apply
      ? rule.apply(out, rule.pattern)
      : out.replace(rule.pattern, rule.replace as (substring: string, ...args: string[]) => string);
  }
  return out;
}

const URL_ENCODED = /%[0-9A-Fa-f]{2}/;

function decodeOrSame(input: string): string {
  try {
    return decodeURIComponent(input.replace(/\+/g, ' '));
  } catch {
    return input;
  }
}

function redactUncached(input: string): string {
  let direct = applyRules(input);
  if (URL_ENCODED.test(direct)) {
    // Secrets hidden one URL-encoding deep (a redirect parameter carrying ?access_token=…).
    const decoded = decodeOrSame(direct);
    if (decoded !== direct) {
      const redactedDecoded = applyRules(decoded);
      if (redactedDecoded !== decoded) direct = redactedDecoded;
    }
  }
  if (!NON_ASCII.test(input)) return direct;
  // Full-width digits, compatibility forms and zero-width joiners: look again at the NFKC form and
  // keep that form only when it reveals something the raw string hid.
  const folded = input.normalize('NFKC').replace(INVISIBLE, '');
  if (folded === input) return direct;
  const redactedFolded = applyRules(folded);
  return redactedFolded === folded ? direct : redactedFolded;
}

/** Redacts secrets and personal data found by value pattern in a free-form string. */
export function redactString(input: string): string {
  if (input.length < 6) return input;
  const cacheable = input.length <= CACHEABLE_LENGTH;
  if (cacheable) {
    const hit = stringCache.get(input);
    if (hit !== undefined) return hit;
  }
  const out = redactUncached(input);
  if (cacheable) {
    if (stringCache.size >= CACHE_LIMIT) stringCache.clear();
    stringCache.set(input, out);
  }
  return out;
}

function redactNumber(n: number | bigint): number | bigint | string {
  // Card numbers typed as numbers: 13+ digits that pass Luhn. Millisecond timestamps (13 digits) are
  // spared by requiring 15+ digits for plain numbers.
  if (typeof n === 'number' && (!Number.isInteger(n) || Math.abs(n) < 1e14)) return n;
  const digits = (n < 0 ? -n : n).toString();
  return digits.length >= 15 && digits.length <= 19 && luhnValid(digits) ? REDACTED : n;
}

function redactError(error: Error, depth: number, seen: Seen): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  Object.defineProperty(copy, 'message', {
    value: redactString(String(error.message)),
    enumerable: false,
    writable: true,
    configurable: true,
  });
  Object.defineProperty(copy, 'name', { value: redactString(String(error.name)), writable: true });
  if (error.stack !== undefined) {
    Object.defineProperty(copy, 'stack', { value: redactString(error.stack), writable: true });
  }
  if ('cause' in error && error.cause !== undefined) {
    Object.defineProperty(copy, 'cause', { value: redactAny(error.cause, depth + 1, seen), writable: true });
  }
  for (const key of Object.keys(error)) {
    (copy as unknown as Record<string, unknown>)[key] = redactEntry(
      key,
      (error as unknown as Record<string, unknown>)[key],
      depth,
      seen,
    );
  }
  return copy;
}

function redactEntry(key: string, value: unknown, depth: number, seen: Seen): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (isSensitiveKey(key)) return REDACTED;
  return redactAny(value, depth + 1, seen);
}

function redactAny(value: unknown, depth: number, seen: Seen): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'number':
    case 'bigint':
      return redactNumber(value);
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) return '[Truncated]';
  if (depth >= CYCLE_CHECK_DEPTH) {
    seen.set ??= new WeakSet();
    if (seen.set.has(value)) return '[Circular]';
  }
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[binary]';
  seen.set?.add(value);
  try {
    if (value instanceof Error) return redactError(value, depth, seen);
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = redactAny(value[i], depth + 1, seen);
        if (next !== value[i]) {
          copy ??= value.slice();
          copy[i] = next;
        }
      }
      return copy ?? value;
    }
    if (value instanceof Map) {
      return redactAny(Object.fromEntries(value), depth, { set: undefined });
    }
    if (value instanceof Set) return redactAny([...value], depth, { set: undefined });
    if (value instanceof URL || value instanceof URLSearchParams) return redactString(value.toString());
    const source = value as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(source)) {
      const original = source[key];
      const next = redactEntry(key, original, depth, seen);
      if (next !== original) {
        copy ??= { ...source };
        copy[key] = next;
      }
    }
    return copy ?? value;
  } finally {
    seen.set?.delete(value);
  }
}

/**
 * Returns `value` with every secret and personal datum replaced by "[REDACTED]": values under
 * sensitive keys, and value patterns (tokens, JWTs, API keys, cards, emails, phones, query secrets)
 * anywhere in strings, arrays, nested objects and Errors (message, stack, cause). The input is never
 * mutated; unchanged sub-trees are returned as they are.
 */
export function redact<T>(value: T): T {
  if (typeof value === 'string') return redactString(value) as T;
  if (typeof value !== 'object' || value === null) return redactAny(value, 0, { set: undefined }) as T;
  return redactAny(value, 0, { set: undefined }) as T;
}

function redactAttributeValue(key: string, value: AttributeValue | undefined): AttributeValue | undefined {
  if (value === undefined || value === null || typeof value === 'boolean') return value;
  if (isSensitiveKey(key)) return REDACTED;
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'number') {
    const out = redactNumber(value);
    return out;
  }
  if (Array.isArray(value)) {
    let copy: (string | number | boolean | null | undefined)[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = typeof item === 'string' ? redactString(item) : item;
      if (next !== item) {
        copy ??= [...value];
        copy[i] = next;
      }
    }
    return (copy as AttributeValue | undefined) ?? value;
  }
  return value;
}

/** Redacts OTel attributes (span attributes, event attributes, metric labels) by key and by value. */
export function redactAttributes(attributes: Attributes): Attributes {
  let copy: Attributes | undefined;
  for (const key of Object.keys(attributes)) {
    const original = attributes[key];
    const next = redactAttributeValue(key, original);
    if (next !== original) {
      copy ??= { ...attributes };
      copy[key] = next;
    }
  }
  return copy ?? attributes;
}
