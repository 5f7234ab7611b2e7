// CSV exports: incidents.csv (the incidents filter from the query string) and an incident's
// timeline.csv. Read back with the test's own RFC 4180 reader: every cell round-trips, texts with
// commas, quotes and line breaks included, and no cell starts as a formula.
import { Stage } from '../../src/domain/enums';
import { parseRfc4180 } from '../support/csv-parse';
import { CHANGE_STAGE, INCIDENT } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const FORMULA_START = /^[=+\-@\t\r]/;
/** What a text cell must read back as: the text, with a leading ' when it would start a formula. */
const cellOf = (text: string | null): string =>
  text === null ? '' : FORMULA_START.test(text) ? `'${text}` : text;

/** The tricky texts: a DDE formula, commas, quotes, CRLF and LF line breaks, a tab start. */
const NASTY = {
  summary: `=cmd|' /C calc'!A0, "quoted", done`,
  description: `Line one, with "quotes"\r\nLine two\n+SUM(A1:A9)\n@import`,
  clientImpact: '-2+3 orders lost; =HYPERLINK("http://evil.example","click")',
  clientUrgency: '\tcritical, today',
};

async function get(path: string, token: string | null = t.tokens.viewer, bearer = false) {
  const url = new URL(path, t.url);
  if (token && !bearer) url.searchParams.set('token', token);
  const res = await fetch(url, { headers: token && bearer ? { authorization: `Bearer ${token}` } : {} });
  // decoded keeping the byte order mark, which res.text() would drop
  return { res, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()) };
}

/** The CSV as objects by header, after checking the BOM, RFC 4180 and that no cell starts a formula. */
function read(text: string): { header: string[]; rows: Record<string, string>[] } {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const [header, ...records] = parseRfc4180(text.slice(1));
  expect(records.filter((r) => r.length !== header.length)).toEqual([]);
  expect(records.flat().filter((cell) => FORMULA_START.test(cell))).toEqual([]);
  return { header, rows: records.map((r) => Object.fromEntries(header.map((h, n) => [h, r[n]]))) };
}

/** What incidents.csv has beyond the IncidentFields fragment. */
const MORE = `query($key: String!) { incident(key: $key) { description clientImpact affectedClients { name } } }`;
interface More {
  description: string | null;
  clientImpact: string | null;
  affectedClients: { name: string }[];
}

describe('GET /export/incidents.csv', () => {
  it('exports texts with commas, quotes, line breaks and formulas so that every cell round-trips and none runs', async () => {
    const declared = await declare(t, {
      ...NASTY,
      faultyServiceId: t.catalogue.orderSync.id,
      affectedClientSlugs: ['wakefern', 'albertsons'],
      affectedSiteIds: ['wf0001', 'ab0001'],
      impactStartedAt: new Date(Date.now() - 3_600_500).toISOString(),
      detectedAt: new Date(Date.now() - 1_800_000).toISOString(),
    });
    await t.ok(CHANGE_STAGE, { input: { incidentKey: declared.key, stage: Stage.MITIGATED } });
    const incident = (await t.ok(INCIDENT, { key: declared.key })).incident!;
    const more = (await t.ok<{ incident: More }>(MORE, { key: declared.key })).incident;

    const { res, text } = await get(`/export/incidents.csv?text=${encodeURIComponent(declared.key)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="incidents.csv"');
    const { header, rows } = read(text);
    expect(rows).toHaveLength(1);
    const iso = (v: string | null) => v ?? '';
    const number = (v: number | null) => (v === null ? '' : String(v));
    const names = (v: string[]) => v.join('; ');
    const expected: Record<string, string> = {
      key: incident.key,
      summary: cellOf(incident.summary),
      priority: incident.priority,
      stage: 'MITIGATED',
      clients: names(more.affectedClients.map((c) => c.name)),
      client_slugs: names(incident.affectedClients.map((c) => c.slug)),
      sites: names(incident.affectedSites.map((s) => s.siteId)),
      service: incident.faultyService.name,
      client_impact_level: 'SIGNIFICANT',
      client_urgency_level: 'HIGH',
      impact_started_at: iso(incident.impactStartedAt),
      detected_at: iso(incident.detectedAt),
      acknowledged_at: iso(incident.acknowledgedAt),
      identified_at: iso(incident.identifiedAt),
      mitigated_at: iso(incident.mitigatedAt),
      closed_at: iso(incident.closedAt),
      ttd_seconds: number(incident.timeToDetectSeconds),
      tta_seconds: number(incident.timeToAcknowledgeSeconds),
      ttr_seconds: number(incident.timeToRecoverSeconds),
      zendesk_ticket_id: '',
      description: cellOf(more.description),
      client_impact: cellOf(more.clientImpact),
    };
    expect(header).toEqual(Object.keys(expected));
    expect(rows[0]).toEqual(expected);
    // the texts were really stored as sent, so the round trip above covered them
    expect(incident.summary).toBe(NASTY.summary);
    expect(more.description).toBe(NASTY.description);
    expect(rows[0].ttr_seconds).not.toBe('');
  });

  it('applies the incidents filter from the query string, lists repeated or comma-separated', async () => {
    for (let i = 0; i < 3; i++) await declare(t, { affectedClientSlugs: ['wakefern'] });
    const cancelled = await declare(t, { affectedClientSlugs: ['wakefern'] });
    await t.ok(CHANGE_STAGE, { input: { incidentKey: cancelled.key, stage: Stage.CANCELLED } });
    const keysOf = async (filter: Record<string, unknown>) =>
      (
        await t.ok<{ incidents: { nodes: { key: string }[] } }>(
          `query($filter: IncidentFilter) { incidents(filter: $filter, first: 100) { nodes { key } } }`,
          { filter },
        )
      ).incidents.nodes.map((n) => n.key);
    const cases: [string, Record<string, unknown>][] = [
      ['clientSlugs=wakefern', { clientSlugs: ['wakefern'] }],
      [
        'clientSlugs=wakefern&stages=CANCELLED,MITIGATED',
        { clientSlugs: ['wakefern'], stages: ['CANCELLED', 'MITIGATED'] },
      ],
      ['stages=CANCELLED&stages=MITIGATED', { stages: ['CANCELLED', 'MITIGATED'] }],
      ['open=false', { open: false }],
      ['open=true&priorities=P1,P2', { open: true, priorities: ['P1', 'P2'] }],
      ['siteIds=wf0001', { siteIds: ['wf0001'] }],
      [`serviceIds=${t.catalogue.orderSync.id}`, { serviceIds: [t.catalogue.orderSync.id] }],
      ['declaredAfter=2000-01-01T00:00:00Z&declaredBefore=2100-01-01T00:00:00Z', {}],
      ['text=calc', { text: 'calc' }],
    ];
    for (const [query, filter] of cases) {
      const { res, text } = await get(`/export/incidents.csv?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 200 });
      const expected = await keysOf(filter);
      expect(expected.length).toBeGreaterThan(0);
      expect({ query, keys: read(text).rows.map((r) => r.key) }).toEqual({ query, keys: expected });
    }
  });

  it('answers 400 naming the parameter for a bad value or an unknown parameter', async () => {
    for (const [query, field] of [
      ['priorities=P9', 'priorities'],
      ['stages=DONE', 'stages'],
      ['declaredAfter=yesterday', 'declaredAfter'],
      ['open=maybe', 'open'],
      ['serviceIds=not-an-id', 'serviceIds'],
      ['colour=red', 'colour'],
    ]) {
      const { res, text } = await get(`/export/incidents.csv?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      const body = JSON.parse(text) as { error: string; field: string };
      expect(body.field.split('.')[0]).toBe(field);
      expect(body.error).toContain(field);
    }
  });

  it('requires a token: 401 without one or with an unknown one; a bearer header works as ?token=', async () => {
    expect((await get('/export/incidents.csv', null)).res.status).toBe(401);
    expect((await get('/export/incidents.csv', 'not-a-token')).res.status).toBe(401);
    expect((await get('/export/incidents/x/timeline.csv', null)).res.status).toBe(401);
    const byHeader = await get('/export/incidents.csv', t.tokens.viewer, true);
    const byQuery = await get('/export/incidents.csv', t.tokens.viewer);
    expect(byHeader.res.status).toBe(200);
    expect(byHeader.text).toBe(byQuery.text);
    // the token in the address is not written to the request log
    expect(t.logs.some((line) => line.includes('/export/incidents.csv?token=[redacted]'))).toBe(true);
    expect(t.logs.filter((line) => line.includes(t.tokens.viewer))).toEqual([]);
  });

  it('streams every incident of a large export in batches, each once, newest first', async () => {
    await t.database.dataSource.query(
      `INSERT INTO incident (key, summary, client_impact_level, client_urgency_level, priority, stage,
         faulty_service_id, impact_started_at, detected_at, acknowledged_at, version)
       SELECT 'bulk-' || n, '=Bulk ' || n, 'MINOR', 'LOW', 'P4', 'CLOSED', $1,
         at - interval '2 hours', at - interval '1 hour', at, 1
       FROM generate_series(1, 1234) n,
         LATERAL (SELECT timestamptz '2025-01-01T00:00:00Z' + n * interval '1 minute' AS at) x`,
      [t.catalogue.orderSync.id],
    );
    const { count } = (
      await t.database.dataSource.query('SELECT count(*)::int AS count FROM incident')
    )[0] as {
      count: number;
    };
    const run = await t.database.queries.measure(() => get('/export/incidents.csv'));
    const { res, text } = run.result;
    expect(res.status).toBe(200);
    const { rows } = read(text);
    expect(rows).toHaveLength(count);
    // per batch of 500: the page, then clients, sites and services (one statement each); and the token
    const statements = run.sql.filter((q) => !/FROM "api_token"/.test(q));
    expect(statements).toHaveLength(4 * Math.ceil(count / 500));
    expect(count).toBeGreaterThan(1000);
    expect(new Set(rows.map((r) => r.key)).size).toBe(count);
    const declared = rows.map((r) => Date.parse(r.acknowledged_at));
    expect(declared).toEqual([...declared].sort((a, b) => b - a));
    expect(rows.find((r) => r.key === 'bulk-7')).toMatchObject({
      summary: "'=Bulk 7",
      ttd_seconds: '3600',
      tta_seconds: '3600',
    });
  });
});

describe('GET /export/incidents/<key>/timeline.csv', () => {
  it('exports every entry, oldest first, with texts that round-trip and never run', async () => {
    const declared = await declare(t, { summary: 'Timeline export' });
    const notes = [
      '=HYPERLINK("http://evil.example","click")',
      'Restarted, "twice"\r\nthen waited\nand +1',
      '@here look',
    ];
    for (const text of notes)
      await t.ok(`mutation($input: AddNoteInput!) { addNote(input: $input) { id } }`, {
        input: { incidentKey: declared.key, text },
      });
    const { timeline } = (
      await t.ok<{
        incident: {
          timeline: {
            nodes: { occurredAt: string; kind: string; text: string; actor: { name: string } | null }[];
          };
        };
      }>(
        `query($key: String!) { incident(key: $key) { timeline(first: 100) { nodes { occurredAt kind text actor { name } } } } }`,
        { key: declared.key },
      )
    ).incident;

    const { res, text } = await get(`/export/incidents/${declared.key}/timeline.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="${declared.key}-timeline.csv"`,
    );
    const { header, rows } = read(text);
    expect(header).toEqual(['occurred_at', 'kind', 'actor', 'text', 'data']);
    expect(rows.map(({ data: _data, ...r }) => r)).toEqual(
      timeline.nodes.map((n) => ({
        occurred_at: n.occurredAt,
        kind: n.kind,
        actor: n.actor?.name ?? '',
        text: cellOf(n.text),
      })),
    );
    expect(rows.filter((r) => r.kind === 'NOTE').map((r) => r.text)).toEqual(notes.map(cellOf));
  });

  it('answers 404 for an unknown key', async () => {
    expect((await get('/export/incidents/no-such-incident/timeline.csv')).res.status).toBe(404);
  });
});
