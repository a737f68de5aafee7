import type { Pool, PoolClient } from 'pg';
import type { PaymentDecision } from './payments.ts';

export type Currency = 'EUR' | 'USD' | 'GBP';

export interface Listing {
  id: string;
  sellerId: string;
  ritualId: string;
  title: string;
  description: string;
  priceCents: number;
  currency: Currency;
  status: 'active' | 'sold' | 'withdrawn';
  createdAt: string;
}

export interface Purchase {
  id: string;
  listingId: string;
  buyerId: string;
  amountCents: number;
  currency: Currency;
  outcome: 'completed' | 'declined';
  cardBrand: string;
  cardLast4: string;
  createdAt: string;
}

export interface NewListing {
  sellerId: string;
  ritualId: string;
  title: string;
  description: string;
  priceCents: number;
  currency: Currency;
}

interface ListingRow {
  id: string;
  seller_id: string;
  ritual_id: string;
  title: string;
  description: string;
  price_cents: number;
  currency: Currency;
  status: Listing['status'];
  created_at: Date;
}

/** One purchase request: the client's key makes a retry of it safe. */
export interface PurchaseAttempt {
  listingId: string;
  buyerId: string;
  /** The client's Idempotency-Key: a retry with the same key gets the first attempt's purchase. */
  idempotencyKey?: string | undefined;
  /** Charges the card: called at most once per key, while the listing is locked and still on sale. */
  charge: () => PaymentDecision | Promise<PaymentDecision>;
}

export interface RecordedPurchase {
  purchase: Purchase;
  declineReason?: Extract<PaymentDecision, { outcome: 'declined' }>['reason'] | undefined;
  /** True when the key had been used: this is the first attempt's purchase, nothing was charged now. */
  replayed: boolean;
}

interface PurchaseRow {
  id: string;
  listing_id: string;
  buyer_id: string;
  amount_cents: number;
  currency: Currency;
  outcome: Purchase['outcome'];
  card_brand: string;
  card_last4: string;
  decline_reason: RecordedPurchase['declineReason'] | null;
  created_at: Date;
}

const toListing = (row: ListingRow): Listing => ({
  id: row.id,
  sellerId: row.seller_id,
  ritualId: row.ritual_id,
  title: row.title,
  description: row.description,
  priceCents: row.price_cents,
  currency: row.currency,
  status: row.status,
  createdAt: row.created_at.toISOString(),
});

const toPurchase = (row: PurchaseRow): Purchase => ({
  id: row.id,
  listingId: row.listing_id,
  buyerId: row.buyer_id,
  amountCents: row.amount_cents,
  currency: row.currency,
  outcome: row.outcome,
  cardBrand: row.card_brand,
  cardLast4: row.card_last4,
  createdAt: row.created_at.toISOString(),
});

/** Listings and purchases in Postgres (schema `marketplace`, set as the pool's search_path). */
export class MarketplaceStore {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1 FROM listings LIMIT 1');
  }

  async createListing(listing: NewListing): Promise<Listing> {
    const { rows } = await this.#pool.query<ListingRow>(
      `INSERT INTO listings (seller_id, ritual_id, title, description, price_cents, currency)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [
        listing.sellerId,
        listing.ritualId,
        listing.title,
        listing.description,
        listing.priceCents,
        listing.currency,
      ],
    );
    return toListing(rows[0] as ListingRow);
  }

  async getListing(id: string): Promise<Listing | undefined> {
    const { rows } = await this.#pool.query<ListingRow>('SELECT * FROM listings WHERE id = $1', [id]);
    return rows[0] ? toListing(rows[0]) : undefined;
  }

  /** Active listings, newest first, `limit` at a time after the `before` cursor (a listing id). */
  async listActive(limit: number, before?: string): Promise<Listing[]> {
    const { rows } = await this.#pool.query<ListingRow>(
      `SELECT * FROM listings
       WHERE status = 'active'
         AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM listings WHERE id = $2))
       ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit, before ?? null],
    );
    return rows.map(toListing);
  }

  async countActive(): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM listings WHERE status = 'active'",
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Charges and records a purchase in one transaction. A completed one marks the listing sold; returns
   * undefined when the listing is no longer on sale (nothing is charged then). With an idempotency key,
   * attempts with the same key are serialised (an advisory lock on buyer and key) and every one after
   * the first returns the first one's purchase, uncharged.
   */
  async recordPurchase(attempt: PurchaseAttempt): Promise<RecordedPurchase | undefined> {
    const client: PoolClient = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      if (attempt.idempotencyKey !== undefined) {
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          `purchase:${attempt.buyerId}:${attempt.idempotencyKey}`,
        ]);
        const earlier = await client.query<PurchaseRow>(
          'SELECT * FROM purchases WHERE buyer_id = $1 AND idempotency_key = $2',
          [attempt.buyerId, attempt.idempotencyKey],
        );
        if (earlier.rows[0]) {
          await client.query('COMMIT');
          return recorded(earlier.rows[0], true);
        }
      }
      // Locking the listing row also serialises concurrent buyers: the second sees it sold and is
      // never charged.
      const { rows: listings } = await client.query<ListingRow>(
        "SELECT * FROM listings WHERE id = $1 AND status = 'active' FOR UPDATE",
        [attempt.listingId],
      );
      const listing = listings[0];
      if (!listing) {
        await client.query('ROLLBACK');
        return undefined;
      }
      const decision = await attempt.charge();
      if (decision.outcome === 'completed') {
        await client.query("UPDATE listings SET status = 'sold' WHERE id = $1", [listing.id]);
      }
      const { rows } = await client.query<PurchaseRow>(
        `INSERT INTO purchases (listing_id, buyer_id, amount_cents, currency, outcome, card_brand, card_last4,
                                idempotency_key, decline_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          listing.id,
          attempt.buyerId,
          listing.price_cents,
          listing.currency,
          decision.outcome,
          decision.brand,
          decision.last4,
          attempt.idempotencyKey ?? null,
          decision.outcome === 'declined' ? decision.reason : null,
        ],
      );
      await client.query('COMMIT');
      return recorded(rows[0] as PurchaseRow, false);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

const recorded = (row: PurchaseRow, replayed: boolean): RecordedPurchase => ({
  purchase: toPurchase(row),
  declineReason: row.decline_reason ?? undefined,
  replayed,
});
