import { randomUUID } from 'node:crypto';
import type { MarketplaceRepository } from '../src/app.ts';
import type { Listing, NewListing, Purchase, PurchaseAttempt, RecordedPurchase } from '../src/store.ts';

/** The marketplace's repository in memory, for unit tests of the HTTP layer (Postgres has its own tests). */
export class InMemoryMarketplace implements MarketplaceRepository {
  readonly listings: Listing[] = [];
  readonly purchases: StoredPurchase[] = [];

  async ping() {}

  async createListing(input: NewListing): Promise<Listing> {
    const listing: Listing = {
      ...input,
      id: randomUUID(),
      status: 'active',
      createdAt: new Date().toISOString(),
    };
    this.listings.push(listing);
    return listing;
  }

  async getListing(id: string) {
    return this.listings.find((l) => l.id === id);
  }

  async listActive(limit: number, before?: string) {
    const active = this.listings.filter((l) => l.status === 'active').reverse();
    const start = before ? active.findIndex((l) => l.id === before) + 1 : 0;
    return active.slice(start, start + limit);
  }

  async countActive() {
    return this.listings.filter((l) => l.status === 'active').length;
  }

  async recordPurchase(attempt: PurchaseAttempt): Promise<RecordedPurchase | undefined> {
    const keyed = (p: StoredPurchase) =>
      attempt.idempotencyKey !== undefined &&
      p.buyerId === attempt.buyerId &&
      p.idempotencyKey === attempt.idempotencyKey;
    const earlier = this.purchases.find(keyed);
    if (earlier)
      return { purchase: publicPurchase(earlier), declineReason: earlier.declineReason, replayed: true };
    const listing = this.listings.find((l) => l.id === attempt.listingId);
    if (listing?.status !== 'active') return undefined;
    const decision = await attempt.charge();
    if (decision.outcome === 'completed') listing.status = 'sold';
    const purchase: StoredPurchase = {
      id: randomUUID(),
      listingId: listing.id,
      buyerId: attempt.buyerId,
      amountCents: listing.priceCents,
      currency: listing.currency,
      outcome: decision.outcome,
      cardBrand: decision.brand,
      cardLast4: decision.last4,
      createdAt: new Date().toISOString(),
      idempotencyKey: attempt.idempotencyKey,
      declineReason: decision.outcome === 'declined' ? decision.reason : undefined,
    };
    this.purchases.push(purchase);
    return { purchase: publicPurchase(purchase), declineReason: purchase.declineReason, replayed: false };
  }
}

type StoredPurchase = Purchase &
  Pick<RecordedPurchase, 'declineReason'> & { idempotencyKey?: string | undefined };

const publicPurchase = ({
  idempotencyKey: _key,
  declineReason: _reason,
  ...purchase
}: StoredPurchase): Purchase => purchase;
