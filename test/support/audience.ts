// Many live subscribers of one incident for the fan-out tests: `sockets` graphql-ws connections
// with `perSocket` subscriptions each, half incidentChanged and half timelineEntryAdded, each
// keeping the note texts it receives in order of arrival.
import type { Client } from 'graphql-ws';
import { connected, liveClient } from './live-client';
import { waitFor } from './wait-for';

export const AUDIENCE_INCIDENT_CHANGED = /* GraphQL */ `
  subscription AudienceChanged($filter: IncidentFilter) {
    incidentChanged(filter: $filter) {
      key
      timeline(first: 1, newestFirst: true) {
        nodes {
          text
        }
      }
    }
  }
`;

export const AUDIENCE_ENTRY_ADDED = /* GraphQL */ `
  subscription AudienceEntry($key: String!) {
    timelineEntryAdded(incidentKey: $key) {
      text
      incident {
        key
      }
    }
  }
`;

interface Result {
  incidentChanged?: { key: string; timeline: { nodes: { text: string }[] } };
  timelineEntryAdded?: { text: string; incident: { key: string } };
}

export interface Audience {
  /** Per subscription, the texts of the incident's newest entry in each result, in order. */
  readonly received: string[][];
  readonly errors: unknown[];
  /** Waits until every subscription has received a text for which `accept` holds. */
  allReceived(what: string, accept: (text: string) => boolean, timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export async function audience(
  httpUrl: string,
  token: string,
  incidentKey: string,
  sockets: number,
  perSocket: number,
): Promise<Audience> {
  const clients: Client[] = [];
  for (let i = 0; i < sockets; i++) {
    // one after another: a busy machine may not answer many handshakes within graphql-ws's 3 s
    const client = liveClient(httpUrl, token);
    await connected(client);
    clients.push(client);
  }
  const received: string[][] = [];
  const errors: unknown[] = [];
  for (const client of clients) {
    for (let i = 0; i < perSocket; i++) {
      const texts: string[] = [];
      received.push(texts);
      const changed = i % 2 === 0;
      client.subscribe<Result>(
        changed
          ? { query: AUDIENCE_INCIDENT_CHANGED, variables: { filter: { text: incidentKey } } }
          : { query: AUDIENCE_ENTRY_ADDED, variables: { key: incidentKey } },
        {
          next: (result) => {
            if (result.errors) errors.push(...result.errors);
            const data = result.data;
            if (data?.incidentChanged?.key === incidentKey)
              texts.push(data.incidentChanged.timeline.nodes[0]?.text ?? '');
            if (data?.timelineEntryAdded?.incident.key === incidentKey)
              texts.push(data.timelineEntryAdded.text);
          },
          error: (err) => {
            errors.push(err);
          },
          complete: () => undefined,
        },
      );
    }
  }
  return {
    received,
    errors,
    async allReceived(what, accept, timeoutMs = 60_000) {
      await waitFor(
        what,
        () => ({ waiting: received.filter((texts) => !texts.some(accept)).length, errors: errors.length }),
        (seen) => seen.waiting === 0 || seen.errors > 0,
        { timeoutMs, intervalMs: 50 },
      );
      expect(errors).toEqual([]);
    },
    async dispose() {
      await Promise.all(clients.map((c) => c.dispose()));
    },
  };
}
