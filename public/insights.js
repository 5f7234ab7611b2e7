// Insights: how long incidents take to detect (TTD) and to recover from (TTR), by month (median
// line in a p90/p95 band), by client and by site (p50 and p90 bars), and how many there were of
// each priority. One incidentMetrics query per grouping, in one request; drawn with Chart.js
// (served by the hub from its installed packages). Durations come in seconds and are drawn in
// the unit that reads best for the largest value shown (minutes, hours or days).
(function () {
  'use strict';

  const auth = window.incidentHubToken;

  const STATS = 'count missing p50 p90 p95';
  const GROUP = `key { label month priority } count ttd { ${STATS} } ttr { ${STATS} }`;
  const QUERY = `query Insights($filter: IncidentFilter) {
    all: incidentMetrics(filter: $filter) { ${GROUP} }
    byMonth: incidentMetrics(filter: $filter, groupBy: [MONTH]) { ${GROUP} }
    byClient: incidentMetrics(filter: $filter, groupBy: [CLIENT]) { ${GROUP} }
    bySite: incidentMetrics(filter: $filter, groupBy: [SITE]) { ${GROUP} }
    byPriority: incidentMetrics(filter: $filter, groupBy: [PRIORITY]) { key { label priority } count }
  }`;

  const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
  /** More groups than this (clients, sites) are drawn as horizontal bars. */
  const HORIZONTAL_FROM = 8;
  const COLORS = {
    ttd: { line: '#4ea1ff', band: 'rgba(78, 161, 255, 0.30)', outer: 'rgba(78, 161, 255, 0.14)' },
    ttr: { line: '#4cd98a', band: 'rgba(76, 217, 138, 0.30)', outer: 'rgba(76, 217, 138, 0.14)' },
    priority: { P1: '#ff5c5c', P2: '#ff9f43', P3: '#f5d142', P4: '#98a2ad' },
  };
  const METRIC = { ttd: 'time to detect', ttr: 'time to recover' };
  /** Why an incident lacks a metric: TTD needs detection, TTR mitigation. */
  const MISSING = { ttd: 'without a detection time', ttr: 'not mitigated yet' };

  /** What is drawn: one figure each, in this order. */
  const CHARTS = [
    { id: 'ttdByMonth', title: 'Time to detect by month: median, p90 and p95', wide: true },
    { id: 'ttrByMonth', title: 'Time to recover by month: median, p90 and p95', wide: true },
    { id: 'ttdByClient', title: 'Time to detect by client: median and p90' },
    { id: 'ttrByClient', title: 'Time to recover by client: median and p90' },
    { id: 'ttdBySite', title: 'Time to detect by site: median and p90' },
    { id: 'ttrBySite', title: 'Time to recover by site: median and p90' },
    { id: 'countByPriority', title: 'Incidents by priority' },
  ];

  const statusEl = document.getElementById('status');
  const summaryEl = document.getElementById('summary');
  const chartsEl = document.getElementById('charts');
  const filterEl = document.getElementById('filter');

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function el(tag, className, textContent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (textContent !== undefined) node.textContent = textContent;
    return node;
  }

  // ---- units -------------------------------------------------------------------------------

  const UNITS = [
    { seconds: 60, name: 'minutes', upTo: 2 * 3600 },
    { seconds: 3600, name: 'hours', upTo: 3 * 86400 },
    { seconds: 86400, name: 'days', upTo: Infinity },
  ];

  /** The unit for an axis whose largest value is this many seconds. */
  const unitFor = (maxSeconds) => UNITS.find((u) => maxSeconds <= u.upTo);

  /** "45s", "14m", "2h 05m", "3d 4h": a duration as incident people say it. */
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return 'no data';
    const s = Math.round(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.round(s / 60)}m`;
    if (s < 86400) {
      const m = Math.round(s / 60);
      return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
    }
    const h = Math.round(s / 3600);
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }

  /** Seconds to the axis unit; null stays null (a gap, not a zero). */
  const inUnit = (seconds, unit) => (seconds === null ? null : seconds / unit.seconds);

  // ---- figures -----------------------------------------------------------------------------

  const drawn = new Map();

  function figures() {
    const grid = chartsEl.querySelector('.grid');
    grid.replaceChildren(
      ...CHARTS.map((spec) => {
        const figure = el('figure', spec.wide ? 'wide' : '');
        figure.dataset.chart = spec.id;
        const caption = el('figcaption', '', spec.title);
        caption.id = `${spec.id}-title`;
        const plot = el('div', 'plot');
        const canvas = el('canvas');
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-labelledby', caption.id);
        plot.appendChild(canvas);
        figure.append(caption, plot, el('p', 'no-data', 'No data'), el('p', 'missing'));
        return figure;
      }),
    );
  }

  /**
   * Draw one figure: its chart, or "No data" when nothing in it has a value. `text` is the data
   * as sentences, the canvas's fallback content for screen readers.
   */
  function draw(id, config, hasData, text, missing) {
    const figure = chartsEl.querySelector(`figure[data-chart="${id}"]`);
    const canvas = figure.querySelector('canvas');
    const old = drawn.get(id);
    if (old) old.destroy();
    drawn.delete(id);
    figure.dataset.empty = String(!hasData);
    figure.querySelector('.missing').textContent = missing || '';
    canvas.textContent = hasData ? text : 'No data';
    if (!hasData) return;
    figure.dataset.unitSeconds = config.unit ? String(config.unit.seconds) : '';
    figure.querySelector('.plot').style.height = config.height || '';
    drawn.set(id, new window.Chart(canvas, config.chart));
  }

  function durationAxis(unit, what) {
    return {
      beginAtZero: true,
      title: { display: true, text: `${what} (${unit.name})` },
      ticks: { callback: (value) => `${+value.toFixed(1)}` },
    };
  }

  function tooltip(unit, groups, metric) {
    return {
      callbacks: {
        label: (item) => {
          const stats = groups[item.dataIndex] && groups[item.dataIndex][metric];
          const n = stats ? ` (${stats.count} incident${stats.count === 1 ? '' : 's'})` : '';
          return `${item.dataset.label}: ${duration(item.raw * unit.seconds)}${n}`;
        },
      },
    };
  }

  /** "2026-01" … "2026-04": every month from the first to the last, so the axis runs evenly. */
  function monthsBetween(first, last) {
    const months = [];
    let [y, m] = first.split('-').map(Number);
    for (let guard = 0; guard < 600; guard++) {
      const month = `${y}-${String(m).padStart(2, '0')}`;
      months.push(month);
      if (month >= last) break;
      m += 1;
      if (m > 12) [y, m] = [y + 1, 1];
    }
    return months;
  }

  /** "2026-07: median 12m, p90 28m over 3", a chart's data in words for screen readers. */
  function sentence(label, stats, percentiles) {
    if (stats.p50 === null) return `${label}: no data`;
    const upper = percentiles.map((p) => `, ${p} ${duration(stats[p])}`).join('');
    return `${label}: median ${duration(stats.p50)}${upper} over ${stats.count}`;
  }

  const missingText = (groups, metric) => {
    const missing = groups.reduce((sum, g) => sum + g[metric].missing, 0);
    return missing ? `${missing} incident${missing === 1 ? '' : 's'} ${MISSING[metric]}, not counted` : '';
  };

  const maxOf = (groups, metric, fields) =>
    Math.max(0, ...groups.flatMap((g) => fields.map((f) => g[metric][f])).filter((v) => v !== null));

  /** A metric by month: the median as a line inside a band up to p90, and a lighter one up to p95. */
  function byMonth(id, groups, metric) {
    const known = groups.filter((g) => g.key.month);
    const hasData = known.some((g) => g[metric].p50 !== null);
    const months = known.length ? monthsBetween(known[0].key.month, known[known.length - 1].key.month) : [];
    const rows = months.map((month) => known.find((g) => g.key.month === month) || null);
    const stats = rows.map((g) => (g ? g[metric] : { count: 0, p50: null, p90: null, p95: null }));
    const unit = unitFor(maxOf(known, metric, ['p50', 'p90', 'p95']));
    const color = COLORS[metric];
    const series = (field) => stats.map((s) => inUnit(s[field], unit));
    const line = (label, field, extra) => ({
      label,
      data: series(field),
      borderColor: color.line,
      pointBackgroundColor: color.line,
      pointRadius: 3,
      spanGaps: true, // a month without incidents is no reason to break the line (its point stays null)
      ...extra,
    });
    const text = months.map((month, i) => sentence(month, stats[i], ['p90', 'p95'])).join('; ');
    draw(
      id,
      {
        unit,
        chart: {
          type: 'line',
          data: {
            labels: months,
            datasets: [
              line('median (p50)', 'p50', { borderWidth: 3, fill: false }),
              line('p90', 'p90', {
                borderWidth: 1,
                borderDash: [6, 4],
                fill: 0,
                backgroundColor: color.band,
              }),
              line('p95', 'p95', {
                borderWidth: 1,
                borderDash: [2, 3],
                fill: 1,
                backgroundColor: color.outer,
              }),
            ],
          },
          options: {
            scales: {
              x: { title: { display: true, text: 'month declared (UTC)' } },
              y: durationAxis(unit, METRIC[metric]),
            },
            plugins: {
              tooltip: tooltip(
                unit,
                stats.map((s) => ({ [metric]: s })),
                metric,
              ),
            },
          },
        },
      },
      hasData,
      text,
      missingText(known, metric),
    );
  }

  /** A metric's median and p90 per group (client or site), as bars. */
  function byGroup(id, groups, metric, what) {
    const hasData = groups.some((g) => g[metric].p50 !== null);
    const unit = unitFor(maxOf(groups, metric, ['p50', 'p90']));
    const color = COLORS[metric];
    const horizontal = groups.length > HORIZONTAL_FROM;
    const groupAxis = { title: { display: true, text: what } };
    const valueAxis = durationAxis(unit, METRIC[metric]);
    const text = groups.map((g) => sentence(g.key.label, g[metric], ['p90'])).join('; ');
    draw(
      id,
      {
        unit,
        chart: {
          type: 'bar',
          data: {
            labels: groups.map((g) => g.key.label),
            datasets: [
              {
                label: 'median (p50)',
                data: groups.map((g) => inUnit(g[metric].p50, unit)),
                backgroundColor: color.line,
              },
              {
                label: 'p90',
                data: groups.map((g) => inUnit(g[metric].p90, unit)),
                backgroundColor: color.band,
                borderColor: color.line,
                borderWidth: 1,
              },
            ],
          },
          // Many groups (a client with dozens of sites) read better as horizontal bars, a row each.
          options: {
            indexAxis: horizontal ? 'y' : 'x',
            scales: horizontal ? { y: groupAxis, x: valueAxis } : { x: groupAxis, y: valueAxis },
            plugins: { tooltip: tooltip(unit, groups, metric) },
          },
        },
        height: horizontal ? `${4 + groups.length * 1.6}rem` : '',
      },
      hasData,
      text,
      missingText(groups, metric),
    );
  }

  /** How many incidents of each priority, all four shown (zero included). */
  function byPriority(groups) {
    const count = (p) => (groups.find((g) => g.key.priority === p) || { count: 0 }).count;
    const counts = PRIORITIES.map(count);
    draw(
      'countByPriority',
      {
        chart: {
          type: 'bar',
          data: {
            labels: PRIORITIES,
            datasets: [
              {
                label: 'incidents',
                data: counts,
                backgroundColor: PRIORITIES.map((p) => COLORS.priority[p]),
              },
            ],
          },
          options: {
            scales: {
              x: { title: { display: true, text: 'priority' } },
              y: { beginAtZero: true, title: { display: true, text: 'incidents' }, ticks: { precision: 0 } },
            },
            plugins: { legend: { display: false } },
          },
        },
      },
      counts.some((n) => n > 0),
      PRIORITIES.map((p, i) => `${p}: ${counts[i]}`).join('; '),
    );
  }

  // ---- the filter --------------------------------------------------------------------------

  const fields = {
    after: document.getElementById('after'),
    before: document.getElementById('before'),
    priority: document.getElementById('priority'),
  };
  const DATE = /^\d{4}-\d{2}-\d{2}$/;

  /** The filter in the address bar (?after=2026-01-01&before=2026-03-31&priority=P1). */
  function readFilter() {
    const params = new URLSearchParams(location.search);
    const valid = {
      after: DATE.test(params.get('after') || '') ? params.get('after') : '',
      before: DATE.test(params.get('before') || '') ? params.get('before') : '',
      priority: PRIORITIES.includes(params.get('priority')) ? params.get('priority') : '',
    };
    for (const [name, value] of Object.entries(valid)) fields[name].value = value;
    return valid;
  }

  /** The IncidentFilter: declared from the start of `after` until the end of `before` (UTC). */
  function incidentFilter(chosen) {
    const filter = {};
    if (chosen.after) filter.declaredAfter = `${chosen.after}T00:00:00.000Z`;
    if (chosen.before) {
      const end = new Date(`${chosen.before}T00:00:00.000Z`);
      end.setUTCDate(end.getUTCDate() + 1);
      filter.declaredBefore = end.toISOString();
    }
    if (chosen.priority) filter.priorities = [chosen.priority];
    return filter;
  }

  filterEl.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [name, input] of Object.entries(fields)) if (input.value) params.set(name, input.value);
    const query = params.toString();
    history.replaceState(null, '', location.pathname + (query ? `?${query}` : ''));
    load();
  });

  // ---- loading -----------------------------------------------------------------------------

  let generation = 0;

  async function load() {
    const mine = ++generation;
    setStatus('loading', 'loading…');
    try {
      const body = await auth.post(QUERY, { filter: incidentFilter(readFilter()) });
      if (mine !== generation) return; // a newer filter was asked for meanwhile
      if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
      const data = body.data;
      const all = data.all[0] || { count: 0, ttd: { p50: null }, ttr: { p50: null } };
      summaryEl.textContent = [
        `${all.count} incident${all.count === 1 ? '' : 's'}`,
        all.ttd.p50 !== null ? `median TTD ${duration(all.ttd.p50)}` : '',
        all.ttr.p50 !== null ? `median TTR ${duration(all.ttr.p50)}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      filterEl.hidden = false;
      chartsEl.hidden = false;
      byMonth('ttdByMonth', data.byMonth, 'ttd');
      byMonth('ttrByMonth', data.byMonth, 'ttr');
      byGroup('ttdByClient', data.byClient, 'ttd', 'client');
      byGroup('ttrByClient', data.byClient, 'ttr', 'client');
      byGroup('ttdBySite', data.bySite, 'ttd', 'site');
      byGroup('ttrBySite', data.bySite, 'ttr', 'site');
      byPriority(data.byPriority);
      setStatus('ready', 'up to date');
    } catch (err) {
      if (err instanceof auth.Refused) return auth.ask(err.message);
      setStatus('error', `could not load: ${err.message}`);
    }
  }

  const Chart = window.Chart;
  Chart.defaults.color = '#c9d1d9';
  Chart.defaults.borderColor = 'rgba(201, 209, 217, 0.15)';
  Chart.defaults.font.size = 14;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  figures();
  if (!auth.token) auth.ask();
  else load();
})();
