// API tokens: random secrets shown once, stored as SHA-256 hashes, each tied to a person and an
// access role no greater than that person's. A token's actor, once read, is reused for a short
// while (TOKEN_CACHE_MS) instead of being read on every request; any access change (a token
// revoked, a role changed, through any hub process or by hand: the PostgreSQL notification of
// migration AccessChangeNotifications, see event-relay.ts) clears what was read, and so does this
// process's own revocation the moment it commits.
import { performance } from 'node:perf_hooks';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull } from 'typeorm';
import { z } from 'zod';
import { ApiToken, Person } from '../../entities';
import { AccessRole } from '../enums';
import { badInput, notFound } from '../errors';
import type { UnitOfWork } from '../unit-of-work';
import { id, parseInput, requiredText } from '../validation';
import { type Actor, hasAccess, lesserRole, requireAccess } from './access';

export const TOKEN_PREFIX = 'ih_';

export const hashToken = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const newSecret = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

/** The longest token name; the schema docs quote it. */
export const TOKEN_NAME_MAX = 100;

export const createApiTokenSchema = z.strictObject({
  personId: id(),
  name: requiredText(TOKEN_NAME_MAX),
  accessRole: z.enum(AccessRole).nullish(),
});

export const revokeApiTokenSchema = z.strictObject({ id: id() });

/** The administrator that ADMIN_TOKEN and the generated first-start token belong to. */
export const SYSTEM_ADMIN_EMAIL = 'admin@incident-hub.local';

/** The most tokens whose actor is kept at once (the oldest read is dropped first). */
const MAX_KEPT = 10_000;

export interface TokenServiceOptions {
  /** How long an actor read for a token is reused (TOKEN_CACHE_MS); 0 or unset: read every time. */
  cacheMs?: number;
  /** Told after this process committed an access change, so every listener hears of it at once. */
  accessChanged?: () => void;
  /** Monotonic milliseconds; tests may move it. */
  clock?: () => number;
}

export class TokenService {
  private readonly kept = new Map<string, { actor: Actor; until: number }>();
  /** Lookups in flight, so a burst of requests with one token reads it once. */
  private readonly reading = new Map<string, Promise<Actor | null>>();
  /** Bumped by forget(): a lookup that began before it must not keep what it read. */
  private generation = 0;
  private readonly cacheMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly uow: UnitOfWork,
    private readonly options: TokenServiceOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 0;
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * The actor a bearer secret stands for, or null when it is unknown or revoked. Read from the
   * database unless read in the last TOKEN_CACHE_MS and no access change was heard since; an
   * unknown or revoked token is never kept, so it is read again each time.
   */
  async authenticate(secret: string): Promise<Actor | null> {
    if (!secret) return null;
    const hash = hashToken(secret);
    const kept = this.kept.get(hash);
    if (kept && kept.until > this.clock()) return kept.actor;
    const inFlight = this.reading.get(hash);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const read = this.actorsOf([hash])
      .then((actors) => {
        const actor = actors.get(hash) ?? null;
        if (actor && this.cacheMs > 0 && generation === this.generation) this.keep(hash, actor);
        return actor;
      })
      .finally(() => {
        if (this.reading.get(hash) === read) this.reading.delete(hash);
      });
    this.reading.set(hash, read);
    return read;
  }

  /** Forget every actor read so far: access changed somewhere (any process, or by hand). */
  forget(): void {
    this.generation += 1;
    this.kept.clear();
    this.reading.clear();
  }

  private keep(hash: string, actor: Actor): void {
    this.kept.delete(hash);
    if (this.kept.size >= MAX_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(hash, { actor, until: this.clock() + this.cacheMs });
  }

  /**
   * The actors that token hashes (hashToken) stand for now, in one query: a hash that is unknown
   * or revoked is missing from the answer. Open sockets are checked again with it.
   */
  async actorsOf(hashes: readonly string[]): Promise<Map<string, Actor>> {
    const actors = new Map<string, Actor>();
    if (!hashes.length) return actors;
    const rows = await this.uow.read((m) =>
      m
        .createQueryBuilder(ApiToken, 't')
        .innerJoin(Person, 'p', 'p.id = t.person_id')
        .select([
          't.token_hash AS token_hash',
          't.id AS token_id',
          't.access_role AS token_role',
          'p.id AS person_id',
          'p.access_role AS person_role',
        ])
        .where('t.token_hash IN (:...hashes) AND t.revoked_at IS NULL', { hashes: [...hashes] })
        .getRawMany<{
          token_hash: string;
          token_id: string;
          token_role: AccessRole;
          person_id: string;
          person_role: AccessRole;
        }>(),
    );
    for (const row of rows) {
      // A person whose role was lowered after the token was made gets the lower role. A token made
      // with less than its person has was narrowed on purpose: it keeps that cap on every incident.
      const narrowed = !hasAccess(row.token_role, row.person_role);
      actors.set(row.token_hash, {
        personId: row.person_id,
        tokenId: row.token_id,
        accessRole: lesserRole(row.token_role, row.person_role),
        ...(narrowed ? { cap: row.token_role } : {}),
      });
    }
    return actors;
  }

  /** Make a token for a person; the secret is returned here and never again. */
  async createApiToken(
    actor: Actor,
    raw: z.input<typeof createApiTokenSchema>,
  ): Promise<{ token: ApiToken; secret: string }> {
    requireAccess(actor, AccessRole.ADMIN, 'createApiToken');
    const input = parseInput(createApiTokenSchema, raw);
    return this.uow.run(async ({ manager }) => {
      const person = await manager.findOne(Person, { where: { id: input.personId } });
      if (!person) throw badInput('personId', `unknown person "${input.personId}"`);
      const accessRole = input.accessRole ?? person.accessRole;
      if (!hasAccess(person.accessRole, accessRole)) {
        throw badInput(
          'accessRole',
          `${person.name} has ${person.accessRole}; a token cannot grant ${accessRole}`,
        );
      }
      const secret = newSecret();
      const token = manager.create(ApiToken, {
        name: input.name,
        personId: person.id,
        accessRole,
        tokenHash: hashToken(secret),
        revokedAt: null,
      });
      await manager.insert(ApiToken, token);
      return { token, secret };
    });
  }

  /** Revoke a token; requests made with it are refused from now on. */
  async revokeApiToken(actor: Actor, tokenId: string): Promise<boolean> {
    requireAccess(actor, AccessRole.ADMIN, 'revokeApiToken');
    const tokenIdValue = parseInput(revokeApiTokenSchema, { id: tokenId }).id;
    const revoked = await this.uow.run(async ({ manager, now }) => {
      const token = await manager.findOne(ApiToken, { where: { id: tokenIdValue } });
      if (!token) throw notFound('API token', tokenIdValue);
      if (!token.revokedAt) await manager.update(ApiToken, { id: token.id }, { revokedAt: now });
      return true;
    });
    // committed: this process refuses the token from its next request on, without waiting for
    // the notification the other processes get
    this.forget();
    this.options.accessChanged?.();
    return revoked;
  }

  /**
   * Make sure an administrator can get in: with ADMIN_TOKEN, that secret works; without it, a
   * token is generated once and returned so the caller can print it. Returns null when nothing new.
   */
  async ensureAdminAccess(adminToken: string | undefined): Promise<{ generatedSecret: string | null }> {
    return this.uow.run(async ({ manager }) => {
      await manager.upsert(
        Person,
        { email: SYSTEM_ADMIN_EMAIL, name: 'Hub administrator', accessRole: AccessRole.ADMIN },
        { conflictPaths: ['email'], skipUpdateIfNoValuesChanged: true },
      );
      const admin = await manager.findOneByOrFail(Person, { email: SYSTEM_ADMIN_EMAIL });
      if (adminToken) {
        const tokenHash = hashToken(adminToken);
        if (!(await manager.exists(ApiToken, { where: { tokenHash } }))) {
          await manager.insert(ApiToken, {
            name: 'ADMIN_TOKEN',
            personId: admin.id,
            accessRole: AccessRole.ADMIN,
            tokenHash,
            revokedAt: null,
          });
        }
        return { generatedSecret: null };
      }
      const existing = await manager.exists(ApiToken, {
        where: { personId: admin.id, name: 'first-start admin', revokedAt: IsNull() },
      });
      if (existing) return { generatedSecret: null };
      const secret = newSecret();
      await manager.insert(ApiToken, {
        name: 'first-start admin',
        personId: admin.id,
        accessRole: AccessRole.ADMIN,
        tokenHash: hashToken(secret),
        revokedAt: null,
      });
      return { generatedSecret: secret };
    });
  }
}
