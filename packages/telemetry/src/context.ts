import { AsyncLocalStorage } from 'node:async_hooks';

/** What the library knows about the request being served; read by the logger and the error tracker. */
export interface RequestContext {
  requestId: string;
  /** HMAC of the user id (see `pseudonymize`), never the id itself. */
  userPseudoId?: string;
  route?: string;
  /** Set once an error report was recorded for this request, so a 5xx is not reported twice. */
  errorReported?: boolean;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequest(): RequestContext | undefined {
  return requestContext.getStore();
}
