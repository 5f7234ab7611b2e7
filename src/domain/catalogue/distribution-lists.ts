// Distribution lists: named lists of email addresses, a client's (they hear EXTERNAL
// communications about incidents affecting it) or internal (no client: INTERNAL ones). Kept by
// administrators, created or updated by name.
import { z } from 'zod';
import { Client, DistributionList } from '../../entities';
import { type Actor, requireAccess } from '../access/access';
import { AccessRole } from '../enums';
import { badInput, notFound } from '../errors';
import type { UnitOfWork } from '../unit-of-work';
import { parseInput, requiredText } from '../validation';

/** Limits of distribution lists; the schema docs quote them. */
export const DISTRIBUTION_LIST_LIMITS = { name: 100, addresses: 200, address: 254 } as const;

const listName = requiredText(DISTRIBUTION_LIST_LIMITS.name);

export const upsertDistributionListSchema = z.strictObject({
  name: listName,
  /** Absent or null: an internal list. */
  clientSlug: z.string().trim().toLowerCase().min(1, 'must not be empty').nullish(),
  addresses: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .max(
          DISTRIBUTION_LIST_LIMITS.address,
          `must be at most ${DISTRIBUTION_LIST_LIMITS.address} characters`,
        )
        .email('must be an email address'),
    )
    .min(1, 'must hold at least 1 address')
    .max(
      DISTRIBUTION_LIST_LIMITS.addresses,
      `must hold at most ${DISTRIBUTION_LIST_LIMITS.addresses} addresses`,
    ),
});
export type UpsertDistributionListInput = z.input<typeof upsertDistributionListSchema>;

export const deleteDistributionListSchema = z.strictObject({ name: listName });

export class DistributionListService {
  constructor(private readonly uow: UnitOfWork) {}

  /** Create or update a list by name; `clientSlug` absent or null makes it internal. */
  async upsertDistributionList(actor: Actor, raw: UpsertDistributionListInput): Promise<DistributionList> {
    requireAccess(actor, AccessRole.ADMIN, 'upsertDistributionList');
    const input = parseInput(upsertDistributionListSchema, raw);
    return this.uow.run(async ({ manager }) => {
      let clientId: string | null = null;
      if (input.clientSlug) {
        const client = await manager.findOne(Client, { where: { slug: input.clientSlug } });
        if (!client) throw badInput('clientSlug', `unknown client "${input.clientSlug}"`);
        clientId = client.id;
      }
      const values = { name: input.name, clientId, addresses: [...new Set(input.addresses)] };
      await manager.upsert(DistributionList, values, { conflictPaths: ['name'] });
      return manager.findOneOrFail(DistributionList, { where: { name: input.name } });
    });
  }

  /** Delete a list by name (NOT_FOUND when there is none). */
  async deleteDistributionList(actor: Actor, raw: { name: string }): Promise<boolean> {
    requireAccess(actor, AccessRole.ADMIN, 'deleteDistributionList');
    const input = parseInput(deleteDistributionListSchema, raw);
    return this.uow.run(async ({ manager }) => {
      const result = await manager.delete(DistributionList, { name: input.name });
      if (!result.affected) throw notFound('DistributionList', input.name);
      return true;
    });
  }
}
