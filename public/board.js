// The wallboard: open incidents grouped by priority, live over graphql-ws. It refetches the whole
// board on every change and after every (re)connection, so nothing missed while offline is lost.
(function () {
  'use strict';

  const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
  const QUERY = `query Board {
    incidents(filter: { open: true }, first: 100) {
      nodes {
        key summary priority priorityLabel stage stageLabel acknowledgedAt lastStatusUpdateAt nextStatusUpdateDueAt
        incidentManager { name }
        affectedClients { slug name }
        affectedSites { siteId location }
      }
    }
  }`;

  const boardEl = document.getElementById('board');
  const statusEl = document.getElementById('status');
  const clockEl = document.getElementById('clock');
  const loginEl = document.getElementById('login');

  let incidents = [];
  let refetchTimer = null;

  // The token comes from ?token= once (then leaves the address bar) or from this tab's storage.
  const params = new URLSearchParams(location.search);
  if (params.get('token')) {
    sessionStorage.setItem('incident-hub-token', params.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  let token = sessionStorage.getItem('incident-hub-token');

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function duration(fromIso) {
    const seconds = Math.max(0, Math.round((Date.now() - new Date(fromIso).getTime()) / 1000));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return h > 0 ? `${h}h ${m}m` : `${m}m`;
  }

  function text(tag, className, value) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  function card(incident) {
    const el = document.createElement('article');
    el.className = 'card';
    el.dataset.key = incident.key;
    el.appendChild(text('div', 'key', incident.key));
    el.appendChild(text('div', 'summary', incident.summary));
    const dl = document.createElement('dl');
    const row = (label, valueEl) => {
      dl.appendChild(text('dt', '', label));
      const dd = document.createElement('dd');
      dd.appendChild(valueEl);
      dl.appendChild(dd);
    };
    row('Stage', text('span', 'stage', incident.stageLabel));
    row(
      'Incident manager',
      text('span', 'manager', incident.incidentManager ? incident.incidentManager.name : '—'),
    );
    row('Age', text('span', 'age', duration(incident.acknowledgedAt)));
    const overdue =
      incident.nextStatusUpdateDueAt && new Date(incident.nextStatusUpdateDueAt).getTime() < Date.now();
    const since = incident.lastStatusUpdateAt ? `${duration(incident.lastStatusUpdateAt)} ago` : 'none yet';
    row(
      'Last update',
      text('span', overdue ? 'last-update overdue' : 'last-update', overdue ? `${since} (overdue)` : since),
    );
    row('Clients', text('span', 'clients', incident.affectedClients.map((c) => c.name).join(', ') || '—'));
    row(
      'Sites',
      text(
        'span',
        'sites',
        incident.affectedSites.map((s) => `${s.siteId} (${s.location})`).join(', ') || '—',
      ),
    );
    el.appendChild(dl);
    return el;
  }

  function render() {
    boardEl.replaceChildren();
    clockEl.textContent = new Date().toLocaleTimeString();
    if (incidents.length === 0) {
      boardEl.appendChild(text('p', 'empty', 'No open incidents.'));
      return;
    }
    for (const priority of PRIORITIES) {
      const group = incidents.filter((i) => i.priority === priority);
      if (group.length === 0) continue;
      const section = document.createElement('section');
      section.className = 'priority';
      section.dataset.priority = priority;
      section.appendChild(text('h2', '', `${group[0].priorityLabel} (${group.length})`));
      const cards = document.createElement('div');
      cards.className = 'cards';
      group.forEach((i) => cards.appendChild(card(i)));
      section.appendChild(cards);
      boardEl.appendChild(section);
    }
  }

  async function refetch() {
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY }),
      });
      const body = await res.json();
      if (res.status === 401) return askForToken('That token was refused.');
      if (body.errors) throw new Error(body.errors[0].message);
      incidents = body.data.incidents.nodes;
      render();
    } catch (err) {
      setStatus('error', `could not load: ${err.message}`);
    }
  }

  function scheduleRefetch() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(refetch, 100);
  }

  function askForToken(message) {
    loginEl.hidden = false;
    document.getElementById('login-error').textContent = message || '';
    setStatus('error', 'no token');
  }

  function connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    const client = graphqlWs.createClient({
      url,
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
      keepAlive: 10000,
      retryAttempts: Infinity,
      // Reconnect after anything but a refused token (4403), which only a new token can fix.
      shouldRetry: (event) => !(event && event.code === 4403),
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** retries))),
      on: {
        connected: () => {
          setStatus('live', 'live');
          refetch(); // first load, and whatever changed while we were away
        },
        closed: (event) => {
          if (event && event.code === 4403) return askForToken('That token was refused.');
          setStatus('reconnecting', 'reconnecting…');
        },
      },
    });
    client.subscribe(
      { query: 'subscription BoardChanges { incidentChanged { key } }' },
      {
        next: scheduleRefetch,
        error: () => setStatus('reconnecting', 'reconnecting…'),
        complete: () => undefined,
      },
    );
  }

  loginEl.addEventListener('submit', (event) => {
    event.preventDefault();
    token = document.getElementById('token').value.trim();
    sessionStorage.setItem('incident-hub-token', token);
    location.reload();
  });

  setInterval(render, 30000); // ages and overdue marks move on without any change
  if (!token) askForToken();
  else connect();
})();
