import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaultInjector, startFeatureFlags } from '@telemetry-kit/service-kit';
import { badInputCorpus, runBadInputCorpus } from '@telemetry-kit/service-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketplaceMetrics } from '../src/app.ts';
import { buildMarketplaceApp } from '../src/app.ts';
import { authorisePayment, cardBrand, passesLuhn } from '../src/payments.ts';
import { InMemoryMarketplace } from './in-memory-store.ts';

class RecordingMetrics implements MarketplaceMetrics {
  readonly events: string[] = [];
  /** The ritual-length variant each listing and purchase was counted in. */
  readonly lengths: string[] = [];
  listingCreated(length: string) {
    this.events.push('listing');
    this.lengths.push(`listing:${length}`);
  }
  purchase(outcome: string, amountCents: number, currency: string, length: string) {
    this.events.push(`purchase:${outcome}:${amountCents}:${currency}`);
    this.lengths.push(`purchase:${length}`);
  }
  activeListingsChanged() {}
}

const seller = randomUUID();
const buyer = randomUUID();
const newListing = {
  sellerId: seller,
  ritualId: randomUUID(),
  title: 'Morning candle',
  description: 'A calm start',
  priceCents: 499,
  currency: 'EUR',
};
const goodCard = {
  cardNumber: '4242 4242 4242 4242',
  expMonth: 12,
  expYear: new Date().getUTCFullYear() + 2,
  cvc: '123',
};

describe('payments', () => {
  it('checks card numbers with the Luhn algorithm', () => {
    expect(passesLuhn('4242424242424242')).toBe(true);
    expect(passesLuhn('4242424242424241')).toBe(false);
    expect(passesLuhn('42')).toBe(false);
  });

  it('names the brand and keeps only the last four digits', () => {
    expect(cardBrand('5555555555554444')).toBe('mastercard');
    const decision = authorisePayment({ number: '4242424242424242', expMonth: 1, expYear: 2099, cvc: '123' });
    expect(decision).toEqual({ outcome: 'completed', brand: 'visa', last4: '4242' });
  });

  it('declines the declining test card and expired cards', () => {
    expect(
      authorisePayment({ number: '4000000000000002', expMonth: 1, expYear: 2099, cvc: '1' }).outcome,
    ).toBe('declined');
    const expired = authorisePayment({ number: '4242424242424242', expMonth: 1, expYear: 2020, cvc: '1' });
    expect(expired).toMatchObject({ outcome: 'declined', reason: 'expired_card' });
  });
});

describe('the marketplace API', () => {
  let store: InMemoryMarketplace;
  let metrics: RecordingMetrics;
  let app: ReturnType<typeof buildMarketplaceApp>;

  beforeEach(() => {
    store = new InMemoryMarketplace();
    metrics = new RecordingMetrics();
    app = buildMarketplaceApp({ store, metrics, faults: new FaultInjector() });
  });

  const createListing = async () =>
    (await app.inject({ method: 'POST', url: '/listings', payload: newListing })).json() as { id: string };

  it('creates a listing and shows it among active listings', async () => {
    const response = await app.inject({ method: 'POST', url: '/listings', payload: newListing });
    expect(response.statusCode).toBe(201);
    const listed = (await app.inject({ method: 'GET', url: '/listings' })).json();
    expect(listed.listings.map((l: { id: string }) => l.id)).toEqual([response.json().id]);
    expect(metrics.events).toEqual(['listing']);
  });

  it('sells a listing once, counting the amount, and stores no card details but brand and last four', async () => {
    const { id } = await createListing();
    const bought = await app.inject({
      method: 'POST',
      url: `/listings/${id}/purchases`,
      payload: { buyerId: buyer, payment: goodCard },
    });
    expect(bought.statusCode).toBe(201);
    expect(bought.json()).toMatchObject({
      outcome: 'completed',
      cardBrand: 'visa',
      cardLast4: '4242',
      amountCents: 499,
    });
    expect(JSON.stringify(store.purchases)).not.toContain('4242424242424242');
    expect(JSON.stringify(store.purchases)).not.toContain('"123"');
    const again = await app.inject({
      method: 'POST',
      url: `/listings/${id}/purchases`,
      payload: { buyerId: randomUUID(), payment: goodCard },
    });
    expect(again.statusCode).toBe(409);
    expect(metrics.events).toContain('purchase:completed:499:EUR');
  });

  it('answers 402 for a declined card and keeps the listing on sale', async () => {
    const { id } = await createListing();
    const response = await app.inject({
      method: 'POST',
      url: `/listings/${id}/purchases`,
      payload: { buyerId: buyer, payment: { ...goodCard, cardNumber: '4000000000000002' } },
    });
    expect(response.statusCode).toBe(402);
    expect(response.json().error.code).toBe('card_declined');
    expect((await store.getListing(id))?.status).toBe('active');
    expect(metrics.events).toContain('purchase:declined:499:EUR');
  });

  it('refuses a purchase of your own listing', async () => {
    const { id } = await createListing();
    const response = await app.inject({
      method: 'POST',
      url: `/listings/${id}/purchases`,
      payload: { buyerId: seller, payment: goodCard },
    });
    expect(response.statusCode).toBe(409);
  });

  it('answers 404 for an unknown listing and 400 for an id that is not a UUID', async () => {
    expect((await app.inject({ method: 'GET', url: `/listings/${randomUUID()}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: "/listings/1' OR '1'='1" })).statusCode).toBe(400);
  });

  it('refuses an invalid card number without echoing it', async () => {
    const { id } = await createListing();
    const response = await app.inject({
      method: 'POST',
      url: `/listings/${id}/purchases`,
      payload: { buyerId: buyer, payment: { ...goodCard, cardNumber: '4242424242424241' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain('4242424242424241');
  });

  it('refuses the bad-input corpus on every endpoint', async () => {
    const { id } = await createListing();
    await runBadInputCorpus(app, { method: 'POST', url: '/listings' }, badInputCorpus(newListing));
    await runBadInputCorpus(
      app,
      { method: 'POST', url: `/listings/${id}/purchases` },
      badInputCorpus({ buyerId: buyer, payment: goodCard }),
    );
    for (const query of [
      'limit=abc',
      'limit=-1',
      'limit=100000',
      'before=not-a-uuid',
      'unknown=1',
      'limit=1&limit=2',
    ]) {
      const response = await app.inject({ method: 'GET', url: `/listings?${query}` });
      expect(response.statusCode, query).toBe(400);
    }
  });
});

describe('the ritual-length experiment', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'marketplace-flags-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('counts a listing and its sale in the seller’s variant, not the buyer’s', async () => {
    const definition = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../../flags/flags.flagd.json'), 'utf8'),
    );
    definition.flags['ritual-length'].targeting = {
      fractional: [
        ['standard', 0],
        ['extended', 100],
      ],
    };
    const file = path.join(dir, 'flags.json');
    await writeFile(file, JSON.stringify(definition));
    const flags = await startFeatureFlags({ file, logger: { info() {}, warn() {}, error() {} } });
    const metrics = new RecordingMetrics();
    const app = buildMarketplaceApp({
      store: new InMemoryMarketplace(),
      metrics,
      flags,
      faults: new FaultInjector(),
    });
    const listing = (await app.inject({ method: 'POST', url: '/listings', payload: newListing })).json();
    await app.inject({
      method: 'POST',
      url: `/listings/${listing.id}/purchases`,
      payload: { buyerId: buyer, payment: goodCard },
    });
    await flags.close();
    expect(metrics.lengths).toEqual(['listing:extended', 'purchase:extended']);
  });

  it('without flags counts in the definition’s default variant', async () => {
    const metrics = new RecordingMetrics();
    const app = buildMarketplaceApp({
      store: new InMemoryMarketplace(),
      metrics,
      faults: new FaultInjector(),
    });
    await app.inject({ method: 'POST', url: '/listings', payload: newListing });
    expect(metrics.lengths).toEqual(['listing:standard']);
  });
});
