// The wallboard in a real browser, sized for an office TV (1920×1080) and usable on a phone:
// active incidents with overdue status updates first, a P1/P2 without an incident manager as an
// alarm, countdowns, ages from the start of impact, links, and the recently mitigated apart; kept
// current over graphql-ws without reloading, and complete again after the connection drops.
import { existsSync, statSync } from 'node:fs';
import type { Request } from 'playwright-core';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { ADD_NOTE, ASSIGN_ROLE, CHANGE_STAGE, POST_STATUS_UPDATE } from '../support/operations';
import { AlertSource, AlertStatus } from '../../src/domain/enums';
import { sleep } from '../support/wait-for';
import { describeBrowser, within, type BrowserFixture } from './support';

interface Card {
  key: string;
  priority: string;
  classes: string[];
  summary: string | null;
  stage: string | null;
  manager: string | null;
  age: string | null;
  countdown: string | null;
  service: string | null;
  affected: string | null;
  alarmText: string | null;
  mitigatedAt: string | null;
  links: { className: string; href: string | null; text: string }[];
  box: { left: number; right: number; width: number };
  /** Smallest computed font size (px) of any text in the card, and the summary's. */
  minFontPx: number;
  summaryFontPx: number;
}
interface Board {
  state: string;
  statusText: string;
  loginVisible: boolean;
  loginError: string;
  clock: string;
  clockFontPx: number;
  hoursNow: number;
  viewportWidth: number;
  scrollWidth: number;
  active: Card[];
  mitigated: Card[];
  mitigatedHeading: string | null;
  mitigatedVisible: boolean;
}

// Runs in the page (the test project has no DOM types, so it travels as text).
const READ_BOARD = `(() => {
  const status = document.getElementById('status');
  const clock = document.getElementById('clock');
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const readCard = (card) => {
    const text = (selector) => {
      const el = card.querySelector(selector);
      return el ? el.textContent : null;
    };
    const box = card.getBoundingClientRect();
    const texts = [card, ...card.querySelectorAll('*')].filter((el) =>
      [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== ''),
    );
    const summary = card.querySelector('.summary');
    return {
      key: card.dataset.key,
      priority: card.dataset.priority || (card.closest('[data-priority]') || {}).dataset?.priority,
      classes: [...card.classList],
      summary: text('.summary'),
      stage: text('.stage'),
      manager: text('.manager'),
      imFor: text('.im-for'),
      age: text('.age'),
      countdown: text('.countdown'),
      service: text('.service'),
      affected: text('.affected'),
      alarmText: text('.alarm-banner'),
      mitigatedAt: text('.mitigated-at'),
      links: [...card.querySelectorAll('.link')].map((a) => ({
        className: [...a.classList].filter((c) => c !== 'link').join(' '),
        href: a.getAttribute('href'),
        text: a.textContent,
      })),
      box: { left: box.left, right: box.right, width: box.width },
      minFontPx: Math.min(...texts.map(px)),
      summaryFontPx: summary ? px(summary) : 0,
    };
  };
  const cards = [...document.querySelectorAll('#board article.card')];
  const mitigated = document.getElementById('mitigated');
  return {
    state: status.dataset.state,
    statusText: status.textContent,
    loginVisible: !document.getElementById('login').hidden,
    loginError: document.getElementById('login-error').textContent,
    clock: clock.textContent,
    clockFontPx: px(clock),
    hoursNow: new Date().getHours(),
    viewportWidth: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    active: cards.filter((c) => !c.closest('#mitigated')).map(readCard),
    mitigated: cards.filter((c) => c.closest('#mitigated')).map(readCard),
    mitigatedHeading: mitigated ? mitigated.querySelector('h2').textContent : null,
    mitigatedVisible: !!mitigated && !mitigated.hidden,
  };
})()`;

/** The card with this key and the section (active or mitigated) it sits in, or null. */
function find(board: Board, key: string): (Card & { section: 'active' | 'mitigated' }) | null {
  const active = board.active.find((c) => c.key === key);
  if (active) return { ...active, section: 'active' };
  const mitigated = board.mitigated.find((c) => c.key === key);
  return mitigated ? { ...mitigated, section: 'mitigated' } : null;
}

/** Seconds in "in 29:59" or "in 1:04:07". */
function countdownSeconds(text: string): number {
  const match = /^in (?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`not a countdown: ${text}`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const LIVE_MS = 2000;
/** The hub's MAX_PAGE_SIZE here: smaller than the seeded incidents, so the board must page. */
const MAX_PAGE_SIZE = 3;
/** Readable from across the room on a 1920×1080 TV, and on a phone. */
const TV = { width: 1920, height: 1080 };
const PHONE = { width: 390, height: 844 };
const TV_MIN_FONT_PX = 20;
const TV_SUMMARY_MIN_PX = 32;
const PHONE_MIN_FONT_PX = 14;

describeBrowser('wallboard (/board)', (browser: BrowserFixture) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ MAX_PAGE_SIZE: String(MAX_PAGE_SIZE) });
  });
  afterAll(async () => {
    await t?.close();
  });

  const readBoard = () => browser.page.evaluate<Board>(READ_BOARD);
  /** Wait (up to ms from now) until the card with this key passes `accept`. */
  const waitForCard = (
    key: string,
    accept: (card: Card & { section: string }) => boolean,
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
  const assignManager = (incidentKey: string, personId: string) =>
    t.ok(ASSIGN_ROLE, { input: { incidentKey, role: 'SOFTWARE_INCIDENT_MANAGER', personId } });
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

  async function openBoard(token: string, firstKey: string): Promise<void> {
    await browser.page.goto(`${t.url}/board?token=${encodeURIComponent(token)}`);
    await within(10_000, readBoard, (b) => b.state === 'live' && !!find(b, firstKey), 'the board to load');
  }

  describe('on an office TV and on a phone', () => {
    const links = {
      slack: 'https://example.slack.com/archives/C0BOARD01',
      meet: 'https://meet.google.com/abc-defg-hij',
      ticket: 'https://example.zendesk.com/agent/tickets/4321',
    };
    let seeded: Record<'onTrack' | 'overdue' | 'alarm' | 'minor' | 'mitigated' | 'cancelled', string>;

    beforeAll(async () => {
      // P1 with a manager, 3h 10m into its impact, with its channel, bridge and ticket
      const started = minutesAgo(190);
      const onTrack = await declare(t, {
        summary: 'Orders stuck at Clifton and Dallas',
        clientImpactLevel: 'EXTENSIVE',
        clientUrgencyLevel: 'HIGH',
        affectedClientSlugs: ['wakefern'],
        affectedSiteIds: ['wf0001', 'ab0001'],
        faultyServiceId: t.catalogue.orderSync.id,
        impactStartedAt: started,
        detectedAt: started,
        zendeskTicketId: '4321',
        incidentFlow: false, // no vendor effects racing the records written below
      });
      expect(onTrack.priority).toBe('P1');
      await assignManager(onTrack.key, t.people.manager.id);
      // the manager has held the role for 3h 12m (Incident.incidentManagerSince)
      await t.database.dataSource.query(
        `UPDATE role_assignment SET assigned_at = now() - interval '192 minutes'
          WHERE incident_id = $1 AND relieved_at IS NULL`,
        [onTrack.id],
      );
      await stage(onTrack.key, 'INVESTIGATING');
      for (const [system, externalId, url] of [
        ['SLACK', 'C0BOARD01', links.slack],
        ['MEET', onTrack.key, links.meet],
        ['ZENDESK', '4321', links.ticket],
      ]) {
        await t.database.dataSource.query(
          `INSERT INTO external_record (incident_id, system, external_id, url, state)
           VALUES ($1, $2, $3, $4, 'SYNCED')
           ON CONFLICT (incident_id, system) DO UPDATE SET external_id = $3, url = $4, state = 'SYNCED'`,
          [onTrack.id, system, externalId, url],
        );
      }

      // P2 with a manager, acknowledged 2h 5m ago and no status update since (hourly): overdue
      const overdueStarted = minutesAgo(130);
      const overdue = await declare(t, {
        summary: 'Pick lists printing twice',
        clientImpactLevel: 'SIGNIFICANT',
        clientUrgencyLevel: 'HIGH',
        affectedClientSlugs: ['albertsons'],
        detectedAt: overdueStarted,
        impactStartedAt: overdueStarted,
        incidentFlow: false,
      });
      expect(overdue.priority).toBe('P2');
      await assignManager(overdue.key, t.people.expert.id);
      await t.database.dataSource.query(
        `UPDATE incident SET acknowledged_at = now() - interval '125 minutes' WHERE id = $1`,
        [overdue.id],
      );

      // P1 nobody manages: the alarm
      const alarm = await declare(t, {
        summary: 'Totes misrouted at Paramus',
        clientImpactLevel: 'EXTENSIVE',
        clientUrgencyLevel: 'HIGH',
        affectedClientSlugs: ['wakefern'],
        affectedSiteIds: ['wf0002'],
        incidentFlow: false,
      });
      expect(alarm.priority).toBe('P1');

      const minor = await declare(t, {
        summary: 'Label printer offline',
        clientImpactLevel: 'MODERATE',
        clientUrgencyLevel: 'MEDIUM',
        affectedSiteIds: ['ab0001'],
      });
      expect(minor.priority).toBe('P3');

      const mitigated = await declare(t, { summary: 'Scales reporting zero weight', incidentFlow: false });
      for (const next of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) await stage(mitigated.key, next);

      const cancelled = await declare(t, { incidentFlow: false });
      await stage(cancelled.key, 'CANCELLED');

      seeded = {
        onTrack: onTrack.key,
        overdue: overdue.key,
        alarm: alarm.key,
        minor: minor.key,
        mitigated: mitigated.key,
        cancelled: cancelled.key,
      };
    });

    it('at 1920×1080: large cards filling the width, overdue first, alarms, countdowns, links, ages, labels, a 24-hour clock and the mitigated apart', async () => {
      await browser.page.setViewportSize(TV);
      const asked: { first: unknown; refused: boolean }[] = [];
      const pending: Promise<void>[] = [];
      browser.page.on('request', (request: Request) => {
        if (!request.url().endsWith('/graphql') || request.method() !== 'POST') return;
        const body = request.postDataJSON() as { query: string; variables?: { first?: unknown } };
        const literal = /\bfirst:\s*(\d+)/.exec(body.query);
        const first = body.variables?.first ?? (literal ? Number(literal[1]) : undefined);
        pending.push(
          request
            .response()
            .then((res) => res?.json())
            .then((json: { errors?: { message: string }[] } | undefined) => {
              asked.push({
                first,
                refused: !!json?.errors?.some((e) => e.message.startsWith('Page size limit')),
              });
            }),
        );
      });

      await openBoard(t.tokens.viewer, seeded.onTrack);
      await within(
        5000,
        readBoard,
        (b) => [seeded.onTrack, seeded.overdue, seeded.alarm, seeded.minor].every((k) => !!find(b, k)),
        'every active incident',
      );
      const board = await readBoard();
      expect(browser.page.url()).toBe(`${t.url}/board`); // the token leaves the address bar
      expect(board).toMatchObject({ state: 'live', loginVisible: false });

      // MAX_PAGE_SIZE: more active incidents than one page holds, all shown; no page beyond the
      // limit was ever served (an oversized first ask is refused and teaches the board the limit)
      await Promise.all(pending);
      expect(asked.length).toBeGreaterThan(0);
      for (const ask of asked) {
        expect(typeof ask.first).toBe('number');
        if ((ask.first as number) > MAX_PAGE_SIZE) expect(ask.refused).toBe(true);
      }
      expect(asked.filter((a) => a.refused).length).toBeLessThanOrEqual(2);
      expect(board.active.length).toBeGreaterThan(MAX_PAGE_SIZE);

      // scale: cards at least ~a third of the screen each, together spanning its width
      for (const card of board.active) expect(card.box.width).toBeGreaterThanOrEqual(TV.width * 0.28);
      const span =
        Math.max(...board.active.map((c) => c.box.right)) - Math.min(...board.active.map((c) => c.box.left));
      expect(span).toBeGreaterThanOrEqual(TV.width * 0.9);
      // large type: nothing in a card below 20 px, summaries 32 px and up, a big clock
      for (const card of board.active) {
        expect(card.minFontPx).toBeGreaterThanOrEqual(TV_MIN_FONT_PX);
        expect(card.summaryFontPx).toBeGreaterThanOrEqual(TV_SUMMARY_MIN_PX);
      }
      expect(board.clockFontPx).toBeGreaterThanOrEqual(40);

      // overdue first (before the P1s), highlighted; the countdown says by how much
      const overdue = find(board, seeded.overdue)!;
      expect(board.active[0].key).toBe(seeded.overdue);
      expect(overdue.classes).toContain('overdue');
      expect(overdue.countdown).toMatch(/^overdue by 1:0[45]:\d\d$/);
      expect(board.active.filter((c) => c.classes.includes('overdue')).map((c) => c.key)).toEqual([
        seeded.overdue,
      ]);

      // a P1 without an incident manager is an alarm; managed ones are not
      const alarm = find(board, seeded.alarm)!;
      expect(alarm.classes).toContain('alarm');
      expect(alarm.alarmText).toBe('No incident manager');
      expect(board.active[1].key).toBe(seeded.alarm);
      for (const key of [seeded.onTrack, seeded.overdue, seeded.minor]) {
        expect(find(board, key)!.classes).not.toContain('alarm');
      }

      const onTrack = find(board, seeded.onTrack)!;
      expect(onTrack).toMatchObject({
        section: 'active',
        summary: 'Orders stuck at Clifton and Dallas',
        stage: 'Investigating', // the label, not INVESTIGATING
        manager: 'Manager Person',
        imFor: 'IM for 3h 12m',
        service: 'Order Sync',
        age: '3h 10m', // from the start of impact, not from the declaration
      });
      expect(onTrack.affected).toContain('Wakefern');
      expect(onTrack.links).toEqual([
        { className: 'link-slack', href: links.slack, text: 'Slack channel' },
        { className: 'link-meet', href: links.meet, text: 'Meet' },
        { className: 'link-ticket', href: links.ticket, text: 'Ticket 4321' },
      ]);
      expect(find(board, seeded.minor)).toMatchObject({ stage: 'Acknowledged', service: 'Unknown' });

      // the countdown to the next update (P1: every 30 minutes) ticks down
      const before = countdownSeconds(onTrack.countdown!);
      expect(before).toBeGreaterThan(25 * 60);
      expect(before).toBeLessThanOrEqual(30 * 60);
      await new Promise((resolve) => setTimeout(resolve, 2200));
      const later = await readBoard();
      expect(countdownSeconds(find(later, seeded.onTrack)!.countdown!)).toBeLessThan(before);

      // a 24-hour clock: the browser's own hour, 00–23, no AM/PM
      expect(later.clock).toMatch(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
      expect(Number(later.clock.slice(0, 2))).toBe(later.hoursNow);

      // mitigated apart, ended ones gone
      expect(board.mitigatedVisible).toBe(true);
      expect(board.mitigatedHeading).toMatch(/^Mitigated in the last \d+ hours \(1\)$/);
      const mitigated = find(board, seeded.mitigated)!;
      expect(mitigated).toMatchObject({ section: 'mitigated', stage: 'Mitigated' });
      expect(mitigated.mitigatedAt).toMatch(/^([01]\d|2[0-3]):[0-5]\d \(0m ago\)$/);
      expect(find(board, seeded.cancelled)).toBeNull();

      const shot = await browser.screenshot('board-1920x1080');
      expect(existsSync(shot) && statSync(shot).size > 1000).toBe(true);
      expect(browser.pageErrors).toEqual([]);
    });

    it('at 390×844 (a phone): one column, no sideways scrolling, readable text', async () => {
      await browser.page.setViewportSize(PHONE);
      await openBoard(t.tokens.viewer, seeded.onTrack);
      await within(5000, readBoard, (b) => !!find(b, seeded.mitigated), 'the mitigated incident');
      const board = await readBoard();
      expect(board.scrollWidth).toBeLessThanOrEqual(PHONE.width);
      for (const card of [...board.active, ...board.mitigated]) {
        expect(card.box.width).toBeGreaterThanOrEqual(PHONE.width * 0.85);
        expect(card.box.right).toBeLessThanOrEqual(PHONE.width);
        expect(card.minFontPx).toBeGreaterThanOrEqual(PHONE_MIN_FONT_PX);
      }
      expect(board.active[0].key).toBe(seeded.overdue);
      expect(find(board, seeded.alarm)!.alarmText).toBe('No incident manager');
      expect(board.clock).toMatch(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);

      const shot = await browser.screenshot('board-390x844');
      expect(existsSync(shot) && statSync(shot).size > 1000).toBe(true);
      expect(browser.pageErrors).toEqual([]);
    });
  });

  it('follows changes made through the API within 2 seconds, without reloading', async () => {
    const incident = await declare(t, {
      summary: 'Conveyor jam at Paramus',
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'HIGH',
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0002'],
    });
    await openBoard(t.tokens.viewer, incident.key);
    expect(find(await readBoard(), incident.key)).toMatchObject({
      section: 'active',
      priority: 'P1',
      stage: 'Acknowledged',
      manager: '—',
      imFor: null,
      alarmText: 'No incident manager',
    });
    // a reload would lose this
    await browser.page.evaluate('window.__sameDocument = true');

    await stage(incident.key, 'INVESTIGATING');
    await waitForCard(incident.key, (c) => c.stage === 'Investigating', 'stage Investigating');

    await assignManager(incident.key, t.people.expert.id);
    const managed = await waitForCard(incident.key, (c) => c.manager === 'Expert Person', 'the manager');
    expect(managed.classes).not.toContain('alarm');
    expect(managed.alarmText).toBeNull();

    const added = await declare(t, {
      summary: 'Label printer jammed',
      clientImpactLevel: 'MODERATE',
      clientUrgencyLevel: 'MEDIUM',
      affectedClientSlugs: ['albertsons'],
      affectedSiteIds: ['ab0001'],
    });
    expect(added.priority).toBe('P3');
    const shown = await waitForCard(added.key, () => true, 'the newly declared incident');
    expect(shown).toMatchObject({
      section: 'active',
      priority: 'P3',
      summary: 'Label printer jammed',
      stage: 'Acknowledged',
      affected: 'Albertsons · ab0001 (dallas-tx)',
    });

    // the last status update was two hours ago (P1: every 30 minutes); the next change shows it overdue
    await t.database.dataSource.query(
      `INSERT INTO status_update (incident_id, audience, client_impact, known_problem, attempted, next_steps, posted_at, author_id)
       VALUES ($1, 'INTERNAL', 'Conveyor jam', 'Sorter config', 'Rollback', 'Watch', now() - interval '2 hours', $2)`,
      [incident.id, t.people.expert.id],
    );
    await t.ok(ADD_NOTE, { input: { incidentKey: incident.key, text: 'still looking' } });
    const overdue = await waitForCard(incident.key, (c) => c.classes.includes('overdue'), 'the overdue mark');
    expect(overdue.countdown).toMatch(/^overdue by 1:(29|30):\d\d$/);
    expect((await readBoard()).active[0].key).toBe(incident.key);

    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        clientImpact: 'Conveyor jam',
        knownProblem: 'Sorter config',
        attempted: 'Rollback',
        nextSteps: 'Watch',
      },
    });
    const updated = await waitForCard(
      incident.key,
      (c) => !c.classes.includes('overdue'),
      'the overdue mark to clear',
    );
    expect(countdownSeconds(updated.countdown!)).toBeGreaterThan(29 * 60);

    await stage(incident.key, 'IDENTIFIED');
    await waitForCard(incident.key, (c) => c.stage === 'Identified', 'stage Identified');
    // mitigated: moves to the section of its own
    await stage(incident.key, 'MITIGATED');
    await waitForCard(incident.key, (c) => c.section === 'mitigated', 'the move to the mitigated section');
    await stage(incident.key, 'POSTMORTEM');
    await waitForCard(incident.key, (c) => c.stage === 'Postmortem', 'stage Postmortem');
    await stage(incident.key, 'CLOSED');
    await within(LIVE_MS, readBoard, (b) => find(b, incident.key) === null, 'the closed incident to leave');
    expect(find(await readBoard(), added.key)).not.toBeNull();

    expect(await browser.page.evaluate('window.__sameDocument === true')).toBe(true);
    expect(browser.pageErrors).toEqual([]);
  });

  it('shows the firing alerts no incident has taken in, live', async () => {
    const incident = await declare(t, {
      summary: 'Sorter down at Edison',
      affectedClientSlugs: ['wakefern'],
    });
    await openBoard(t.tokens.viewer, incident.key);
    const readAlerts = () =>
      browser.page.evaluate<{ visible: boolean; heading: string; items: string[] }>(`(() => {
        const section = document.getElementById('alerts');
        return {
          visible: !section.hidden,
          heading: section.querySelector('h2').textContent,
          items: [...section.querySelectorAll('.alert')].map((li) => li.textContent),
        };
      })()`);
    expect((await readAlerts()).visible).toBe(false);
    await t.hub.services.alerts.receive(t.adminActor, [
      {
        source: AlertSource.ALERTMANAGER,
        fingerprint: 'board-1',
        name: 'SorterStalled',
        summary: null,
        // no service or site: no incident takes it in
        labels: { alertname: 'SorterStalled', severity: 'critical', team: 'sortation' },
        severity: 'critical',
        status: AlertStatus.FIRING,
        startsAt: new Date(Date.now() - 7 * 60_000),
        endsAt: null,
        url: null,
        observedAt: new Date(),
      },
    ]);
    const shown = await within(LIVE_MS, readAlerts, (a) => a.visible, 'the alerts panel');
    expect(shown.heading).toBe('Unattached firing alerts (1)');
    expect(shown.items).toEqual([expect.stringMatching(/^SorterStalledcriticalfiring 7m$/)]);
    const [alert] = (await t.database.dataSource.query(
      `SELECT id FROM alert WHERE fingerprint = 'board-1'`,
    )) as {
      id: string;
    }[];
    await t.hub.services.alerts.attachAlert(t.adminActor, { alertId: alert.id, incidentKey: incident.key });
    await within(LIVE_MS, readAlerts, (a) => !a.visible, 'the alerts panel to empty');
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
    expect(board).toMatchObject({ state: 'error', statusText: 'no token', loginError: '', active: [] });

    await browser.page.fill('#token', 'ih_not-a-real-token');
    await browser.page.click('#login button[type=submit]');
    board = await within(5000, readBoard, (b) => b.loginError !== '', 'the refusal');
    expect(board).toMatchObject({ loginVisible: true, loginError: 'That token was refused.', active: [] });

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
