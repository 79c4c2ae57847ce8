-- A shopper's profile: the store's own record of a Cognito user, keyed by the Cognito `sub`.
-- Created on the user's first authenticated request, from the attributes Cognito holds then;
-- afterwards the store's copy is the one that changes (profileUpdate).
CREATE TABLE profiles (
  sub         text PRIMARY KEY,
  email       text NOT NULL,
  name        text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Saved shipping addresses. A user who has addresses has exactly one default; the partial unique
-- index below makes "at most one" a guarantee, the service keeps "at least one".
CREATE TABLE addresses (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_sub      text NOT NULL REFERENCES profiles (sub) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  line1         text NOT NULL CHECK (length(line1) BETWEEN 1 AND 200),
  line2         text CHECK (length(line2) BETWEEN 1 AND 200),
  city          text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
  region        text CHECK (length(region) BETWEEN 1 AND 100),
  postal_code   text NOT NULL CHECK (length(postal_code) BETWEEN 1 AND 20),
  country_code  char(2) NOT NULL CHECK (country_code ~ '^[A-Z]{2}$'),
  is_default    boolean NOT NULL DEFAULT false,
  -- The moment of the insert (not of the transaction's start), so "newest" is insertion order.
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A user's addresses, newest first, in one index scan.
CREATE INDEX addresses_user_sub_idx ON addresses (user_sub, created_at DESC);

-- At most one default address per user.
CREATE UNIQUE INDEX addresses_one_default_per_user ON addresses (user_sub) WHERE is_default;
