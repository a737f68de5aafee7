/** The gateway's public API, reached same-origin under /api (the web server proxies it). */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let token = sessionStorage.getItem('session') ?? '';

export const hasSession = () => token !== '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) throw new ApiError(response.status, payload.error?.message ?? `HTTP ${response.status}`);
  return payload as T;
}

export interface Session {
  token: string;
  user: { id: string; displayName: string };
}
export interface Ritual {
  id: string;
  text: string;
  audioUrl: string;
}
export interface Listing {
  id: string;
  title: string;
  priceCents: number;
  currency: string;
}

export async function signUp(input: {
  email: string;
  password: string;
  displayName: string;
}): Promise<Session> {
  const session = await call<Session>('POST', '/api/signup', input);
  token = session.token;
  sessionStorage.setItem('session', token);
  return session;
}

export const me = () => call<{ user: Session['user'] }>('GET', '/api/me');
export const generateRitual = (intention: string) => call<Ritual>('POST', '/api/rituals', { intention });
export const listListings = () => call<{ listings: Listing[] }>('GET', '/api/listings?limit=20');
export const sell = (ritual: Ritual, priceCents: number) =>
  call<Listing>('POST', '/api/listings', {
    ritualId: ritual.id,
    title: ritual.text.slice(0, 60),
    priceCents,
    currency: 'EUR',
  });
export const buy = (
  listingId: string,
  payment: { cardNumber: string; expMonth: number; expYear: number; cvc: string },
) => call<{ outcome: string }>('POST', `/api/listings/${listingId}/purchase`, { payment });
