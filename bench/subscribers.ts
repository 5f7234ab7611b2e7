// A separate process for `npm run bench`: live subscribers to one incident over graphql-ws, so
// their client work does not share the hub's CPU turn. Arguments: ws URL, token, incident key,
// sockets, subscriptions per socket (half incidentChanged, half timelineEntryAdded). Reports to
// the parent how many results have arrived each time it asks ('count').
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, key, socketsArg, perSocketArg] = process.argv.slice(2);
const sockets = Number(socketsArg);
const perSocket = Number(perSocketArg);
let received = 0;
let errors = 0;

const clients = Array.from({ length: sockets }, () =>
  createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
  }),
);
for (const client of clients) {
  for (let i = 0; i < perSocket; i++) {
    const query =
      i % 2 === 0
        ? `subscription ($f: IncidentFilter) { incidentChanged(filter: $f) { key stage priority
            incidentManager { name } timeline(first: 5, newestFirst: true) { nodes { kind text } } } }`
        : `subscription ($key: String!) { timelineEntryAdded(incidentKey: $key) { kind text actor { name } incident { key } } }`;
    client.subscribe(
      { query, variables: i % 2 === 0 ? { f: { text: key } } : { key } },
      {
        next: (result) => {
          if (result.errors) errors += 1;
          else received += 1;
        },
        error: () => {
          errors += 1;
        },
        complete: () => undefined,
      },
    );
  }
}

process.on('message', (message) => {
  if (message === 'count') process.send?.({ received, errors });
  if (message === 'stop') void Promise.all(clients.map((c) => c.dispose())).then(() => process.exit(0));
});
