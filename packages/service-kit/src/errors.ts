/**
 * An error that maps to one HTTP status and one stable machine-readable code. Messages are written
 * for the caller and never contain the input that caused them (it may hold secrets).
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly details: unknown;

  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.details = details;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; issues?: unknown };
}

export function errorBody(code: string, message: string, issues?: unknown): ErrorBody {
  return { error: issues === undefined ? { code, message } : { code, message, issues } };
}

/** Fastify's own client errors (FST_ERR_*), by code, as our error codes and messages. */
const FRAMEWORK_CLIENT_ERRORS: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_json', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'malformed_json', message: 'the request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'invalid_content_length',
    message: 'the content-length header does not match the body',
  },
  FST_ERR_BAD_URL: { code: 'bad_url', message: 'the URL could not be decoded' },
};

/**
 * Turns any error thrown while handling a request into a status and a JSON body.
 * Client errors keep their 4xx status and a safe message; everything else is a 500 whose message
 * says nothing about the internals.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof HttpError) {
    return {
      status: error.statusCode,
      body: errorBody(error.code, error.message, error.details),
      unexpected: false,
    };
  }
  const candidate = error as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const status = typeof candidate?.statusCode === 'number' ? candidate.statusCode : 500;
  if (status >= 400 && status < 500) {
    const known = typeof candidate?.code === 'string' ? FRAMEWORK_CLIENT_ERRORS[candidate.code] : undefined;
    if (known) return { status, body: errorBody(known.code, known.message), unexpected: false };
    if (typeof candidate?.message === 'string' && /proto|constructor/i.test(candidate.message)) {
      return { status, body: errorBody('forbidden_key', 'the body uses a forbidden key'), unexpected: false };
    }
    return {
      status,
      body: errorBody('bad_request', 'the request could not be processed'),
      unexpected: false,
    };
  }
  return { status: 500, body: errorBody('internal', 'internal error'), unexpected: true };
}
