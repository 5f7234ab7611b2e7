// GraphiQL for the hub: queries and mutations over HTTP, subscriptions over graphql-ws, both
// authenticated with the Authorization header typed into the Headers tab (sent as the socket's
// connectionParams, since browsers cannot set headers on a WebSocket).
(function () {
  'use strict';

  const DEFAULT_QUERY = `# Put your API token in the Headers tab below:
#   { "Authorization": "Bearer ih_..." }
# then run this query, or a subscription such as:
#   subscription { incidentChanged(filter: { open: true }) { key stage priority } }

query OpenIncidents {
  incidents(filter: { open: true }, first: 10) {
    totalCount
    nodes {
      key
      summary
      priority
      stage
      nextStages
      incidentManager { name }
      affectedSites { siteId location }
      timeline(first: 3, newestFirst: true) { nodes { kind text occurredAt actor { name } } }
    }
  }
}
`;

  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const httpFetcher = GraphiQL.createFetcher({ url: '/graphql' });
  const socketClients = new Map();

  function socketFor(headers) {
    const key = JSON.stringify(headers || {});
    if (!socketClients.has(key)) {
      socketClients.set(
        key,
        graphqlWs.createClient({ url: wsUrl, connectionParams: headers || {}, lazy: true }),
      );
    }
    return socketClients.get(key);
  }

  function operationType(params, opts) {
    // GraphiQL re-parses the editor a moment after typing; trust its parsed document only when it
    // is of the text actually being sent.
    const parsed = opts && opts.documentAST;
    const doc = parsed && parsed.loc && parsed.loc.source.body === params.query ? parsed : null;
    if (!doc) return /^\s*subscription\b/.test(params.query) ? 'subscription' : 'query';
    const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
    const op = ops.find((d) => !params.operationName || (d.name && d.name.value === params.operationName));
    return op ? op.operation : 'query';
  }

  function fetcher(params, opts) {
    if (operationType(params, opts) === 'subscription') {
      return socketFor(opts && opts.headers).iterate({
        query: params.query,
        variables: params.variables,
        operationName: params.operationName,
      });
    }
    return httpFetcher(params, opts);
  }

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: JSON.stringify({ Authorization: 'Bearer <your token>' }, null, 2),
      shouldPersistHeaders: true,
    }),
  );
})();
