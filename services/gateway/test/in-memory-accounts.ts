import { randomUUID } from 'node:crypto';
import type { AccountStore, User } from '../src/accounts.ts';

/** Accounts in memory, for unit tests of the gateway's HTTP layer (Postgres has its own test). */
export class InMemoryAccounts implements AccountStore {
  readonly users: Array<User & { passwordHash: string }> = [];
  readonly sessions = new Map<string, { userId: string; expiresAt: Date }>();

  async ping() {}

  async createUser(email: string, displayName: string, passwordHash: string) {
    if (this.users.some((u) => u.email === email)) return undefined;
    const user = { id: randomUUID(), email, displayName, passwordHash };
    this.users.push(user);
    return { id: user.id, email, displayName };
  }

  async findByEmail(email: string) {
    return this.users.find((u) => u.email === email);
  }

  async createSession(tokenHash: Buffer, userId: string, expiresAt: Date) {
    this.sessions.set(tokenHash.toString('hex'), { userId, expiresAt });
  }

  async findSessionUser(tokenHash: Buffer, now: Date) {
    const session = this.sessions.get(tokenHash.toString('hex'));
    if (!session || session.expiresAt <= now) return undefined;
    const user = this.users.find((u) => u.id === session.userId);
    return user ? { id: user.id, email: user.email, displayName: user.displayName } : undefined;
  }

  async deleteSession(tokenHash: Buffer) {
    return this.sessions.delete(tokenHash.toString('hex'));
  }

  async countActiveSessions(now: Date) {
    return [...this.sessions.values()].filter((s) => s.expiresAt > now).length;
  }
}
