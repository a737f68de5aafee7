import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Pool } from 'pg';

export interface User {
  id: string;
  email: string;
  displayName: string;
}

/** Where accounts live; Postgres in production (PgAccountStore), in memory in unit tests. */
export interface AccountStore {
  ping(): Promise<void>;
  /** Undefined when the email is taken. */
  createUser(email: string, displayName: string, passwordHash: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<(User & { passwordHash: string }) | undefined>;
  createSession(tokenHash: Buffer, userId: string, expiresAt: Date): Promise<void>;
  findSessionUser(tokenHash: Buffer, now: Date): Promise<User | undefined>;
  deleteSession(tokenHash: Buffer): Promise<boolean>;
  countActiveSessions(now: Date): Promise<number>;
}

/** bcrypt cost: about 50–100 ms per hash in bcryptjs on one core. */
const BCRYPT_ROUNDS = 10;
/** Compared against when the email is unknown, so a miss costs as long as a wrong password. */
const DUMMY_HASH = bcrypt.hashSync('not-a-real-password', BCRYPT_ROUNDS);

export const hashPassword = (password: string) => bcrypt.hash(password, BCRYPT_ROUNDS);

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? DUMMY_HASH);
  return hash !== undefined && matches;
}

/** A session token: 256 random bits, handed to the client once; only its hash is stored. */
export function newSessionToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/**
 * Sessions are found by this digest (an index lookup in Postgres), never by comparing tokens: how long
 * a lookup takes can only tell an attacker about digests, and steering a SHA-256 digest byte by byte
 * would take a preimage attack, so this lookup needs no constant-time comparison.
 */
export const hashToken = (token: string) => createHash('sha256').update(token).digest();

export class PgAccountStore implements AccountStore {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1 FROM users LIMIT 1');
  }

  async createUser(email: string, displayName: string, passwordHash: string): Promise<User | undefined> {
    const { rows } = await this.#pool.query<{ id: string; email: string; display_name: string }>(
      `INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO NOTHING RETURNING id, email, display_name`,
      [email, displayName, passwordHash],
    );
    const row = rows[0];
    return row ? { id: row.id, email: row.email, displayName: row.display_name } : undefined;
  }

  async findByEmail(email: string) {
    const { rows } = await this.#pool.query<{
      id: string;
      email: string;
      display_name: string;
      password_hash: string;
    }>('SELECT id, email, display_name, password_hash FROM users WHERE email = $1', [email]);
    const row = rows[0];
    return row
      ? { id: row.id, email: row.email, displayName: row.display_name, passwordHash: row.password_hash }
      : undefined;
  }

  async createSession(tokenHash: Buffer, userId: string, expiresAt: Date): Promise<void> {
    await this.#pool.query('INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
      tokenHash,
      userId,
      expiresAt,
    ]);
  }

  async findSessionUser(tokenHash: Buffer, now: Date): Promise<User | undefined> {
    const { rows } = await this.#pool.query<{ id: string; email: string; display_name: string }>(
      `SELECT u.id, u.email, u.display_name FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash, now],
    );
    const row = rows[0];
    return row ? { id: row.id, email: row.email, displayName: row.display_name } : undefined;
  }

  async deleteSession(tokenHash: Buffer): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
    return result.rowCount === 1;
  }

  async countActiveSessions(now: Date): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM sessions WHERE expires_at > $1',
      [now],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
