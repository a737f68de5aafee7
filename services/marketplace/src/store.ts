import type { Pool, PoolClient } from 'pg';

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

interface PurchaseRow {
  id: string;
  listing_id: string;
  buyer_id: string;
  amount_cents: number;
  currency: Currency;
  outcome: Purchase['outcome'];
  card_brand: string;
  card_last4: string;
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
   * Records a purchase attempt. A completed one marks the listing sold in the same transaction;
   * returns undefined when the listing is no longer active (someone bought it first).
   */
  async recordPurchase(
    listing: Listing,
    buyerId: string,
    decision: { outcome: Purchase['outcome']; brand: string; last4: string },
  ): Promise<Purchase | undefined> {
    const client: PoolClient = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      if (decision.outcome === 'completed') {
        const sold = await client.query(
          "UPDATE listings SET status = 'sold' WHERE id = $1 AND status = 'active' RETURNING id",
          [listing.id],
        );
        if (sold.rowCount !== 1) {
          await client.query('ROLLBACK');
          return undefined;
        }
      }
      const { rows } = await client.query<PurchaseRow>(
        `INSERT INTO purchases (listing_id, buyer_id, amount_cents, currency, outcome, card_brand, card_last4)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [
          listing.id,
          buyerId,
          listing.priceCents,
          listing.currency,
          decision.outcome,
          decision.brand,
          decision.last4,
        ],
      );
      await client.query('COMMIT');
      return toPurchase(rows[0] as PurchaseRow);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
