import { randomUUID } from 'node:crypto';
import { FaultInjector } from '@telemetry-kit/service-kit';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { buildMarketplaceApp } from '../src/app.ts';
import { migrate, SCHEMA } from '../src/migrate.ts';
import type { CardDetails, PaymentProcessor } from '../src/payments.ts';
import { authorisePayment } from '../src/payments.ts';
import { MarketplaceStore } from '../src/store.ts';

/** The stand-in processor, counting the charges it was asked to make. */
class CountingProcessor implements PaymentProcessor {
  charges = 0;
  authorise(card: CardDetails) {
    this.charges++;
    return authorisePayment(card);
  }
}

const noMetrics = { listingCreated() {}, purchase() {}, activeListingsChanged() {} };
const card = {
  cardNumber: '4242424242424242',
  expMonth: 12,
  expYear: new Date().getUTCFullYear() + 2,
  cvc: '123',
};

describeWithContainers(
  'purchases with an Idempotency-Key, against Postgres 17',
  { images: ['POSTGRES_IMAGE'] },
  () => {
    let postgres: StartedPostgres;
    let pool: pg.Pool;
    let payments: CountingProcessor;
    let app: ReturnType<typeof buildMarketplaceApp>;
    const buyerId = randomUUID();

    beforeAll(async () => {
      postgres = await startPostgres();
      await migrate({ databaseUrl: postgres.url, direction: 'up' });
      pool = new pg.Pool({ connectionString: postgres.url, options: `-c search_path=${SCHEMA}` });
    });
    afterAll(async () => {
      await pool?.end();
      await postgres?.stop();
    });
    beforeEach(() => {
      payments = new CountingProcessor();
      app = buildMarketplaceApp({
        store: new MarketplaceStore(pool),
        metrics: noMetrics,
        faults: new FaultInjector(),
        payments,
      });
    });

    const listing = async () =>
      (
        await app.inject({
          method: 'POST',
          url: '/listings',
          payload: { sellerId: randomUUID(), ritualId: 'r', title: 'Dawn', priceCents: 700, currency: 'EUR' },
        })
      ).json<{ id: string }>().id;
    const purchase = (listingId: string, key: string | undefined, cardNumber = card.cardNumber) =>
      app.inject({
        method: 'POST',
        url: `/listings/${listingId}/purchases`,
        headers: key === undefined ? {} : { 'idempotency-key': key },
        payload: { buyerId, payment: { ...card, cardNumber } },
      });
    const storedWithKey = async (key: string) =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM purchases WHERE buyer_id = $1 AND idempotency_key = $2',
          [buyerId, key],
        )
      ).rows[0]?.n;

    it('stores a retried purchase once, charges it once, and answers the retry with the first purchase', async () => {
      const id = await listing();
      const key = randomUUID();
      const first = await purchase(id, key);
      const retry = await purchase(id, key);
      expect(first.statusCode).toBe(201);
      expect(
        retry.statusCode,
        'the retry answers as the first attempt did, though the listing is sold now',
      ).toBe(201);
      expect(retry.json().id).toBe(first.json().id);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await storedWithKey(key)).toBe(1);
      expect(payments.charges, 'charged once').toBe(1);
    });

    it('charges once when retries with the same key arrive at the same time', async () => {
      const id = await listing();
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 5 }, () => purchase(id, key)));
      expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(answers.map((a) => a.json().id)).size, 'one purchase for all of them').toBe(1);
      expect(await storedWithKey(key)).toBe(1);
      expect(payments.charges).toBe(1);
    });

    it('replays a declined purchase as the same 402, without charging again', async () => {
      const id = await listing();
      const key = randomUUID();
      const first = await purchase(id, key, '4000000000000002');
      const retry = await purchase(id, key, '4000000000000002');
      expect([first.statusCode, retry.statusCode]).toEqual([402, 402]);
      expect(retry.json()).toEqual(first.json());
      expect(payments.charges).toBe(1);
    });

    it('refuses a key reused for another listing, and charges nothing for it', async () => {
      const key = randomUUID();
      await purchase(await listing(), key);
      const reused = await purchase(await listing(), key);
      expect(reused.statusCode).toBe(422);
      expect(reused.json().error.code).toBe('idempotency_key_reused');
      expect(payments.charges).toBe(1);
    });

    it('charges nobody for a listing sold meanwhile (a new purchase, no key)', async () => {
      const id = await listing();
      await purchase(id, undefined);
      const second = await purchase(id, undefined);
      expect(second.statusCode).toBe(409);
      expect(payments.charges).toBe(1);
    });
  },
);
