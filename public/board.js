// The wallboard, meant for an office TV across the room: active incidents (overdue status updates
// first, a P1/P2 without an incident manager as an alarm) and, apart, those mitigated in the last
// hours, and the monitoring alerts firing with no incident yet. Live over graphql-ws: it refetches the whole board on every change and after every
// (re)connection, so nothing missed while offline is lost; a one-second tick moves the clock,
// countdowns and ages on between changes.
(function () {
  'use strict';

  const PRIORITY_RANK = { P1: 1, P2: 2, P3: 3, P4: 4 };
  const ACTIVE_STAGES = ['ACKNOWLEDGED', 'INVESTIGATING', 'IDENTIFIED'];
  const MITIGATED_STAGES = ['MITIGATED', 'POSTMORTEM'];
  /** How far back the "recently mitigated" section looks. */
  const MITIGATED_WINDOW_HOURS = 12;
  /**
   * Page size asked for. The server caps "first" at MAX_PAGE_SIZE (100 by default); when it is set
   * lower the server refuses with the cap in the error, and the board asks again with that.
   */
  let pageSize = 50;
  const MAX_PAGES = 20;

  const QUERY = `query Board($filter: IncidentFilter!, $first: Int!, $after: String) {
    incidents(filter: $filter, first: $first, after: $after) {
      nodes {
        key summary priority priorityLabel stage stageLabel impactStartedAt mitigatedAt
        lastStatusUpdateAt nextStatusUpdateDueAt zendeskTicketId
        incidentManager { name } incidentManagerSince
        faultyService { name }
        affectedClients { name }
        affectedSites { siteId location }
        externalRecords { system externalId url }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  /** Firing monitoring alerts that no incident has taken in yet (the first page is enough here). */
  const ALERTS_QUERY = `query BoardAlerts($first: Int!) {
    alerts(filter: { status: FIRING, attached: false }, first: $first) {
      nodes { id name severity firstSeenAt service { name } site { siteId } }
      totalCount
    }
  }`;

  const activeEl = document.getElementById('active');
  const alertsEl = document.getElementById('alerts');
  const mitigatedEl = document.getElementById('mitigated');
  const statusEl = document.getElementById('status');
  const clockEl = document.getElementById('clock');
  const summaryEl = document.getElementById('summary');

  let active = [];
  let mitigated = [];
  let alerts = { nodes: [], totalCount: 0 };
  let loaded = false;
  let refetchTimer = null;
  let generation = 0;

  // The token, its login form and its refusal: shared with the other pages (token.js).
  const auth = window.incidentHubToken;

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  const pad = (n) => String(n).padStart(2, '0');
  const ms = (iso) => new Date(iso).getTime();

  /** "3h 10m" or "7m": how long since, for ages. */
  function duration(fromIso) {
    const seconds = Math.max(0, Math.floor((Date.now() - ms(fromIso)) / 1000));
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return h > 0 ? `${h}h ${m}m` : `${m}m`;
  }

  /** "4:07" or "1:04:07": a ticking countdown. */
  function clockSpan(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  }

  /** 24-hour wall time, "14:05" (with seconds for the header clock). */
  function wallTime(date, seconds) {
    const hm = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
    return seconds ? `${hm}:${pad(date.getSeconds())}` : hm;
  }

  const isOverdue = (i) => !!i.nextStatusUpdateDueAt && ms(i.nextStatusUpdateDueAt) < Date.now();
  const isAlarm = (i) => (i.priority === 'P1' || i.priority === 'P2') && !i.incidentManager;

  function countdown(incident) {
    if (!incident.nextStatusUpdateDueAt) return 'none due';
    const seconds = Math.round((ms(incident.nextStatusUpdateDueAt) - Date.now()) / 1000);
    return seconds >= 0 ? `in ${clockSpan(seconds)}` : `overdue by ${clockSpan(-seconds)}`;
  }

  function text(tag, className, value) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  function fact(list, label, className, value) {
    const row = document.createElement('div');
    row.className = 'fact';
    row.appendChild(text('dt', '', label));
    row.appendChild(text('dd', className, value));
    list.appendChild(row);
  }

  /** Slack channel, Meet bridge and Zendesk ticket (and Jira issue), where the hub knows a link. */
  function links(incident) {
    const record = (system) => incident.externalRecords.find((r) => r.system === system && r.url);
    const nav = document.createElement('div');
    nav.className = 'links';
    const add = (className, label, url) => {
      const a = text('a', `link ${className}`, label);
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener';
      nav.appendChild(a);
    };
    const slack = record('SLACK');
    if (slack) add('link-slack', 'Slack channel', slack.url);
    const meet = record('MEET');
    if (meet) add('link-meet', 'Meet', meet.url);
    const zendesk = record('ZENDESK');
    const ticketId = incident.zendeskTicketId || (zendesk && zendesk.externalId);
    if (zendesk) add('link-ticket', ticketId ? `Ticket ${ticketId}` : 'Ticket', zendesk.url);
    else if (ticketId) nav.appendChild(text('span', 'link link-ticket', `Ticket ${ticketId}`));
    const jira = record('JIRA');
    if (jira) add('link-jira', jira.externalId || 'Jira', jira.url);
    nav.appendChild(text('span', 'key', incident.key));
    return nav;
  }

  function impactText(incident) {
    const clients = incident.affectedClients.map((c) => c.name).join(', ');
    const sites = incident.affectedSites.map((s) => `${s.siteId} (${s.location})`).join(', ');
    return [clients, sites].filter(Boolean).join(' · ') || '—';
  }

  function head(incident) {
    const el = document.createElement('div');
    el.className = 'card-head';
    // Labels in the domain's words (src/domain/labels.ts), served by the API.
    el.appendChild(text('span', 'priority', incident.priorityLabel));
    el.appendChild(text('span', 'stage', incident.stageLabel));
    return el;
  }

  function card(incident) {
    const overdue = isOverdue(incident);
    const alarm = isAlarm(incident);
    const el = document.createElement('article');
    el.className = ['card', overdue ? 'overdue' : '', alarm ? 'alarm' : ''].filter(Boolean).join(' ');
    el.dataset.key = incident.key;
    el.dataset.priority = incident.priority;
    el.appendChild(head(incident));
    el.appendChild(text('div', 'summary', incident.summary));
    if (alarm) el.appendChild(text('div', 'alarm-banner', 'No incident manager'));
    const facts = document.createElement('dl');
    facts.className = 'facts';
    fact(facts, 'Next update', overdue ? 'countdown late' : 'countdown', countdown(incident));
    fact(facts, 'Impact for', 'age', duration(incident.impactStartedAt));
    fact(facts, 'Service', 'service', incident.faultyService.name);
    fact(facts, 'Manager', 'manager', incident.incidentManager ? incident.incidentManager.name : '—');
    // How long the current incident manager has held the role (prompted to hand over after HANDOVER_AFTER).
    if (incident.incidentManagerSince) {
      facts.lastChild.appendChild(text('dd', 'im-for', `IM for ${duration(incident.incidentManagerSince)}`));
    }
    fact(facts, 'Affected', 'affected', impactText(incident));
    facts.lastChild.classList.add('wide');
    el.appendChild(facts);
    el.appendChild(links(incident));
    return el;
  }

  function mitigatedCard(incident) {
    const el = document.createElement('article');
    el.className = 'card mitigated';
    el.dataset.key = incident.key;
    el.dataset.priority = incident.priority;
    el.appendChild(head(incident));
    el.appendChild(text('div', 'summary', incident.summary));
    const facts = document.createElement('dl');
    facts.className = 'facts';
    const at = new Date(incident.mitigatedAt);
    fact(
      facts,
      'Mitigated',
      'mitigated-at',
      `${wallTime(at, false)} (${duration(incident.mitigatedAt)} ago)`,
    );
    fact(facts, 'Service', 'service', incident.faultyService.name);
    el.appendChild(facts);
    el.appendChild(links(incident));
    return el;
  }

  /** Overdue first (longest overdue first), then alarms, then priority, then longest impact. */
  function order(a, b) {
    const oa = isOverdue(a);
    const ob = isOverdue(b);
    if (oa !== ob) return oa ? -1 : 1;
    if (oa) return ms(a.nextStatusUpdateDueAt) - ms(b.nextStatusUpdateDueAt);
    const aa = isAlarm(a);
    const ab = isAlarm(b);
    if (aa !== ab) return aa ? -1 : 1;
    const p = PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority];
    return p !== 0 ? p : ms(a.impactStartedAt) - ms(b.impactStartedAt);
  }

  function render() {
    clockEl.textContent = wallTime(new Date(), true);
    if (!loaded) return;
    const sorted = [...active].sort(order);
    const overdue = sorted.filter(isOverdue).length;
    const alarms = sorted.filter(isAlarm).length;
    summaryEl.textContent = [
      `${sorted.length} active`,
      overdue ? `${overdue} overdue` : '',
      alarms ? `${alarms} without manager` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    summaryEl.dataset.state = overdue || alarms ? 'alarm' : sorted.length ? 'active' : 'calm';

    const activeCards = activeEl.querySelector('.cards');
    activeCards.replaceChildren(...sorted.map(card));
    if (sorted.length === 0) activeCards.appendChild(text('p', 'empty', 'No active incidents'));

    const since = Date.now() - MITIGATED_WINDOW_HOURS * 3600_000;
    const recent = mitigated
      .filter((i) => i.mitigatedAt && ms(i.mitigatedAt) >= since)
      .sort((a, b) => ms(b.mitigatedAt) - ms(a.mitigatedAt));
    mitigatedEl.hidden = recent.length === 0;
    mitigatedEl.querySelector('h2').textContent =
      `Mitigated in the last ${MITIGATED_WINDOW_HOURS} hours (${recent.length})`;
    mitigatedEl.querySelector('.cards').replaceChildren(...recent.map(mitigatedCard));
    renderAlerts();
  }

  function alertItem(alert) {
    const item = document.createElement('li');
    item.className = 'alert';
    item.append(text('span', 'alert-name', alert.name));
    if (alert.severity) item.append(text('span', 'alert-severity', alert.severity));
    const where = [alert.service && alert.service.name, alert.site && alert.site.siteId].filter(Boolean);
    if (where.length) item.append(text('span', 'alert-where', where.join(' · ')));
    item.append(text('span', 'alert-age', `firing ${duration(alert.firstSeenAt)}`));
    return item;
  }

  function renderAlerts() {
    alertsEl.hidden = alerts.totalCount === 0;
    alertsEl.querySelector('h2').textContent = `Unattached firing alerts (${alerts.totalCount})`;
    alertsEl.querySelector('.alert-list').replaceChildren(...alerts.nodes.map(alertItem));
  }

  async function graphql(variables, query = QUERY, field = 'incidents') {
    for (;;) {
      const first = pageSize;
      const body = await auth.post(query, { ...variables, first });
      const error = body.errors && body.errors[0];
      // A smaller MAX_PAGE_SIZE than the board's page: ask again within it. The refusal names the
      // limit (src/schema/query-limits.ts) and comes before any resolver runs.
      const limit = error && /^Page size limit: "first" must be between 0 and (\d+)/.exec(error.message);
      if (limit && Number(limit[1]) >= 1 && Number(limit[1]) < first) {
        pageSize = Math.min(pageSize, Number(limit[1]));
        continue;
      }
      if (error) throw new Error(error.message);
      return body.data[field];
    }
  }

  /** Every incident matching the filter, page by page. */
  async function all(filter) {
    const nodes = [];
    let after = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await graphql({ filter, after });
      nodes.push(...result.nodes);
      if (!result.pageInfo.hasNextPage) break;
      after = result.pageInfo.endCursor;
    }
    return nodes;
  }

  async function refetch() {
    const mine = ++generation;
    try {
      const [a, m] = await Promise.all([all({ stages: ACTIVE_STAGES }), all({ stages: MITIGATED_STAGES })]);
      // After the incidents, so it asks within the page size they may have just learned.
      const f = await graphql({}, ALERTS_QUERY, 'alerts');
      if (mine !== generation) return; // a newer refetch started meanwhile
      active = a;
      mitigated = m;
      alerts = f;
      loaded = true;
      render();
    } catch (err) {
      if (err instanceof auth.Refused) return auth.ask(err.message);
      setStatus('error', `could not load: ${err.message}`);
    }
  }

  function scheduleRefetch() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(refetch, 100);
  }

  function connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    const client = graphqlWs.createClient({
      url,
      connectionParams: () => ({ authorization: `Bearer ${auth.token}` }),
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
          if (event && event.code === 4403) return auth.ask(auth.REFUSED);
          setStatus('reconnecting', 'reconnecting…');
        },
      },
    });
    for (const query of [
      'subscription BoardChanges { incidentChanged { key } }',
      'subscription BoardAlertChanges { alertChanged { id } }',
    ]) {
      client.subscribe(
        { query },
        {
          next: scheduleRefetch,
          error: () => setStatus('reconnecting', 'reconnecting…'),
          complete: () => undefined,
        },
      );
    }
  }

  render();
  setInterval(render, 1000); // the clock, countdowns, ages and overdue marks move on between changes
  if (!auth.token) auth.ask();
  else connect();
})();
