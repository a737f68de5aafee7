import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether a presented secret (a bearer token, an API key) equals the expected one, in time that
 * depends on neither: both are hashed to 32 bytes first, so timingSafeEqual always compares equal
 * lengths and not even the expected secret's length leaks, as it would with a length check first.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
