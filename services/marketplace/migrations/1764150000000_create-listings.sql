-- Up Migration
CREATE TABLE listings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seller_id uuid NOT NULL,
  ritual_id text NOT NULL CHECK (char_length(ritual_id) BETWEEN 1 AND 100),
  title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  price_cents integer NOT NULL CHECK (price_cents > 0 AND price_cents <= 1000000),
  currency char(3) NOT NULL CHECK (currency IN ('EUR', 'USD', 'GBP')),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'sold', 'withdrawn')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listings_active_by_created_at ON listings (created_at DESC, id) WHERE status = 'active';

-- Down Migration
DROP TABLE listings;
