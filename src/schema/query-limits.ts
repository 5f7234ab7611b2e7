// Limits on what one operation may ask for, refused before any resolver (and so any SQL) runs:
// depth, aliases and directives from graphql-armor, the token count at parse time, and here the
// page sizes, the cost and the texts, checked against the operation with its variables' values.
// HTTP (requestGate) and the WebSocket apply the same checks through checkOperation.
//
// Cost: how many values the response may hold. Each field counts once per parent it is resolved
// for; a list multiplies its children by its size: `first` (capped at maxPageSize, or the
// argument's default) on a paged field, the page of the connection above it for a connection's
// `nodes`/`edges`, and unpagedListSize for a list without paging (its real length is unknown
// before the query runs; the response-size ceiling, see responseCeiling, catches the rest).
// Lists of scalars and enums count as one value per parent.
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  visit,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { textProblem, valueProblems } from '../domain/validation';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  /** Most values an operation may ask for (see the cost rules above). */
  maxCost: number;
  maxPageSize: number;
  /** The size a list without paging counts as. */
  unpagedListSize: number;
  /** Largest response body, in bytes of JSON. */
  maxResponseBytes: number;
}

/** The assumed length of a list without `first` (team members, affected clients, the catalogue). */
export const UNPAGED_LIST_SIZE = 100;

/** The cost limit for a page-size cap: 2000 values per item of the largest page, at least 200,000. */
export const defaultMaxCost = (maxPageSize: number): number => Math.max(200_000, 2000 * maxPageSize);

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 10,
  maxCost: defaultMaxCost(100),
  maxPageSize: 100,
  unpagedListSize: UNPAGED_LIST_SIZE,
  maxResponseBytes: 10_000_000,
};

/**
 * What Apollo needs for these limits: graphql-armor's rules for depth, aliases and directives (their
 * messages without armor's misleading "Syntax Error:" prefix), the literal page-size rule first (so
 * an oversized page is reported as such), and graphql-js's own token limit at parse time (armor's
 * token plugin does not stop Apollo 5).
 */
export function apolloLimits(limits: QueryLimits) {
  const protection = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    plugins: protection.plugins,
    validationRules: [
      pageSizeRule(limits.maxPageSize),
      ...protection.validationRules.map(withoutSyntaxPrefix),
    ],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}

/** The same rule, its errors without the "Syntax Error: " graphql-armor puts before every limit. */
function withoutSyntaxPrefix(rule: ValidationRule): ValidationRule {
  return (context) =>
    rule(
      new Proxy(context, {
        get(target, property, receiver) {
          if (property === 'reportError') {
            return (error: GraphQLError) =>
              target.reportError(
                new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
                  nodes: error.nodes,
                  extensions: error.extensions,
                }),
              );
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
    );
}

/** Validation rule: literal page sizes within the cap (variables are checked once known). */
export function pageSizeRule(maxPageSize: number): ValidationRule {
  return (context) => ({
    Document(node) {
      const problem = checkPageSizes(node, {}, maxPageSize, { literalsOnly: true });
      if (problem) context.reportError(problem);
    },
  });
}

/** A refusal of the operation as the client sent it: BAD_USER_INPUT, HTTP 400. */
function refusal(
  message: string,
  nodes: readonly ASTNode[] | undefined,
  extensions: Record<string, unknown>,
) {
  return new GraphQLError(message, {
    nodes,
    extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { status: 400 } },
  });
}

/**
 * Everything about an operation refused before it runs, given its variables: page sizes, cost,
 * and texts no field may hold. Null when it may run.
 */
export function checkOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  // The page sizes and the cost read only the variables given as "first"; the literal texts none.
  // A document that passed them with the same values of those variables passes them again (the
  // same document object: requestGate keeps the texts it parsed), so only the variables' texts are
  // left to check.
  const key = pageVariablesKey(document, variables);
  const passed = passedChecks.get(document);
  if (passed?.has(key)) return variableTextProblem(variables);
  const problem =
    checkPageSizes(document, variables, limits.maxPageSize) ??
    checkCost(schema, document, variables, limits) ??
    checkTexts(document, variables);
  if (!problem) {
    const kept = passed ?? new Set<string>();
    if (kept.size >= PASSED_PER_DOCUMENT) kept.clear();
    kept.add(key);
    if (!passed) passedChecks.set(document, kept);
  }
  return problem;
}

/** Per document, the values of its page-size variables with which it passed the limits. */
const passedChecks = new WeakMap<DocumentNode, Set<string>>();
const PASSED_PER_DOCUMENT = 32;
/** Per document, the variables it passes as "first" (all the page sizes and the cost read). */
const pageVariables = new WeakMap<DocumentNode, readonly string[]>();

/** The page-size variables' values (given, or not: their defaults apply) as one string. */
function pageVariablesKey(document: DocumentNode, variables: Record<string, unknown> | undefined): string {
  let names = pageVariables.get(document);
  if (!names) {
    const found = new Set<string>();
    visit(document, {
      Argument(node) {
        if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE)
          found.add(node.value.name.value);
      },
    });
    names = [...found];
    pageVariables.set(document, names);
  }
  if (names.length === 0) return '';
  return JSON.stringify(names.map((name) => (variables && name in variables ? [variables[name]] : 0)));
}

/** Variable defaults by name, and a reader of a value node with the variables' values. */
function valueReader(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  literalsOnly = false,
) {
  const defaults = new Map<string, ValueNode>();
  visit(document, {
    VariableDefinition(node) {
      if (node.defaultValue) defaults.set(node.variable.name.value, node.defaultValue);
    },
  });
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE && !literalsOnly) {
      const name = node.name.value;
      if (variables && name in variables) return variables[name];
      const fallback = defaults.get(name);
      return fallback ? valueOf(fallback) : undefined;
    }
    return undefined;
  };
  return valueOf;
}

/** The page-size arguments an operation asks for (literals and variables), checked against the cap. */
export function checkPageSizes(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  maxPageSize: number,
  options: { literalsOnly?: boolean } = {},
): GraphQLError | null {
  let problem: GraphQLError | null = null;
  const valueOf = valueReader(document, variables, options.literalsOnly);
  visit(document, {
    Argument(node) {
      if (problem || node.name.value !== 'first') return;
      const value = valueOf(node.value);
      if (typeof value !== 'number') return;
      if (value < 0 || value > maxPageSize) {
        problem = refusal(
          `Page size limit: "first" must be between 0 and ${maxPageSize}, got ${value}`,
          [node],
          {
            field: 'first',
            limit: 'maxPageSize',
            max: maxPageSize,
          },
        );
      }
    },
  });
  return problem;
}

/** The most field selections the cost walk visits (fragments expanded) before it gives up. */
const MAX_FIELDS_WALKED = 100_000;

interface CostWalk {
  cost: number;
  /** The field occurrence that yields the most values, as a path from the root. */
  heaviest: { path: string; values: number } | null;
}

/** What an operation would cost (the most costly operation of the document), before it runs. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  limits: Pick<QueryLimits, 'maxPageSize' | 'unpagedListSize'>,
): CostWalk {
  const valueOf = valueReader(document, variables);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let worst: CostWalk = { cost: 0, heaviest: null };
  // Fragments spread in fragments multiply the walk; past this many fields it stops and the
  // operation counts as too costly (a real operation stays far below).
  let budget = MAX_FIELDS_WALKED;

  const walk = (
    selections: SelectionSetNode,
    parent: GraphQLCompositeType,
    each: number,
    path: string,
    page: number | null,
    spread: ReadonlySet<string>,
    into: CostWalk,
  ): void => {
    for (const selection of selections.selections) {
      if (--budget < 0) {
        into.cost = Infinity;
        return;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(type)) walk(selection.selectionSet, type, each, path, page, spread, into);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && !spread.has(name) && isCompositeType(type)) {
          walk(fragment.selectionSet, type, each, path, page, new Set([...spread, name]), into);
        }
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue; // introspection and __typename: the schema, not data
      const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
      const at = path ? `${path}.${selection.alias?.value ?? name}` : (selection.alias?.value ?? name);
      if (!field) {
        into.cost += each; // unknown: refused by validation later
        continue;
      }
      const pageArg = field.args.find((a) => a.name === 'first');
      let size: number | null = null;
      if (pageArg) {
        const asked = selection.arguments?.find((a) => a.name.value === 'first');
        const value = asked ? valueOf(asked.value) : undefined;
        const fallback = typeof pageArg.defaultValue === 'number' ? pageArg.defaultValue : limits.maxPageSize;
        size = Math.min(limits.maxPageSize, Math.max(0, typeof value === 'number' ? value : fallback));
      }
      const type = getNullableType(field.type);
      const named = getNamedType(field.type);
      const listOfObjects = isListType(type) && isCompositeType(named);
      // A paged list is its page; a connection's lists are the page asked for above them.
      // An unpaged list with a known bound (extensions.maxItems, e.g. one record per system)
      // counts as that many.
      const bound = field.extensions?.maxItems;
      const unpaged =
        typeof bound === 'number' ? Math.min(bound, limits.unpagedListSize) : limits.unpagedListSize;
      const values = listOfObjects ? each * (size ?? page ?? unpaged) : each;
      into.cost += values;
      const heavier = !into.heaviest || values >= into.heaviest.values;
      if (heavier && isCompositeType(named)) into.heaviest = { path: at, values };
      if (selection.selectionSet && isCompositeType(named)) {
        walk(selection.selectionSet, named, values, at, listOfObjects ? null : size, spread, into);
      }
    }
  };

  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(definition.operation);
    if (!root) continue;
    const walked: CostWalk = { cost: 0, heaviest: null };
    walk(definition.selectionSet, root, 1, '', null, new Set(), walked);
    if (walked.cost > worst.cost) worst = walked;
  }
  return worst;
}

function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  const { cost, heaviest } = operationCost(schema, document, variables, limits);
  if (cost <= limits.maxCost) return null;
  if (!Number.isFinite(cost)) {
    return refusal(
      `Query cost limit: the operation expands to more than ${MAX_FIELDS_WALKED} fields (fragments within fragments); ` +
        `the limit is a cost of ${limits.maxCost}`,
      undefined,
      { limit: 'maxCost', max: limits.maxCost },
    );
  }
  const where = heaviest
    ? `; the heaviest field is ${heaviest.path} (about ${heaviest.values} values): ` +
      `ask for smaller pages ("first") or fewer nested lists`
    : '';
  return refusal(
    `Query cost limit: the operation would cost about ${cost}, over the limit of ` +
      `${limits.maxCost} (a list without "first" counts as ${limits.unpagedListSize} items)${where}`,
    undefined,
    { limit: 'maxCost', max: limits.maxCost, cost, ...(heaviest ? { field: heaviest.path } : {}) },
  );
}

/** A text in the variables no field may hold. */
function variableTextProblem(variables: Record<string, unknown> | undefined): GraphQLError | null {
  const [inVariable] = valueProblems(variables ?? {});
  return inVariable
    ? refusal(`${inVariable.field}: ${inVariable.message}`, undefined, { field: inVariable.field })
    : null;
}

/** Texts no field may hold (NUL, unpaired surrogates), in the variables or the operation's literals. */
function checkTexts(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
): GraphQLError | null {
  const inVariable = variableTextProblem(variables);
  if (inVariable) return inVariable;
  let problem: GraphQLError | null = null;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      const message = problem ? null : textProblem(node.value);
      if (!message) return;
      const field = [...ancestors, ...(parent ? [parent] : [])]
        .flatMap((a) =>
          'kind' in a && (a.kind === Kind.ARGUMENT || a.kind === Kind.OBJECT_FIELD) ? [a.name.value] : [],
        )
        .join('.');
      problem = refusal(`${field || '(literal)'}: ${message}`, [node], { field: field || '(literal)' });
    },
  });
  return problem;
}

/**
 * Apollo plugin: a response larger than maxResponseBytes is replaced by an error naming the
 * ceiling (the operation has run; the cost limit is what keeps it from running at all).
 */
export function responseCeiling(maxResponseBytes: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const problem = oversizedResponse(response.body.singleResult, maxResponseBytes);
          if (!problem) return;
          response.body.singleResult = { errors: [problem.toJSON()] };
          response.http.status = 400;
        },
      };
    },
  };
}

/** The error that replaces a result larger than the ceiling, or null when it fits. */
export function oversizedResponse(result: unknown, maxResponseBytes: number): GraphQLError | null {
  return oversizedBody(Buffer.byteLength(JSON.stringify(result)), maxResponseBytes);
}

/** The same, from the size of the result's JSON. */
export function oversizedBody(bytes: number, maxResponseBytes: number): GraphQLError | null {
  if (bytes <= maxResponseBytes) return null;
  return new GraphQLError(
    `Response size limit: the response would be ${bytes} bytes, over the limit of ` +
      `${maxResponseBytes} bytes (MAX_RESPONSE_BYTES); ask for smaller pages or fewer fields`,
    { extensions: { code: 'RESPONSE_TOO_LARGE', limit: 'maxResponseBytes', max: maxResponseBytes, bytes } },
  );
}
