// Building the executable schema from the entity and resolver classes.
import 'reflect-metadata';
import './enums';
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
    emitSchemaFile: false,
  });
  return built;
}
