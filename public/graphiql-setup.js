// GraphiQL for the hub. The token is asked for first, in the bar above the editor, and kept for
// this browser tab (sessionStorage); once the hub accepts it the schema loads (docs, autocomplete)
// and is loaded again whenever the token changes. Queries and mutations go over HTTP with
// `Authorization: Bearer <token>`, subscriptions over graphql-ws with the token in connectionParams
// (browsers cannot set headers on a WebSocket). New users find example operations as tabs.
(function () {
  'use strict';

  const TOKEN_KEY = 'incident-hub:token';

  const EXAMPLES = [
    {
      query: `# Open incidents: what the wallboard (/board) shows.
# Run: ▶ or Ctrl+Enter. More examples in the tabs.
query OpenIncidents {
  incidents(filter: { open: true }, first: 50) {
    totalCount
    nodes {
      key
      summary
      priority
      stage
      incidentManager { name }
      affectedClients { name }
      affectedSites { siteId location }
      detectedAt
      lastStatusUpdateAt
      nextStatusUpdateDueAt
    }
  }
}
`,
    },
    {
      query: `# One incident's facts for its RCA: timestamps,
# time to detect/acknowledge/recover (seconds),
# who held which role, the whole timeline.
# Set the incident's key under Variables below.
query IncidentRCA($key: String!) {
  incident(key: $key) {
    key
    summary
    priority
    stage
    clientImpactLevel
    clientUrgencyLevel
    faultyService { name }
    impactStartedAt
    detectedAt
    acknowledgedAt
    identifiedAt
    mitigatedAt
    closedAt
    timeToDetectSeconds
    timeToAcknowledgeSeconds
    timeToRecoverSeconds
    roles(activeOnly: false) { role title assignedAt relievedAt person { name } }
    timeline(first: 100) {
      totalCount
      nodes { occurredAt kind text actor { name } }
    }
  }
}
`,
      variables: JSON.stringify({ key: 'INC-1' }, null, 2),
    },
    {
      query: `# Live: each committed change to an open incident,
# as the incident is after it (over the WebSocket).
# Runs until you press ■ (stop).
subscription IncidentChanged {
  incidentChanged(filter: { open: true }) {
    key
    summary
    priority
    stage
    updatedAt
    incidentManager { name }
  }
}
`,
    },
  ];

  const form = document.getElementById('token-bar');
  const input = document.getElementById('token');
  const forget = document.getElementById('forget-token');
  const status = document.getElementById('token-status');
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const httpFetcher = GraphiQL.createFetcher({ url: '/graphql' });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));

  function readStored() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  }

  function store(token) {
    try {
      if (token) sessionStorage.setItem(TOKEN_KEY, token);
      else sessionStorage.removeItem(TOKEN_KEY);
    } catch {
      // storage blocked: the token lasts until the page is left
    }
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || '';
  }

  function operationType(params, opts) {
    // GraphiQL re-parses the editor a moment after typing; trust its parsed document only when it
    // is of the text actually being sent.
    const parsed = opts && opts.documentAST;
    const doc = parsed && parsed.loc && parsed.loc.source.body === params.query ? parsed : null;
    if (!doc) return /^\s*subscription\b/.test(stripComments(params.query)) ? 'subscription' : 'query';
    const ops = doc.definitions.filter((d) => d.kind === 'OperationDefinition');
    const op = ops.find((d) => !params.operationName || (d.name && d.name.value === params.operationName));
    return op ? op.operation : 'query';
  }

  function stripComments(query) {
    return String(query || '').replace(/^\s*#.*$/gm, '');
  }

  function namesOperation(query, name) {
    if (!name) return true;
    return new RegExp(`\\b(query|mutation|subscription)\\s+${name}\\b`).test(stripComments(query));
  }

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

  /** A fetcher sending the token (it wins over an Authorization typed into the Headers tab). */
  function fetcherFor(token) {
    return function fetcher(given, opts) {
      // Run straight after the editor's text was replaced, GraphiQL still names the operation of
      // the text before (say an example's); the hub would then refuse the unknown name.
      const params = namesOperation(given.query, given.operationName)
        ? given
        : Object.assign({}, given, { operationName: undefined });
      const headers = Object.assign({}, opts && opts.headers);
      if (token) {
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'authorization') delete headers[name];
        }
        headers.Authorization = `Bearer ${token}`;
      }
      if (operationType(params, opts) === 'subscription') {
        return socketFor(headers).iterate({
          query: params.query,
          variables: params.variables,
          operationName: params.operationName,
        });
      }
      return httpFetcher(params, Object.assign({}, opts, { headers }));
    };
  }

  function render(token, who) {
    form.classList.toggle('missing', !token);
    forget.hidden = !token;
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcherFor(token),
        // No token, no schema: nothing is fetched (and nothing fails) until one is given.
        schema: token ? undefined : null,
        onSchemaChange: () => {
          if (token) say(`Signed in as ${who}. Schema loaded (Docs: book icon).`, 'ok');
        },
        defaultTabs: EXAMPLES,
        shouldPersistHeaders: false,
      }),
    );
  }

  /** Who the hub says the token belongs to, or a message saying why it was refused. */
  async function check(token) {
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { name accessRole } }' }),
      });
      const body = await res.json();
      if (body.data && body.data.me) return { who: `${body.data.me.name} (${body.data.me.accessRole})` };
      const code =
        body.errors && body.errors[0] && body.errors[0].extensions && body.errors[0].extensions.code;
      return {
        refused:
          code === 'UNAUTHENTICATED'
            ? 'The hub refused this token (unknown or revoked). Paste another one.'
            : `The hub answered: ${(body.errors && body.errors[0] && body.errors[0].message) || res.status}`,
      };
    } catch (err) {
      return { refused: `Could not reach the hub: ${err.message}` };
    }
  }

  async function useToken(raw) {
    const token = String(raw || '')
      .trim()
      .replace(/^Bearer\s+/i, '');
    if (!token) {
      say('Paste a token first.', 'error');
      return;
    }
    say('Checking the token…');
    const result = await check(token);
    if (result.refused) {
      say(result.refused, 'error');
      return;
    }
    store(token);
    input.value = '';
    input.placeholder = 'paste another to switch';
    say(`Signed in as ${result.who}. Loading the schema…`, 'ok');
    render(token, result.who);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void useToken(input.value);
  });
  forget.addEventListener('click', () => {
    store(null);
    input.placeholder = 'ih_…';
    say('Token forgotten. Paste one to load the schema.');
    render(null);
    input.focus();
  });

  render(null);
  const stored = readStored();
  if (stored) {
    void useToken(stored);
  } else {
    say('Paste an API token to start.');
    input.focus();
  }
})();
