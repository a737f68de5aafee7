import { randomUUID } from 'node:crypto';
import type { MarketplaceRepository } from '../src/app.ts';
import type { Listing, NewListing, Purchase } from '../src/store.ts';

/** The marketplace's repository in memory, for unit tests of the HTTP layer (Postgres has its own tests). */
export class InMemoryMarketplace implements MarketplaceRepository {
  readonly listings: Listing[] = [];
  readonly purchases: Purchase[] = [];

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

  async recordPurchase(
    listing: Listing,
    buyerId: string,
    decision: { outcome: Purchase['outcome']; brand: string; last4: string },
  ) {
    const stored = this.listings.find((l) => l.id === listing.id);
    if (decision.outcome === 'completed') {
      if (stored?.status !== 'active') return undefined;
      stored.status = 'sold';
    }
    const purchase: Purchase = {
      id: randomUUID(),
      listingId: listing.id,
      buyerId,
      amountCents: listing.priceCents,
      currency: listing.currency,
      outcome: decision.outcome,
      cardBrand: decision.brand,
      cardLast4: decision.last4,
      createdAt: new Date().toISOString(),
    };
    this.purchases.push(purchase);
    return purchase;
  }
}
