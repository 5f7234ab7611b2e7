// The wallboard in a real browser: open incidents grouped by priority, kept current over graphql-ws
// without reloading, and complete again after the connection drops.
import { existsSync, statSync } from 'node:fs';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { ADD_NOTE, ASSIGN_ROLE, CHANGE_STAGE, POST_STATUS_UPDATE } from '../support/operations';
import { sleep } from '../support/wait-for';
import { describeBrowser, within, type BrowserFixture } from './support';

interface Card {
  key: string;
  keyText: string | null;
  summary: string | null;
  stage: string | null;
  manager: string | null;
  age: string | null;
  lastUpdate: string | null;
  overdue: boolean;
  clients: string | null;
  sites: string | null;
  labels: string[];
}
interface Board {
  state: string;
  statusText: string;
  loginVisible: boolean;
  loginError: string;
  groups: { priority: string; heading: string; cards: Card[] }[];
}

// Runs in the page (the test project has no DOM types, so it travels as text).
const READ_BOARD = `(() => {
  const status = document.getElementById('status');
  return {
    state: status.dataset.state,
    statusText: status.textContent,
    loginVisible: !document.getElementById('login').hidden,
    loginError: document.getElementById('login-error').textContent,
    groups: [...document.querySelectorAll('#board section.priority')].map((section) => ({
      priority: section.dataset.priority,
      heading: section.querySelector('h2').textContent,
      cards: [...section.querySelectorAll('article.card')].map((card) => {
        const text = (selector) => {
          const el = card.querySelector(selector);
          return el ? el.textContent : null;
        };
        const lastUpdate = card.querySelector('.last-update');
        return {
          key: card.dataset.key,
          keyText: text('.key'),
          summary: text('.summary'),
          stage: text('.stage'),
          manager: text('.manager'),
          age: text('.age'),
          lastUpdate: text('.last-update'),
          overdue: !!lastUpdate && lastUpdate.classList.contains('overdue'),
          clients: text('.clients'),
          sites: text('.sites'),
          labels: [...card.querySelectorAll('dt')].map((dt) => dt.textContent),
        };
      }),
    })),
  };
})()`;

/** The card with this key and the priority group it sits in, or null when it is not on the board. */
function find(board: Board, key: string): (Card & { group: string }) | null {
  for (const group of board.groups) {
    const card = group.cards.find((c) => c.key === key);
    if (card) return { ...card, group: group.priority };
  }
  return null;
}

const LIVE_MS = 2000;

describeBrowser('wallboard (/board)', (browser: BrowserFixture) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    await t?.close();
  });

  const readBoard = () => browser.page.evaluate<Board>(READ_BOARD);
  /** Wait (up to ms from now) until the card with this key passes `accept`. */
  const waitForCard = (
    key: string,
    accept: (card: Card & { group: string }) => boolean,
    what: string,
    ms = LIVE_MS,
  ) =>
    within(
      ms,
      readBoard,
      (board) => {
        const card = find(board, key);
        return !!card && accept(card);
      },
      what,
    ).then((board) => find(board, key)!);

  const stage = (incidentKey: string, to: string) =>
    t.ok(CHANGE_STAGE, { input: { incidentKey, stage: to } });

  async function openBoard(token: string, firstKey: string): Promise<void> {
    await browser.page.goto(`${t.url}/board?token=${encodeURIComponent(token)}`);
    await within(10_000, readBoard, (b) => b.state === 'live' && !!find(b, firstKey), 'the board to load');
  }

  it('shows each open incident under its priority with key, summary, stage, manager, age, last update, clients and sites', async () => {
    const p1 = await declare(t, {
      summary: 'Orders stuck at Clifton and Dallas',
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'HIGH',
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0001', 'ab0001'],
    });
    expect(p1.priority).toBe('P1');
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: p1.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    // acknowledged 2h 5m ago and no status update since: its first update (P2: hourly) is overdue
    const detected = new Date(Date.now() - 130 * 60_000).toISOString();
    const p2 = await declare(t, {
      summary: 'Pick lists printing twice',
      clientImpactLevel: 'SIGNIFICANT',
      clientUrgencyLevel: 'HIGH',
      affectedClientSlugs: ['albertsons'],
      detectedAt: detected,
      impactStartedAt: detected,
    });
    expect(p2.priority).toBe('P2');
    await t.database.dataSource.query(
      `UPDATE incident SET acknowledged_at = now() - interval '125 minutes' WHERE id = $1`,
      [p2.id],
    );
    const closed = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'HIGH' });
    await stage(closed.key, 'CANCELLED');

    await openBoard(t.tokens.viewer, p1.key);
    const board = await readBoard();

    // the token leaves the address bar once read
    expect(browser.page.url()).toBe(`${t.url}/board`);
    expect(board.state).toBe('live');
    expect(board.loginVisible).toBe(false);

    // groups in priority order, each headed with its count
    const priorities = board.groups.map((g) => g.priority);
    expect(priorities).toEqual(['P1', 'P2', 'P3', 'P4'].filter((p) => priorities.includes(p)));
    for (const group of board.groups) expect(group.heading).toBe(`${group.priority} (${group.cards.length})`);

    const first = find(board, p1.key)!;
    expect(first).toMatchObject({
      group: 'P1',
      keyText: p1.key,
      summary: 'Orders stuck at Clifton and Dallas',
      stage: 'Acknowledged',
      manager: 'Manager Person',
      age: '0m',
      lastUpdate: 'none yet',
      overdue: false,
      labels: ['Stage', 'Incident manager', 'Age', 'Last update', 'Clients', 'Sites'],
    });
    expect(first.clients!.split(', ').sort()).toEqual(['Albertsons', 'Wakefern']);
    expect(first.sites!.split(', ').sort()).toEqual(['ab0001 (dallas-tx)', 'wf0001 (clifton-nj)']);

    const second = find(board, p2.key)!;
    expect(second).toMatchObject({
      group: 'P2',
      summary: 'Pick lists printing twice',
      stage: 'Acknowledged',
      manager: '—',
      age: '2h 5m',
      lastUpdate: 'none yet (overdue)',
      overdue: true,
      clients: 'Albertsons',
      sites: '—',
    });

    // ended incidents are not on the board
    expect(find(board, closed.key)).toBeNull();

    const shot = await browser.screenshot('board');
    expect(existsSync(shot) && statSync(shot).size > 1000).toBe(true);
    expect(browser.pageErrors).toEqual([]);
  });

  it('follows changes made through the API within 2 seconds, without reloading', async () => {
    const incident = await declare(t, {
      summary: 'Totes misrouted at Paramus',
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'HIGH',
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0002'],
    });
    await openBoard(t.tokens.viewer, incident.key);
    expect(find(await readBoard(), incident.key)).toMatchObject({
      group: 'P1',
      stage: 'Acknowledged',
      manager: '—',
    });
    // a reload would lose this
    await browser.page.evaluate('window.__sameDocument = true');

    await stage(incident.key, 'INVESTIGATING');
    await waitForCard(incident.key, (c) => c.stage === 'Investigating', 'stage Investigating');

    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.expert.id },
    });
    await waitForCard(incident.key, (c) => c.manager === 'Expert Person', 'the new incident manager');

    const added = await declare(t, {
      summary: 'Label printer offline',
      clientImpactLevel: 'MODERATE',
      clientUrgencyLevel: 'MEDIUM',
      affectedClientSlugs: ['albertsons'],
      affectedSiteIds: ['ab0001'],
    });
    expect(added.priority).toBe('P3');
    const shown = await waitForCard(added.key, () => true, 'the newly declared incident');
    expect(shown).toMatchObject({
      group: 'P3',
      summary: 'Label printer offline',
      stage: 'Acknowledged',
      clients: 'Albertsons',
      sites: 'ab0001 (dallas-tx)',
    });

    // the last status update was two hours ago (P1: every 30 minutes); the next change shows it overdue
    await t.database.dataSource.query(
      `INSERT INTO status_update (incident_id, audience, client_impact, known_problem, attempted, next_steps, posted_at, author_id)
       VALUES ($1, 'INTERNAL', 'Totes misrouted', 'Sorter config', 'Rollback', 'Watch', now() - interval '2 hours', $2)`,
      [incident.id, t.people.expert.id],
    );
    await t.ok(ADD_NOTE, { input: { incidentKey: incident.key, text: 'still looking' } });
    const overdue = await waitForCard(incident.key, (c) => c.overdue, 'the overdue mark');
    expect(overdue.lastUpdate).toBe('2h 0m ago (overdue)');

    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        clientImpact: 'Totes misrouted',
        knownProblem: 'Sorter config',
        attempted: 'Rollback',
        nextSteps: 'Watch',
      },
    });
    const updated = await waitForCard(incident.key, (c) => !c.overdue, 'the overdue mark to clear');
    expect(updated.lastUpdate).toBe('0m ago');

    for (const [next, shown] of [
      ['IDENTIFIED', 'Identified'],
      ['MITIGATED', 'Mitigated'],
      ['POSTMORTEM', 'Postmortem'],
    ]) {
      await stage(incident.key, next);
      await waitForCard(incident.key, (c) => c.stage === shown, `stage ${shown}`);
    }
    await stage(incident.key, 'CLOSED');
    await within(LIVE_MS, readBoard, (b) => find(b, incident.key) === null, 'the closed incident to leave');
    expect(find(await readBoard(), added.key)).not.toBeNull();

    expect(await browser.page.evaluate('window.__sameDocument === true')).toBe(true);
    expect(browser.pageErrors).toEqual([]);
  });

  it('after the server drops the connection, reconnects and shows what changed meanwhile', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'HIGH' });
    await openBoard(t.tokens.viewer, incident.key);
    await browser.page.evaluate('window.__sameDocument = true');
    const sockets = [...t.hub.websocket.wss.clients];
    expect(sockets.length).toBeGreaterThan(0);

    // keep the page from reconnecting until the change is made, so only the refetch can show it
    await browser.context.setOffline(true);
    for (const socket of sockets) socket.terminate();
    await within(LIVE_MS, readBoard, (b) => b.state === 'reconnecting', 'the page to notice');
    await stage(incident.key, 'INVESTIGATING');
    // past the first retries (250 ms, 500 ms): still disconnected, still showing the old stage
    await sleep(800);
    expect(t.hub.websocket.wss.clients.size).toBe(0);
    expect(find(await readBoard(), incident.key)!.stage).toBe('Acknowledged');
    await browser.context.setOffline(false);

    // retries back off up to 5 s
    await within(
      8000,
      readBoard,
      (b) => b.state === 'live' && find(b, incident.key)?.stage === 'Investigating',
      'the change made while offline',
    );
    // and it is live again
    await stage(incident.key, 'IDENTIFIED');
    await waitForCard(incident.key, (c) => c.stage === 'Identified', 'a change after reconnecting');
    expect(await browser.page.evaluate('window.__sameDocument === true')).toBe(true);
    expect(browser.pageErrors).toEqual([]);
  });

  it('without a token asks for one, refuses a bad one, and shows the board for a good one', async () => {
    const incident = await declare(t);
    await browser.page.goto(`${t.url}/board`);
    let board = await within(5000, readBoard, (b) => b.loginVisible, 'the login form');
    expect(board).toMatchObject({ state: 'error', statusText: 'no token', loginError: '', groups: [] });

    await browser.page.fill('#token', 'ih_not-a-real-token');
    await browser.page.click('#login button[type=submit]');
    board = await within(5000, readBoard, (b) => b.loginError !== '', 'the refusal');
    expect(board).toMatchObject({ loginVisible: true, loginError: 'That token was refused.', groups: [] });

    await browser.page.fill('#token', t.tokens.viewer);
    await browser.page.click('#login button[type=submit]');
    board = await within(
      10_000,
      readBoard,
      (b) => b.state === 'live' && !!find(b, incident.key),
      'the board after logging in',
    );
    expect(board.loginVisible).toBe(false);
  });
});
