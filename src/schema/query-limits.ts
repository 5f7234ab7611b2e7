// Limits on what one operation may ask for, refused before any resolver (and so any SQL) runs:
// depth, aliases, tokens, directives and cost from graphql-armor, and page sizes checked here
// against the operation's literal arguments and variables.
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, visit, type DocumentNode, type ValidationRule, type ValueNode } from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxPageSize: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 10,
  maxCost: 20000,
  maxPageSize: 100,
};

/**
 * What Apollo needs for these limits: graphql-armor's rules for depth, aliases, directives and
 * cost, the page-size rule first (so an oversized page is reported as such, not as its cost),
 * and graphql-js's own token limit at parse time (armor's token plugin does not stop Apollo 5).
 */
export function apolloLimits(limits: QueryLimits) {
  const protection = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    plugins: protection.plugins,
    validationRules: [pageSizeRule(limits.maxPageSize), ...protection.validationRules],
    parseOptions: { maxTokens: limits.maxTokens },
  };
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

/** The page-size arguments an operation asks for (literals and variables), checked against the cap. */
export function checkPageSizes(
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  maxPageSize: number,
  options: { literalsOnly?: boolean } = {},
): GraphQLError | null {
  let problem: GraphQLError | null = null;
  const defaults = new Map<string, ValueNode>();
  visit(document, {
    VariableDefinition(node) {
      if (node.defaultValue) defaults.set(node.variable.name.value, node.defaultValue);
    },
  });
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE && !options.literalsOnly) {
      const name = node.name.value;
      if (variables && name in variables) return variables[name];
      const fallback = defaults.get(name);
      return fallback ? valueOf(fallback) : undefined;
    }
    return undefined;
  };
  visit(document, {
    Argument(node) {
      if (problem || node.name.value !== 'first') return;
      const value = valueOf(node.value);
      if (typeof value !== 'number') return;
      if (value < 0 || value > maxPageSize) {
        problem = new GraphQLError(
          `Page size limit: "first" must be between 0 and ${maxPageSize}, got ${value}`,
          {
            nodes: [node],
            extensions: { code: 'BAD_USER_INPUT', field: 'first', limit: 'maxPageSize', max: maxPageSize },
          },
        );
      }
    },
  });
  return problem;
}
