import type { FaultInjector } from '@telemetry-kit/service-kit';
import { createServiceApp, errorBody, HttpError, parseInput, text } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountStore, User } from './accounts.ts';
import { hashPassword, hashToken, newSessionToken, verifyPassword } from './accounts.ts';
import type { ThrottleScope } from './login-throttle.ts';
import { clientAddress, LoginThrottle } from './login-throttle.ts';
import type { Upstream, UpstreamResponse } from './upstream.ts';

/** The gateway metrics of docs/metrics.md. */
export interface GatewayMetrics {
  signup(outcome: 'created' | 'rejected'): void;
  login(outcome: 'success' | 'failure', reason?: 'unknown_account' | 'wrong_password'): void;
  loginThrottled(scope: ThrottleScope): void;
  sessionsChanged(): void;
}

const email = z
  .string()
  .max(254)
  .transform((value) => value.trim().toLowerCase())
  .pipe(z.email());
/** bcrypt reads at most 72 bytes; longer passwords are refused rather than silently truncated. */
const password = z
  .string()
  .min(10, 'must be at least 10 characters')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= 72, 'must be at most 72 bytes');

const signupSchema = z.strictObject({ email, password, displayName: text({ max: 60 }) });
const loginSchema = z.strictObject({ email, password: z.string().min(1).max(200) });
const generateSchema = z.strictObject({ intention: text({ min: 3, max: 280 }) });
const idParams = z.strictObject({ id: z.uuid() });
const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.uuid().optional(),
});
const newListingSchema = z.strictObject({
  ritualId: z.uuid(),
  title: text({ max: 120 }),
  description: text({ min: 0, max: 2000, multiline: true }).default(''),
  priceCents: z.number().int().min(1).max(1_000_000),
  currency: z.enum(['EUR', 'USD', 'GBP']),
});
const purchaseSchema = z.strictObject({
  payment: z.strictObject({
    cardNumber: z.string().max(30),
    expMonth: z.number().int().min(1).max(12),
    expYear: z.number().int().min(2000).max(2100),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  }),
});

export interface GatewayDeps {
  /** Absent in unit tests (they use inject). */
  telemetry?: Telemetry | undefined;
  accounts: AccountStore;
  rituals: Pick<Upstream, 'json' | 'stream'>;
  marketplace: Pick<Upstream, 'json'>;
  metrics: GatewayMetrics;
  faults: FaultInjector;
  sessionTtlMs?: number;
  /** Failed-login limits; one per process by default. */
  loginThrottle?: LoginThrottle;
  adminToken?: string | undefined;
  now?: () => Date;
}

const publicUser = (user: User) => ({ id: user.id, email: user.email, displayName: user.displayName });

export function buildGatewayApp(deps: GatewayDeps): FastifyInstance {
  const { accounts, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  const sessionTtlMs = deps.sessionTtlMs ?? 24 * 3600_000;
  const loginThrottle = deps.loginThrottle ?? new LoginThrottle();
  const app = createServiceApp({
    telemetry: deps.telemetry,
    faults: deps.faults,
    adminToken: deps.adminToken,
    bodyLimit: 32 * 1024,
  });

  const startSession = async (user: User) => {
    deps.telemetry?.setUser(user.id);
    const { token, hash } = newSessionToken();
    const expiresAt = new Date(now().getTime() + sessionTtlMs);
    await accounts.createSession(hash, user.id, expiresAt);
    metrics.sessionsChanged();
    return { token, expiresAt: expiresAt.toISOString(), user: publicUser(user) };
  };

  const bearer = (request: FastifyRequest) => {
    const match = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(request.headers.authorization ?? '');
    return match?.[1];
  };

  const requireUser = async (request: FastifyRequest): Promise<User> => {
    const token = bearer(request);
    const user = token ? await accounts.findSessionUser(hashToken(token), now()) : undefined;
    if (!user)
      throw new HttpError(401, 'unauthenticated', 'log in first: send Authorization: Bearer <token>');
    return user;
  };

  app.post('/api/signup', async (request, reply) => {
    let input: z.output<typeof signupSchema>;
    try {
      input = parseInput(signupSchema, request.body);
    } catch (error) {
      metrics.signup('rejected');
      throw error;
    }
    const user = await accounts.createUser(
      input.email,
      input.displayName,
      await hashPassword(input.password),
    );
    if (!user) {
      metrics.signup('rejected');
      throw new HttpError(409, 'email_taken', 'an account with this email exists; log in instead');
    }
    metrics.signup('created');
    return reply.code(201).send(await startSession(user));
  });

  app.post('/api/login', async (request, reply) => {
    const input = parseInput(loginSchema, request.body);
    // Refused before bcrypt runs: a throttled guess costs neither a password check nor CPU.
    const started = loginThrottle.begin(
      input.email,
      clientAddress(request.ip, request.headers['x-forwarded-for']),
    );
    if ('throttled' in started) {
      const { scope, retryAfterMs } = started.throttled;
      metrics.loginThrottled(scope);
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      return reply
        .code(429)
        .header('retry-after', String(seconds))
        .send(errorBody('too_many_failed_logins', `too many failed logins; try again in ${seconds} s`));
    }
    const found = await accounts.findByEmail(input.email).catch((error: unknown) => {
      started.attempt.undecided();
      throw error;
    });
    if (!(await verifyPassword(input.password, found?.passwordHash)) || !found) {
      metrics.login('failure', found ? 'wrong_password' : 'unknown_account');
      throw new HttpError(401, 'invalid_credentials', 'email or password is wrong');
    }
    started.attempt.succeeded();
    metrics.login('success');
    return startSession(found);
  });

  app.post('/api/logout', async (request, reply) => {
    await requireUser(request);
    const token = bearer(request) as string;
    if (await accounts.deleteSession(hashToken(token))) metrics.sessionsChanged();
    return reply.code(204).send();
  });

  app.get('/api/me', async (request) => ({ user: publicUser(await requireUser(request)) }));

  app.post('/api/rituals', async (request, reply) => {
    const user = await requireUser(request);
    const input = parseInput(generateSchema, request.body);
    // The user id buckets rituals' feature flags (a ritual-length variant per user); it is not stored.
    const upstream = await deps.rituals.json('POST', '/rituals', { ...input, userId: user.id });
    const body = upstream.body as { id?: string };
    if (upstream.status === 201 && typeof body.id === 'string') {
      return reply.code(201).send({ ...body, audioUrl: `/api/rituals/${body.id}/audio` });
    }
    return answerAs(reply, upstream);
  });

  app.get('/api/rituals/:id/audio', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'path');
    const upstream = await deps.rituals.stream(`/rituals/${id}/audio`);
    if (upstream.status !== 200 || !upstream.body) {
      upstream.body?.destroy();
      throw new HttpError(404, 'ritual_not_found', 'no ritual with this id');
    }
    return reply.header('content-type', upstream.contentType).send(upstream.body);
  });

  app.get('/api/listings', async (request, reply) => {
    const query = parseInput(listQuery, request.query, 'query');
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.before) params.set('before', query.before);
    const upstream = await deps.marketplace.json('GET', `/listings?${params}`);
    return answerAs(reply, upstream);
  });

  app.post('/api/listings', async (request, reply) => {
    const user = await requireUser(request);
    const input = parseInput(newListingSchema, request.body);
    const upstream = await deps.marketplace.json('POST', '/listings', { ...input, sellerId: user.id });
    return answerAs(reply, upstream);
  });

  app.post('/api/listings/:id/purchase', async (request, reply) => {
    const user = await requireUser(request);
    const { id } = parseInput(idParams, request.params, 'path');
    const input = parseInput(purchaseSchema, request.body);
    // The client's Idempotency-Key goes through as it came: the marketplace validates and stores it,
    // and with it this call may be retried (upstream.ts).
    const idempotencyKey = request.headers['idempotency-key'];
    const upstream = await deps.marketplace.json(
      'POST',
      `/listings/${id}/purchases`,
      { buyerId: user.id, payment: input.payment },
      { idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined },
    );
    return answerAs(reply, upstream);
  });

  return app;
}

/** An upstream's answer, passed on with its Retry-After when it said when to come back. */
function answerAs(reply: FastifyReply, upstream: UpstreamResponse) {
  if (upstream.retryAfter) reply.header('retry-after', upstream.retryAfter);
  return reply.code(upstream.status).send(upstream.body);
}
