// Every mutation's input is declared twice: a type-graphql input class (what clients see) and a
// zod schema (what the use cases enforce, for GraphQL, Slack commands and webhooks alike). This
// test holds them equal: field names, required or not, scalar kinds, enum values, and limits.
// The GraphQL side states its limits in field descriptions ("at most 200 characters", "at least
// 1 and at most 50 clients"), built from the same constants as the zod side; the test reads them
// back and compares them with zod's own JSON Schema of the input.
//
// The rules: a GraphQL non-null field is one the domain requires (and does not accept null for);
// a nullable one is one the domain lets be left out (it may still refuse an explicit null, which
// GraphQL cannot express). ID is a string the domain checks with id(); DateTime is z.date().
// Not compared: formats other than id() (slugs, emails, Jira keys), refinements ("not in the
// future"), and a minimum length of 1, which every required text has (requiredText).
import {
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
} from 'graphql';
import { z } from 'zod';
import { type Actor } from '../../src/domain/access/access';
import {
  createApiTokenSchema,
  revokeApiTokenSchema,
  TokenService,
} from '../../src/domain/access/token.service';
import {
  CatalogueService,
  upsertClientSchema,
  upsertPersonSchema,
  upsertServiceSchema,
  upsertSiteSchema,
  upsertTeamSchema,
} from '../../src/domain/catalogue/catalogue.service';
import {
  deleteDistributionListSchema,
  upsertDistributionListSchema,
} from '../../src/domain/catalogue/distribution-lists';
import { attachAlertSchema, declareFromAlertSchema } from '../../src/domain/alerts/alert.service';
import { AccessRole } from '../../src/domain/enums';
import { DomainError } from '../../src/domain/errors';
import {
  addNoteSchema,
  assignRoleSchema,
  changeStageSchema,
  reconcileIncidentSchema,
  correctTimestampSchema,
  createActionItemSchema,
  declareIncidentSchema,
  escalateSchema,
  handOverRoleSchema,
  postStatusUpdateSchema,
  publishPostmortemSchema,
  reassessPrioritySchema,
  relieveRoleSchema,
  sendCommunicationSchema,
  updateActionItemSchema,
  updateIncidentDetailsSchema,
} from '../../src/domain/incident/incident.inputs';
import type { UnitOfWork } from '../../src/domain/unit-of-work';
import { id, parseInput } from '../../src/domain/validation';
import { hubSchema } from '../../src/schema/build-schema';

const NOW = new Date();

/** A mutation whose arguments only GraphQL checks (scalars and enums, no use-case schema). */
interface GraphQLOnly {
  graphqlOnly: string;
}

/**
 * Each mutation and the zod schema its use case parses. A mutation missing here fails the test,
 * so a new one cannot skip the comparison. For `input:` mutations the schema describes the input
 * object; for others, the arguments as one object.
 */
const DOMAIN_INPUTS: Record<string, z.ZodType | GraphQLOnly> = {
  declareIncident: declareIncidentSchema(NOW),
  changeStage: changeStageSchema,
  reassessPriority: reassessPrioritySchema,
  updateIncidentDetails: updateIncidentDetailsSchema,
  correctTimestamp: correctTimestampSchema(NOW),
  escalate: escalateSchema,
  addNote: addNoteSchema(NOW),
  postStatusUpdate: postStatusUpdateSchema,
  createActionItem: createActionItemSchema,
  updateActionItem: updateActionItemSchema,
  assignRole: assignRoleSchema,
  relieveRole: relieveRoleSchema,
  handOverRole: handOverRoleSchema,
  upsertClient: upsertClientSchema,
  upsertSite: upsertSiteSchema,
  upsertService: upsertServiceSchema,
  upsertTeam: upsertTeamSchema,
  upsertPerson: upsertPersonSchema,
  createApiToken: createApiTokenSchema,
  revokeApiToken: revokeApiTokenSchema,
  upsertDistributionList: upsertDistributionListSchema,
  deleteDistributionList: deleteDistributionListSchema,
  sendCommunication: sendCommunicationSchema,
  publishPostmortem: publishPostmortemSchema,
  attachAlert: attachAlertSchema,
  declareFromAlert: declareFromAlertSchema,
  retryIntegration: {
    graphqlOnly: 'an enum and an incident key that is only looked up; no other entry point calls it',
  },
  retryInboundDeliveries: { graphqlOnly: 'one enum; no other entry point calls it' },
  reconcileIncident: reconcileIncidentSchema,
};

/** The subset of JSON Schema that zod emits for our inputs. */
interface Json {
  type?: string | string[];
  anyOf?: Json[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  items?: Json;
  properties?: Record<string, Json>;
  required?: string[];
  additionalProperties?: unknown;
  default?: unknown;
}

const jsonOf = (schema: z.ZodType): Json =>
  z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      // JSON has no dates; mark z.date() so it can be matched with DateTime.
      if (ctx.zodSchema._zod.def.type === 'date') Object.assign(ctx.jsonSchema, { format: 'date-time' });
    },
  }) as Json;

const UUID_PATTERN = jsonOf(id()).pattern;

/** Split "T or null" into T and whether null is accepted. */
function nullableOf(json: Json): { nullable: boolean; json: Json } {
  if (json.anyOf) {
    const rest = json.anyOf.filter((j) => j.type !== 'null');
    const { anyOf: _anyOf, ...outer } = json;
    return {
      nullable: rest.length < json.anyOf.length,
      json: rest.length === 1 ? { ...outer, ...rest[0] } : json,
    };
  }
  if (Array.isArray(json.type)) {
    const types = json.type.filter((t) => t !== 'null');
    return {
      nullable: types.length < json.type.length,
      json: { ...json, type: types.length === 1 ? types[0] : types },
    };
  }
  return { nullable: false, json };
}

interface Limits {
  /** "at least / at most N characters": string length (of each item, for a list). */
  length: { min?: number; max?: number };
  /** "at least / at most N" anything else: a list's item count or a number's value. */
  amount: { min?: number; max?: number };
}

function describedLimits(description: string | null | undefined): Limits {
  const limits: Limits = { length: {}, amount: {} };
  for (const [, bound, n, characters] of (description ?? '').matchAll(
    /\bat (least|most) (\d[\d,]*)( characters)?/gi,
  )) {
    limits[characters ? 'length' : 'amount'][bound.toLowerCase() === 'least' ? 'min' : 'max'] = Number(
      n.replace(/,/g, ''),
    );
  }
  return limits;
}

/** The GraphQL type a domain schema corresponds to; ID is a string that must be an id(). */
function kindOf(json: Json): string {
  if (json.enum) return 'enum';
  if (json.format === 'date-time') return 'DateTime';
  switch (json.type) {
    case 'string':
      return json.pattern === UUID_PATTERN ? 'ID' : 'String';
    case 'boolean':
      return 'Boolean';
    case 'integer':
      return 'Int';
    case 'number':
      return 'Float';
    case 'object':
      return 'input object';
    default:
      return `no GraphQL type (${JSON.stringify(json)})`;
  }
}

type Field = GraphQLInputField | GraphQLArgument;

class Comparison {
  readonly mismatches: string[] = [];

  private differ(path: string, what: string): void {
    this.mismatches.push(`${path}: ${what}`);
  }

  object(fields: readonly Field[], json: Json, path: string): void {
    if (json.type !== 'object' || !json.properties)
      return this.differ(path, 'the domain schema is not an object');
    if (json.additionalProperties !== false) {
      this.differ(path, 'the domain schema drops unknown fields (use z.strictObject)');
    }
    const graphql = new Set(fields.map((f) => f.name));
    for (const name of Object.keys(json.properties)) {
      if (!graphql.has(name)) this.differ(`${path}.${name}`, 'only the domain schema has it');
    }
    for (const field of fields) {
      const property = json.properties[field.name];
      if (!property) this.differ(`${path}.${field.name}`, 'only GraphQL has it');
      else this.field(field, property, json.required?.includes(field.name) ?? false, `${path}.${field.name}`);
    }
  }

  private field(field: Field, property: Json, domainRequired: boolean, path: string): void {
    const graphqlRequired = isNonNullType(field.type);
    const { nullable, json } = nullableOf(property);
    if (graphqlRequired && !domainRequired) this.differ(path, 'GraphQL requires it, the domain does not');
    if (!graphqlRequired && domainRequired) this.differ(path, 'the domain requires it, GraphQL does not');
    if (graphqlRequired && nullable) this.differ(path, 'the domain accepts null, GraphQL does not');
    if (field.defaultValue !== undefined && field.defaultValue !== json.default) {
      this.differ(
        path,
        `GraphQL defaults to ${String(field.defaultValue)}, the domain to ${String(json.default)}`,
      );
    }
    this.type(
      isNonNullType(field.type) ? field.type.ofType : field.type,
      json,
      describedLimits(field.description),
      path,
    );
  }

  private type(type: GraphQLInputType, json: Json, limits: Limits, path: string): void {
    if (isListType(type)) {
      if (json.type !== 'array' || !json.items)
        return this.differ(path, 'GraphQL has a list, the domain does not');
      this.limit(path, 'items', json.minItems, json.maxItems, limits.amount);
      const item = nullableOf(json.items);
      if (isNonNullType(type.ofType) === item.nullable) {
        this.differ(
          `${path}[]`,
          isNonNullType(type.ofType)
            ? 'the domain accepts null items, GraphQL does not'
            : 'GraphQL accepts null items, the domain does not',
        );
      }
      const itemType = isNonNullType(type.ofType) ? type.ofType.ofType : type.ofType;
      return this.type(itemType, item.json, { length: limits.length, amount: {} }, `${path}[]`);
    }
    if (json.type === 'array') return this.differ(path, 'the domain has a list, GraphQL does not');
    const graphqlKind = isEnumType(type) ? 'enum' : isInputObjectType(type) ? 'input object' : type.name;
    const domainKind = kindOf(json);
    if (graphqlKind !== domainKind)
      return this.differ(path, `GraphQL has ${graphqlKind}, the domain ${domainKind}`);
    if (isInputObjectType(type)) return this.object(Object.values(type.getFields()), json, path);
    if (isEnumType(type)) {
      const graphql = type
        .getValues()
        .map((v) => String(v.value))
        .sort();
      const domain = (json.enum ?? []).map(String).sort();
      if (graphql.join() !== domain.join()) {
        this.differ(
          path,
          `GraphQL enum ${type.name} is [${graphql.join(', ')}], the domain's [${domain.join(', ')}]`,
        );
      }
    }
    // Non-empty is the rule for every required text (requiredText); only longer minimums are stated.
    this.limit(
      path,
      'characters',
      json.minLength && json.minLength > 1 ? json.minLength : undefined,
      json.maxLength,
      limits.length,
    );
    this.limit(path, 'value', json.minimum, json.maximum, limits.amount);
  }

  private limit(
    path: string,
    what: string,
    min: number | undefined,
    max: number | undefined,
    described: Limits['amount'],
  ): void {
    if (min !== described.min) {
      this.differ(
        path,
        `the domain's minimum (${what}) is ${min ?? 'none'}, the GraphQL description's ${described.min ?? 'none'}`,
      );
    }
    if (max !== described.max) {
      this.differ(
        path,
        `the domain's maximum (${what}) is ${max ?? 'none'}, the GraphQL description's ${described.max ?? 'none'}`,
      );
    }
  }
}

/** What a mutation takes: its input object's fields, or its arguments. */
function inputFieldsOf(mutation: GraphQLField<unknown, unknown>): readonly Field[] {
  const [only] = mutation.args;
  if (mutation.args.length === 1 && only.name === 'input') {
    const type = getNamedType(only.type);
    if (isNonNullType(only.type) && isInputObjectType(type)) return Object.values(type.getFields());
  }
  return mutation.args;
}

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await hubSchema();
});
const mutations = () => schema.getMutationType()!.getFields();

describe('GraphQL inputs and domain schemas', () => {
  it('name every mutation with arguments, and no other', () => {
    const withArgs = Object.values(mutations())
      .filter((m) => m.args.length > 0)
      .map((m) => m.name)
      .sort();
    expect(Object.keys(DOMAIN_INPUTS).sort()).toEqual(withArgs);
  });

  it.each(Object.keys(DOMAIN_INPUTS))('agree for %s', (name) => {
    const mutation = mutations()[name];
    const domain = DOMAIN_INPUTS[name];
    if ('graphqlOnly' in domain) {
      // Only scalars and enums may go without a domain schema; GraphQL checks those fully.
      const objects = mutation.args.filter((a) => isInputObjectType(getNamedType(a.type)));
      expect(objects.map((a) => a.name)).toEqual([]);
      return;
    }
    const comparison = new Comparison();
    comparison.object(inputFieldsOf(mutation), jsonOf(domain), name);
    expect(comparison.mismatches).toEqual([]);
  });
});

describe('unknown fields', () => {
  const refusal = (run: () => unknown): DomainError => {
    try {
      run();
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
    throw new Error('the input was accepted');
  };

  it.each(Object.keys(DOMAIN_INPUTS).filter((name) => !('graphqlOnly' in DOMAIN_INPUTS[name])))(
    'are refused by name by the %s schema',
    (name) => {
      const error = refusal(() => parseInput(DOMAIN_INPUTS[name] as z.ZodType, { notAField: 1 }));
      expect(error.code).toBe('BAD_USER_INPUT');
      expect(error.details.problems).toContainEqual({ field: 'notAField', message: 'is not a known field' });
    },
  );

  // Slack commands and webhooks call the use cases directly; nothing but the schema stands
  // between them and a misspelt field. The refusal comes before any database work.
  const noDatabase = new Proxy({} as UnitOfWork, {
    get: () => {
      throw new Error('the input should have been refused before any database work');
    },
  });
  const admin: Actor = { personId: '00000000-0000-4000-8000-000000000001', accessRole: AccessRole.ADMIN };

  it('are refused by a use case, naming the field', async () => {
    const catalogue = new CatalogueService(noDatabase);
    const call = catalogue.upsertClient(admin, {
      slug: 'acme',
      name: 'Acme',
      slackChanel: '#acme-prod',
    } as Parameters<CatalogueService['upsertClient']>[1]);
    await expect(call).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: 'slackChanel: is not a known field',
      details: { field: 'slackChanel' },
    });
  });

  it('are refused alongside other problems, each named', async () => {
    const tokens = new TokenService(noDatabase);
    const call = tokens.createApiToken(admin, {
      personId: 'nobody',
      name: 'ci',
      role: AccessRole.ADMIN,
    } as Parameters<TokenService['createApiToken']>[1]);
    await expect(call).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      details: {
        problems: expect.arrayContaining([
          { field: 'personId', message: 'must be a valid id' },
          { field: 'role', message: 'is not a known field' },
        ]),
      },
    });
  });
});
