// The insights page (/insights) in a real browser: TTD and TTR by month (median line in a p90/p95
// band), by client and by site (bars), and the count by priority, drawn with Chart.js served by
// the hub itself. The charts must show what incidentMetrics answers, in readable units, say
// "No data" when there is none, and refuse a missing or bad token as the wallboard does.
import { existsSync, statSync } from 'node:fs';
import type { ConsoleMessage } from 'playwright-core';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { CHANGE_STAGE } from '../support/operations';
import { describeBrowser, within, type BrowserFixture } from './support';

interface Stats {
  count: number;
  missing: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
}
interface Group {
  key: { label: string; month: string | null; priority: string | null; siteId: string | null };
  count: number;
  ttd: Stats;
  ttr: Stats;
}
type Metrics = Record<'byMonth' | 'byClient' | 'bySite' | 'byPriority', Group[]>;

interface Drawn {
  id: string;
  title: string;
  empty: boolean;
  noDataVisible: boolean;
  canvasVisible: boolean;
  unitSeconds: number | null;
  yTitle: string | null;
  indexAxis: string | null;
  /** The canvas's fallback content: the data in words, for screen readers. */
  text: string;
  type: string | null;
  labels: string[];
  datasets: { label: string; data: (number | null)[]; fill: unknown }[];
}
interface Page {
  state: string;
  statusText: string;
  summary: string;
  loginVisible: boolean;
  loginError: string;
  charts: Drawn[];
}

// Runs in the page (the test project has no DOM types, so it travels as text).
const READ_PAGE = `(() => {
  const status = document.getElementById('status');
  const visible = (el) => !!el && el.getClientRects().length > 0;
  const charts = [...document.querySelectorAll('figure[data-chart]')].map((figure) => {
    const canvas = figure.querySelector('canvas');
    const chart = window.Chart && window.Chart.getChart(canvas);
    return {
      id: figure.dataset.chart,
      title: figure.querySelector('figcaption').textContent,
      empty: figure.dataset.empty === 'true',
      noDataVisible: visible(figure.querySelector('.no-data')),
      canvasVisible: visible(canvas),
      unitSeconds: figure.dataset.unitSeconds ? Number(figure.dataset.unitSeconds) : null,
      yTitle: chart ? chart.options.scales.y.title.text : null,
      indexAxis: chart ? chart.options.indexAxis : null,
      text: canvas.textContent,
      type: chart ? chart.config.type : null,
      labels: chart ? [...chart.data.labels] : [],
      datasets: chart
        ? chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data], fill: d.fill }))
        : [],
    };
  });
  return {
    state: status.dataset.state,
    statusText: status.textContent,
    summary: document.getElementById('summary').textContent,
    loginVisible: !document.getElementById('login').hidden,
    loginError: document.getElementById('login-error').textContent,
    charts,
  };
})()`;

/** Written here from the contract, not taken from the page. */
const STATS = 'count missing p50 p90 p95';
const GROUP = `key { label month priority siteId } count ttd { ${STATS} } ttr { ${STATS} }`;
const METRICS = `query InsightsTest($filter: IncidentFilter) {
  byMonth: incidentMetrics(filter: $filter, groupBy: [MONTH]) { ${GROUP} }
  byClient: incidentMetrics(filter: $filter, groupBy: [CLIENT]) { ${GROUP} }
  bySite: incidentMetrics(filter: $filter, groupBy: [SITE]) { ${GROUP} }
  byPriority: incidentMetrics(filter: $filter, groupBy: [PRIORITY]) { ${GROUP} }
}`;

const MINUTE = 60;
const HOUR = 3600;

describeBrowser('insights (/insights)', (browser: BrowserFixture) => {
  let t: TestHub;
  let consoleErrors: string[];

  /**
   * Declared on the day given (UTC), impact from 10:00, detected `ttd` seconds later, declared 3
   * minutes after that, and mitigated `ttr` seconds after the impact started (or not at all).
   */
  async function seed(
    day: string,
    ttd: number,
    ttr: number | null,
    declaration: Record<string, unknown>,
  ): Promise<string> {
    const incident = await declare(t, { incidentFlow: false, ...declaration });
    if (ttr !== null) {
      for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
        await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
      }
    }
    const impact = new Date(`${day}T10:00:00.000Z`).getTime();
    const at = (seconds: number) => new Date(impact + seconds * 1000).toISOString();
    await t.database.dataSource.query(
      `UPDATE incident SET impact_started_at = $2, detected_at = $3, acknowledged_at = $4, created_at = $4,
              identified_at = CASE WHEN identified_at IS NULL THEN NULL ELSE $4::timestamptz END,
              mitigated_at = CASE WHEN mitigated_at IS NULL THEN NULL ELSE $5::timestamptz END
        WHERE id = $1`,
      [incident.id, at(0), at(ttd), at(ttd + 3 * MINUTE), at(ttr ?? 0)],
    );
    return incident.key;
  }

  beforeAll(async () => {
    t = await startTestHub();
    const p1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'HIGH' };
    const p2 = { clientImpactLevel: 'SIGNIFICANT', clientUrgencyLevel: 'HIGH' };
    const p3 = { clientImpactLevel: 'MODERATE', clientUrgencyLevel: 'MEDIUM' };
    // July: three; August: none; September: two, one not mitigated yet
    await seed('2026-07-10', 12 * MINUTE, 2 * HOUR, {
      ...p1,
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0001'],
    });
    await seed('2026-07-20', 30 * MINUTE, 5 * HOUR, {
      ...p2,
      affectedClientSlugs: ['albertsons'],
      affectedSiteIds: ['ab0001'],
    });
    // across eight Wakefern sites: more sites than fit side by side
    const stores = ['wf0003', 'wf0004', 'wf0005', 'wf0006', 'wf0007', 'wf0008', 'wf0009'];
    for (const siteId of stores) {
      await t.hub.services.catalogue.upsertSite(t.adminActor, {
        siteId,
        location: `store-${siteId}`,
        clientSlug: 'wakefern',
      });
    }
    await seed('2026-07-25', 8 * MINUTE, 90 * MINUTE, {
      ...p3,
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0002', ...stores],
    });
    await seed('2026-09-05', 5 * MINUTE, 45 * MINUTE, {
      ...p3,
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0002'],
    });
    await seed('2026-09-15', HOUR, null, { ...p2, affectedClientSlugs: ['albertsons'] });
    // cancelled: counted nowhere
    const cancelled = await declare(t, { incidentFlow: false, ...p1 });
    await t.ok(CHANGE_STAGE, { input: { incidentKey: cancelled.key, stage: 'CANCELLED' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  beforeEach(() => {
    consoleErrors = [];
    browser.page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  const readPage = () => browser.page.evaluate<Page>(READ_PAGE);
  const chart = (page: Page, id: string) => {
    const found = page.charts.find((c) => c.id === id);
    if (!found) throw new Error(`no chart ${id}`);
    return found;
  };

  async function open(path: string): Promise<Page> {
    await browser.page.goto(`${t.url}${path}`);
    return within(10_000, readPage, (p) => p.state === 'ready', 'the charts to be drawn');
  }

  /** Set the filter's fields as a user would, press Show, and wait for charts that pass `accept`. */
  async function filterBy(
    fields: { after: string; before: string; priority?: string },
    accept: (page: Page) => boolean,
    what: string,
  ): Promise<Page> {
    await browser.page.fill('#after', fields.after);
    await browser.page.fill('#before', fields.before);
    if (fields.priority) await browser.page.selectOption('#priority', fields.priority);
    await browser.page.click('#filter button[type=submit]');
    return within(5000, readPage, (p) => p.state === 'ready' && accept(p), what);
  }

  /** The values a duration chart must show for these groups: the API's seconds in its unit. */
  const expected = (groups: (Group | null)[], metric: 'ttd' | 'ttr', field: keyof Stats, unit: number) =>
    groups.map((g) => (g === null || g[metric][field] === null ? null : (g[metric][field] as number) / unit));

  it('draws what incidentMetrics answers: TTD and TTR by month in a p90/p95 band, by client, by site, and the count by priority', async () => {
    const api = await t.ok<Metrics>(METRICS, { filter: {} }, t.tokens.viewer);
    const page = await open(`/insights?token=${encodeURIComponent(t.tokens.viewer)}`);

    // the token left the address bar, as on the wallboard
    expect(browser.page.url()).toBe(`${t.url}/insights`);
    expect(page.summary).toMatch(/^5 incidents · median TTD \d/);
    expect(page.charts.map((c) => c.id)).toEqual([
      'ttdByMonth',
      'ttrByMonth',
      'ttdByClient',
      'ttrByClient',
      'ttdBySite',
      'ttrBySite',
      'countByPriority',
    ]);

    // by month: every month from the first to the last, August as a gap (not a zero)
    for (const metric of ['ttd', 'ttr'] as const) {
      const drawn = chart(page, `${metric}ByMonth`);
      expect(drawn).toMatchObject({ type: 'line', empty: false, canvasVisible: true, noDataVisible: false });
      expect(drawn.labels).toEqual(['2026-07', '2026-08', '2026-09']);
      expect(api.byMonth.map((g) => g.key.month)).toEqual(['2026-07', '2026-09']);
      const rows = drawn.labels.map((month) => api.byMonth.find((g) => g.key.month === month) ?? null);
      const unit = drawn.unitSeconds!;
      expect(drawn.datasets.map((d) => [d.label, d.fill])).toEqual([
        ['median (p50)', false],
        ['p90', 0], // the band from the median up to p90
        ['p95', 1], // and on to p95
      ]);
      expect(drawn.datasets.map((d) => d.data)).toEqual([
        expected(rows, metric, 'p50', unit),
        expected(rows, metric, 'p90', unit),
        expected(rows, metric, 'p95', unit),
      ]);
      expect(drawn.datasets[0].data[1]).toBeNull();
    }
    // readable units: TTD up to an hour in minutes, TTR up to 5 hours in hours
    expect(chart(page, 'ttdByMonth')).toMatchObject({
      unitSeconds: MINUTE,
      yTitle: 'time to detect (minutes)',
    });
    expect(chart(page, 'ttrByMonth')).toMatchObject({ unitSeconds: HOUR, yTitle: 'time to recover (hours)' });
    // September's TTR is the one mitigated incident's (45 minutes); the other is not counted
    expect(api.byMonth[1].ttr).toMatchObject({ count: 1, missing: 1, p50: 45 * MINUTE });
    expect(chart(page, 'ttrByMonth').datasets[0].data[2]).toBe(0.75);
    // and in words, for screen readers
    expect(chart(page, 'ttrByMonth').text).toMatch(
      /; 2026-08: no data; 2026-09: median 45m, p90 45m, p95 45m over 1$/,
    );

    // by client and by site: the API's groups, in its order, median and p90 bars
    for (const [by, groups] of [
      ['Client', api.byClient],
      ['Site', api.bySite],
    ] as const) {
      for (const metric of ['ttd', 'ttr'] as const) {
        const drawn = chart(page, `${metric}By${by}`);
        expect(drawn).toMatchObject({ type: 'bar', empty: false, canvasVisible: true });
        expect(drawn.labels).toEqual(groups.map((g) => g.key.label));
        expect(drawn.datasets.map((d) => d.label)).toEqual(['median (p50)', 'p90']);
        expect(drawn.datasets.map((d) => d.data)).toEqual([
          expected(groups, metric, 'p50', drawn.unitSeconds!),
          expected(groups, metric, 'p90', drawn.unitSeconds!),
        ]);
      }
    }
    expect(api.byClient.map((g) => g.count)).toEqual([2, 3]);
    // two clients side by side; ten sites as rows
    expect(api.bySite.length).toBeGreaterThan(8);
    expect(chart(page, 'ttdByClient').indexAxis).toBe('x');
    expect(chart(page, 'ttdBySite').indexAxis).toBe('y');
    // a site with one incident shows that incident's own durations: Clifton, 12 minutes and 2 hours
    const clifton = api.bySite.findIndex((g) => g.key.siteId === 'wf0001');
    expect(chart(page, 'ttdBySite').datasets[0].data[clifton]).toBe(
      12 * (MINUTE / chart(page, 'ttdBySite').unitSeconds!),
    );
    expect(chart(page, 'ttrBySite').datasets[0].data[clifton]).toBe(
      2 * (HOUR / chart(page, 'ttrBySite').unitSeconds!),
    );

    // by priority: all four, zero included; the cancelled P1 is not counted
    const byPriority = chart(page, 'countByPriority');
    expect(byPriority.labels).toEqual(['P1', 'P2', 'P3', 'P4']);
    const counted = (p: string) => api.byPriority.find((g) => g.key.priority === p)?.count ?? 0;
    expect(byPriority.datasets[0].data).toEqual(['P1', 'P2', 'P3', 'P4'].map(counted));
    expect(byPriority.datasets[0].data).toEqual([1, 2, 2, 0]);

    // every chart is named for assistive technology by its caption
    for (const drawn of page.charts) {
      await expect(browser.page.getByRole('img', { name: drawn.title }).count()).resolves.toBe(1);
    }

    const shot = await browser.screenshot('insights-1400x900');
    expect(existsSync(shot) && statSync(shot).size > 1000).toBe(true);
    // on a phone: one column, the charts shrink to fit, no sideways scrolling
    await browser.page.setViewportSize({ width: 390, height: 844 });
    await within(
      2000,
      () => browser.page.evaluate<number>('document.documentElement.scrollWidth'),
      (width) => width <= 390,
      'the charts to fit the phone',
    );
    await browser.screenshot('insights-390x844');

    // everything came from the hub: the page, Chart.js (from node_modules), the API
    expect(browser.requests.filter((url) => !url.startsWith(`${t.url}/`))).toEqual([]);
    expect(browser.requests).toEqual(
      expect.arrayContaining([`${t.url}/assets/chart.js`, `${t.url}/assets/token.js`, `${t.url}/graphql`]),
    );
    expect(browser.pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('filters by priority and declaration dates, and says "No data" where nothing is left', async () => {
    await open(`/insights?token=${encodeURIComponent(t.tokens.viewer)}&priority=P2`);
    // the filter stays in the address bar (the token does not)
    expect(browser.page.url()).toBe(`${t.url}/insights?priority=P2`);
    let page = await readPage();
    expect(chart(page, 'countByPriority').datasets[0].data).toEqual([0, 2, 0, 0]);
    const p2 = await t.ok<Metrics>(METRICS, { filter: { priorities: ['P2'] } }, t.tokens.viewer);
    const ttr = chart(page, 'ttrByClient');
    expect(ttr.labels).toEqual(p2.byClient.map((g) => g.key.label));
    expect(ttr.datasets[0].data).toEqual(expected(p2.byClient, 'ttr', 'p50', ttr.unitSeconds!));

    // only September (declared from the 1st to the 30th, inclusive): P2 there is not mitigated
    page = await filterBy(
      { after: '2026-09-01', before: '2026-09-30' },
      (p) => chart(p, 'ttdByMonth').labels.join() === '2026-09',
      'the September charts',
    );
    expect(browser.page.url()).toBe(`${t.url}/insights?after=2026-09-01&before=2026-09-30&priority=P2`);
    expect(chart(page, 'ttdByMonth')).toMatchObject({ empty: false, unitSeconds: MINUTE });
    expect(chart(page, 'ttdByMonth').datasets[0].data).toEqual([60]);
    for (const id of ['ttrByMonth', 'ttrByClient', 'ttrBySite']) {
      expect(chart(page, id)).toMatchObject({
        empty: true,
        noDataVisible: true,
        canvasVisible: false,
        labels: [],
      });
    }
    expect(await browser.page.locator('figure[data-chart="ttrByMonth"] .missing').innerText()).toBe(
      '1 incident not mitigated yet, not counted',
    );

    // no P4 at all: every chart says so
    page = await filterBy(
      { after: '', before: '', priority: 'P4' },
      (p) => p.charts.every((c) => c.empty),
      'every chart to be empty',
    );
    expect(page.summary).toBe('0 incidents');
    for (const drawn of page.charts)
      expect(drawn).toMatchObject({ noDataVisible: true, canvasVisible: false });
    await browser.screenshot('insights-no-data');
    expect(browser.pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('without a token asks for one and refuses a bad one, as the wallboard does', async () => {
    await browser.page.goto(`${t.url}/insights`);
    let page = await within(5000, readPage, (p) => p.loginVisible, 'the login form');
    expect(page).toMatchObject({ state: 'error', statusText: 'no token', loginError: '' });
    expect(page.charts.every((c) => c.type === null)).toBe(true);
    expect(await browser.page.locator('#charts').isVisible()).toBe(false);

    await browser.page.fill('#token', 'ih_not-a-real-token');
    await browser.page.click('#login button[type=submit]');
    page = await within(5000, readPage, (p) => p.loginError !== '', 'the refusal');
    expect(page).toMatchObject({
      loginVisible: true,
      loginError: 'That token was refused.',
      statusText: 'no token',
    });
    expect(await browser.page.locator('#charts').isVisible()).toBe(false);

    await browser.page.fill('#token', t.tokens.viewer);
    await browser.page.click('#login button[type=submit]');
    page = await within(10_000, readPage, (p) => p.state === 'ready', 'the charts after logging in');
    expect(page.loginVisible).toBe(false);
    expect(chart(page, 'countByPriority').datasets[0].data).toEqual([1, 2, 2, 0]);
  });
});
