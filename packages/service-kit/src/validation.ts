import { z } from 'zod';
import { HttpError } from './errors.ts';

/** Characters that no text field accepts: NUL and other C0/C1 controls (tab and newlines allowed where asked). */
const CONTROL_CHARS = /(?![\t\n\r])\p{Cc}/u;

/**
 * A text field: NFC-normalised, trimmed, no control characters (Postgres refuses NUL), no lone
 * surrogates (they are not valid UTF-8), within the given length in code points.
 */
export function text(options: { min?: number; max: number; multiline?: boolean }) {
  return z
    .string()
    .refine((value) => value.isWellFormed(), 'must be valid Unicode (no lone surrogates)')
    .transform((value) => value.normalize('NFC').trim())
    .refine((value) => !CONTROL_CHARS.test(value), 'must not contain control characters')
    .refine((value) => options.multiline || !/[\r\n\t]/.test(value), 'must be a single line')
    .refine(
      (value) => [...value].length >= (options.min ?? 1),
      `must be at least ${options.min ?? 1} characters`,
    )
    .refine((value) => [...value].length <= options.max, `must be at most ${options.max} characters`);
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** zod issues without the offending input values (they may be secrets or personal data). */
export function describeIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message:
      issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** Parses untrusted input at the edge; a mismatch is a 400 naming each field and what is wrong with it. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new HttpError(
      400,
      'invalid_request',
      `the request ${where} is invalid`,
      describeIssues(result.error),
    );
  }
  return result.data;
}
