import type { AttributeValue } from '../sink/model.ts';

/** What an attribute or field must be: a value (deep-equal), a RegExp (for strings) or a predicate. */
export type ValueMatcher = AttributeValue | RegExp | ((value: AttributeValue | undefined) => boolean);

function sameValue(expected: AttributeValue, actual: AttributeValue | undefined): boolean {
  if (actual === undefined) return false;
  // int64 values that do not fit a double arrive as strings; compare numbers by value.
  if (typeof expected === 'number' && typeof actual === 'string') return String(expected) === actual;
  if (typeof expected !== 'object' || expected === null) return expected === actual;
  return JSON.stringify(expected) === JSON.stringify(actual);
}

export function matchesValue(matcher: ValueMatcher, actual: AttributeValue | undefined): boolean {
  if (matcher instanceof RegExp) return typeof actual === 'string' && matcher.test(actual);
  if (typeof matcher === 'function') return matcher(actual);
  return sameValue(matcher, actual);
}

export function matchesAll(
  matchers: Record<string, ValueMatcher> | undefined,
  actual: Record<string, AttributeValue>,
): boolean {
  if (!matchers) return true;
  return Object.entries(matchers).every(([key, matcher]) => matchesValue(matcher, actual[key]));
}

export function describeValue(matcher: ValueMatcher | undefined): string {
  if (matcher instanceof RegExp) return String(matcher);
  if (typeof matcher === 'function') return `<${matcher.name || 'predicate'}>`;
  return JSON.stringify(matcher);
}

export function describeMatchers(matchers: Record<string, ValueMatcher>): string {
  return `{${Object.entries(matchers)
    .map(([key, matcher]) => `${key}: ${describeValue(matcher)}`)
    .join(', ')}}`;
}

/** Shows at most `limit` items, saying how many were left out. */
export function listAtMost(items: string[], limit: number, indent = '  '): string {
  const shown = items.slice(0, limit).map((item) => `${indent}${item}`);
  if (items.length > limit) shown.push(`${indent}… and ${items.length - limit} more`);
  return shown.join('\n');
}
