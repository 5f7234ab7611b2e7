// Building the executable schema from the entity and resolver classes.
import 'reflect-metadata';
import './enums';
import { createPubSub } from '@graphql-yoga/subscription';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { RESOLVERS } from '../resolvers';

let built: Promise<GraphQLSchema> | undefined;

/** The hub's schema; built once per process (type-graphql metadata is global anyway). */
export function hubSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    // Required by type-graphql once any @Subscription exists; ours all bring their own
    // `subscribe` streams (src/live), so this topic bus stays unused.
    pubSub: createPubSub(),
    emitSchemaFile: false,
  });
  return built;
}
