import type { FaultInjector, FeatureFlags, VariantOf } from '@telemetry-kit/service-kit';
import { createServiceApp, definitionDefault, HttpError, parseInput, text } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { PaymentProcessor } from './payments.ts';
import { normaliseCardNumber, passesLuhn, standInProcessor } from './payments.ts';
import type { Currency, MarketplaceStore, RecordedPurchase } from './store.ts';

export type MarketplaceRepository = Pick<
  MarketplaceStore,
  'ping' | 'createListing' | 'getListing' | 'listActive' | 'countActive' | 'recordPurchase'
>;

/** The `ritual-length` variant of a ritual's author: listings and sales count per variant (Experiments). */
export type RitualLength = VariantOf<'ritual-length'>;

/** The business metrics of docs/metrics.md (marketplace section). */
export interface MarketplaceMetrics {
  listingCreated(length: RitualLength): void;
  purchase(
    outcome: 'completed' | 'declined',
    amountCents: number,
    currency: Currency,
    length: RitualLength,
  ): void;
  activeListingsChanged(): void;
}

const currency = z.enum(['EUR', 'USD', 'GBP']);
const uuid = z.uuid();

const newListingSchema = z.strictObject({
  sellerId: uuid,
  ritualId: text({ max: 100 }),
  title: text({ max: 120 }),
  description: text({ min: 0, max: 2000, multiline: true }).default(''),
  priceCents: z.number().int().min(1).max(1_000_000),
  currency,
});

const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: uuid.optional(),
});

const idParamsSchema = z.strictObject({ id: uuid });

/** Visible ASCII, as the header carries it; the column's check allows the same 128 characters. */
const purchaseHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1 to 128 visible ASCII characters, e.g. a UUID')
    .optional(),
});

const thisYear = new Date().getUTCFullYear();
const purchaseSchema = z.strictObject({
  buyerId: uuid,
  payment: z.strictObject({
    cardNumber: z
      .string()
      .max(30)
      .refine((value) => passesLuhn(normaliseCardNumber(value)), 'is not a valid card number'),
    expMonth: z.number().int().min(1).max(12),
    expYear: z
      .number()
      .int()
      .min(thisYear - 20)
      .max(thisYear + 20),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  }),
});

export interface MarketplaceDeps {
  /** Absent in unit tests (they use inject). */
  telemetry?: Telemetry | undefined;
  store: MarketplaceRepository;
  metrics: MarketplaceMetrics;
  faults: FaultInjector;
  /** Which ritual-length variant a seller is in; absent in unit tests (the definition's default). */
  flags?: FeatureFlags | undefined;
  /** Where purchases are charged (default: the stand-in processor). */
  payments?: PaymentProcessor | undefined;
  adminToken?: string | undefined;
}

export function buildMarketplaceApp(deps: MarketplaceDeps): FastifyInstance {
  const { store, metrics } = deps;
  const payments = deps.payments ?? standInProcessor;
  // The seller wrote the ritual they list (rituals evaluated the same flag for them, and fractional
  // bucketing by user id gives every process the same answer): listed and sold count in their variant.
  const lengthOf = async (sellerId: string): Promise<RitualLength> =>
    (await deps.flags?.evaluate('ritual-length', { userId: sellerId }))?.variant ??
    definitionDefault('ritual-length').variant;
  const app = createServiceApp({
    telemetry: deps.telemetry,
    faults: deps.faults,
    adminToken: deps.adminToken,
  });

  app.post('/listings', async (request, reply) => {
    const listing = await store.createListing(parseInput(newListingSchema, request.body));
    metrics.listingCreated(await lengthOf(listing.sellerId));
    metrics.activeListingsChanged();
    return reply.code(201).send(listing);
  });

  app.get('/listings', async (request) => {
    const { limit, before } = parseInput(listQuerySchema, request.query, 'query');
    const listings = await store.listActive(limit, before);
    return { listings, next: listings.length === limit ? listings.at(-1)?.id : undefined };
  });

  app.get('/listings/:id', async (request) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    const listing = await store.getListing(id);
    if (!listing) throw new HttpError(404, 'listing_not_found', 'no listing with this id');
    return listing;
  });

  // Idempotency-Key (optional): a client that lost the answer retries with the same key and gets the
  // first answer again, marked Idempotent-Replayed, and is charged once.
  app.post('/listings/:id/purchases', async (request, reply) => {
    const { id } = parseInput(idParamsSchema, request.params, 'path');
    const { buyerId, payment } = parseInput(purchaseSchema, request.body);
    const idempotencyKey = parseInput(purchaseHeadersSchema, request.headers, 'header')['idempotency-key'];
    const listing = await store.getListing(id);
    if (!listing) throw new HttpError(404, 'listing_not_found', 'no listing with this id');
    if (listing.sellerId === buyerId)
      throw new HttpError(409, 'own_listing', 'you cannot buy your own listing');
    const card = {
      number: payment.cardNumber,
      expMonth: payment.expMonth,
      expYear: payment.expYear,
      cvc: payment.cvc,
    };
    const result = await store.recordPurchase({
      listingId: listing.id,
      buyerId,
      idempotencyKey,
      charge: () => payments.authorise(card, idempotencyKey),
    });
    if (!result) throw new HttpError(409, 'listing_not_available', 'this listing is sold');
    if (result.purchase.listingId !== listing.id) {
      throw new HttpError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was used for another purchase; send a new key for a new purchase',
      );
    }
    if (result.replayed) reply.header('idempotent-replayed', 'true');
    else await countPurchase(result, listing.sellerId);
    return sendPurchase(reply, result);
  });

  const countPurchase = async ({ purchase }: RecordedPurchase, sellerId: string) => {
    metrics.purchase(purchase.outcome, purchase.amountCents, purchase.currency, await lengthOf(sellerId));
    if (purchase.outcome === 'completed') metrics.activeListingsChanged();
  };

  return app;
}

function sendPurchase(reply: FastifyReply, { purchase, declineReason }: RecordedPurchase) {
  if (purchase.outcome === 'declined') {
    return reply.code(402).send({
      error: { code: declineReason ?? 'card_declined', message: 'the payment was declined' },
      purchase,
    });
  }
  return reply.code(201).send(purchase);
}
