// The Connection, Edge and PageInfo types of API.md's cursor pagination.
import { ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { Page } from '../domain/pagination';

@ObjectType({ description: 'Where a page ends and whether more follow.' })
export class PageInfo {
  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item; pass as `after` for the next page.',
  })
  endCursor: string | null;

  @Field({ description: 'Whether items follow this page.' })
  hasNextPage: boolean;
}

/** An Edge and Connection type for `node`, named `<Name>Edge` and `<Name>Connection`. */
export function connectionTypes<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} in a page, with its cursor.` })
  class Edge {
    @Field({ description: 'Cursor of this item.' })
    cursor: string;

    @Field(() => node, { description: 'The item.' })
    node: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items.` })
  class Connection {
    constructor(readonly page: Page<T>) {}

    @Field(() => [node], { description: 'The items of this page.' })
    get nodes(): T[] {
      return this.page.nodes;
    }

    @Field(() => [Edge], { description: 'The items of this page with their cursors.' })
    get edges(): Edge[] {
      return this.page.nodes.map((n) =>
        Object.assign(new Edge(), { node: n, cursor: this.page.cursorOf(n) }),
      );
    }

    @Field(() => PageInfo, { description: 'Where this page ends.' })
    get pageInfo(): PageInfo {
      const last = this.page.nodes[this.page.nodes.length - 1];
      return Object.assign(new PageInfo(), {
        endCursor: last ? this.page.cursorOf(last) : null,
        hasNextPage: this.page.hasNextPage,
      });
    }

    @Field(() => Int, { description: 'How many items match, across all pages.' })
    totalCount(): Promise<number> {
      return this.page.count();
    }
  }
  return { Edge, Connection };
}
