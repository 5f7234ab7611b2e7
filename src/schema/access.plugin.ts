// Checks each operation in order, before any resolver runs: page sizes (no SQL), then the API
// token (one indexed lookup). Depth, aliases, tokens and cost were already checked by validation.
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { HubContext } from './context';
import { checkPageSizes } from './query-limits';

export function accessPlugin(maxPageSize: number): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue, operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(
              'Subscriptions are served over graphql-ws (WebSocket) on /graphql, not HTTP',
              {
                extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
              },
            );
          }
          const pageProblem = checkPageSizes(document, request.variables, maxPageSize);
          if (pageProblem) throw pageProblem;
          contextValue.actor = contextValue.bearer
            ? await contextValue.hub.tokens.authenticate(contextValue.bearer)
            : null;
          if (!contextValue.actor) {
            throw new GraphQLError(
              contextValue.bearer
                ? 'The API token is unknown or revoked'
                : 'Send an API token: Authorization: Bearer <token>',
              { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } },
            );
          }
          contextValue.log.debug(
            { personId: contextValue.actor.personId, operation: request.operationName },
            'operation',
          );
        },
      };
    },
  };
}

/** The secret of an `Authorization: Bearer <secret>` header, or null. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
