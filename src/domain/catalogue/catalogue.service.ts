// The catalogue (clients, sites, services, teams, people): created or updated by natural key,
// by administrators only.
import { z } from 'zod';
import type { EntityManager } from 'typeorm';
import { Client, Person, Service, Site, Team } from '../../entities';
import { type Actor, requireAccess } from '../access/access';
import { AccessRole } from '../enums';
import { badInput } from '../errors';
import type { UnitOfWork } from '../unit-of-work';
import { id, optionalText, parseInput, requiredText } from '../validation';

/** Text limits of the catalogue; the schema docs quote them. */
export const CATALOGUE_LIMITS = {
  slug: 40,
  clientName: 200,
  slackChannel: 80,
  location: 100,
  serviceName: 100,
  teamName: 100,
  personName: 200,
  opsgenieName: 200,
} as const;

const slug = z
  .string()
  .trim()
  .toLowerCase()
  .max(CATALOGUE_LIMITS.slug, `must be at most ${CATALOGUE_LIMITS.slug} characters`)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes');

export const upsertClientSchema = z.strictObject({
  slug,
  name: requiredText(CATALOGUE_LIMITS.clientName),
  slackChannel: optionalText(CATALOGUE_LIMITS.slackChannel),
});
export const upsertSiteSchema = z.strictObject({
  siteId: slug,
  location: requiredText(CATALOGUE_LIMITS.location),
  clientSlug: slug,
});
export const upsertServiceSchema = z.strictObject({
  name: requiredText(CATALOGUE_LIMITS.serviceName),
  teamId: id().nullish(),
});
export const upsertTeamSchema = z.strictObject({
  name: requiredText(CATALOGUE_LIMITS.teamName),
  opsgenieTeam: optionalText(CATALOGUE_LIMITS.opsgenieName),
  opsgenieSchedule: optionalText(CATALOGUE_LIMITS.opsgenieName),
});
export const upsertPersonSchema = z.strictObject({
  email: z.string().trim().toLowerCase().email('must be an email address'),
  name: requiredText(CATALOGUE_LIMITS.personName),
  slackUserId: z
    .string()
    .trim()
    .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as "U024BE7LH"')
    .nullish(),
  opsgenieUser: optionalText(CATALOGUE_LIMITS.opsgenieName),
  timeZone: z
    .string()
    .trim()
    .refine(
      (tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC',
      'must be an IANA time zone',
    )
    .nullish(),
  teamId: id().nullish(),
  accessRole: z.enum(AccessRole).nullish(),
});

export class CatalogueService {
  constructor(
    private readonly uow: UnitOfWork,
    /** Told after a committed change of a person's access role (TokenService, open sockets). */
    private readonly accessChanged?: () => void,
  ) {}

  /** Create or update a client by slug. */
  async upsertClient(actor: Actor, raw: z.input<typeof upsertClientSchema>): Promise<Client> {
    requireAccess(actor, AccessRole.ADMIN, 'upsertClient');
    const input = parseInput(upsertClientSchema, raw);
    return this.upsert(Client, definedOnly(input), 'slug', input.slug);
  }

  /** Create or update a site by siteId. */
  async upsertSite(actor: Actor, raw: z.input<typeof upsertSiteSchema>): Promise<Site> {
    requireAccess(actor, AccessRole.ADMIN, 'upsertSite');
    const input = parseInput(upsertSiteSchema, raw);
    const client = await this.uow.read((m) => m.findOne(Client, { where: { slug: input.clientSlug } }));
    if (!client) throw badInput('clientSlug', `unknown client "${input.clientSlug}"`);
    return this.upsert(
      Site,
      { siteId: input.siteId, location: input.location, clientId: client.id },
      'siteId',
      input.siteId,
    );
  }

  /** Create or update a service by name. */
  async upsertService(actor: Actor, raw: z.input<typeof upsertServiceSchema>): Promise<Service> {
    requireAccess(actor, AccessRole.ADMIN, 'upsertService');
    const input = parseInput(upsertServiceSchema, raw);
    await this.uow.read((m) => assertExists(m, Team, input.teamId, 'teamId', 'team'));
    return this.upsert(Service, definedOnly(input), 'name', input.name);
  }

  /** Create or update a team by name. */
  async upsertTeam(actor: Actor, raw: z.input<typeof upsertTeamSchema>): Promise<Team> {
    requireAccess(actor, AccessRole.ADMIN, 'upsertTeam');
    const input = parseInput(upsertTeamSchema, raw);
    return this.upsert(Team, definedOnly(input), 'name', input.name);
  }

  /** Create or update a person by email. */
  async upsertPerson(actor: Actor, raw: z.input<typeof upsertPersonSchema>): Promise<Person> {
    requireAccess(actor, AccessRole.ADMIN, 'upsertPerson');
    const input = parseInput(upsertPersonSchema, raw);
    await this.uow.read((m) => assertExists(m, Team, input.teamId, 'teamId', 'team'));
    const { accessRole, ...rest } = input;
    const values: Partial<Person> = definedOnly(rest);
    // The role cannot be cleared, only changed; a new person starts as RESPONDER.
    if (accessRole) values.accessRole = accessRole;
    const person = await this.upsert(Person, values, 'email', input.email);
    if (accessRole) this.accessChanged?.();
    return person;
  }

  private async upsert<E extends object>(
    entity: new () => E,
    values: Partial<E>,
    naturalKey: keyof E & string,
    keyValue: string,
  ): Promise<E> {
    return this.uow.run(async ({ manager }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await manager.upsert(entity, values as any, {
        conflictPaths: [naturalKey],
        skipUpdateIfNoValuesChanged: true,
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return manager.findOneOrFail(entity, { where: { [naturalKey]: keyValue } as any });
    });
  }
}

/** Fields the caller left out stay as they are; null clears. */
function definedOnly<T extends object>(values: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

async function assertExists(
  manager: EntityManager,
  entity: new () => { id: string },
  value: string | null | undefined,
  field: string,
  what: string,
): Promise<void> {
  if (!value) return;
  if (!(await manager.exists(entity, { where: { id: value } })))
    throw badInput(field, `unknown ${what} "${value}"`);
}
