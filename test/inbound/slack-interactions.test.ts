// Slack's forms and buttons: `/incident declare` and `/incident update` with no arguments open
// modals (views.open, checked by the fake Slack against Block Kit's rules), and their submissions
// and the buttons' clicks come to the signed POST /webhooks/slack/interactions as Slack sends
// them: a form body `payload=<JSON>` (https://docs.slack.dev/reference/interaction-payloads).
import { SlackFake } from '../support/fakes';
import { startTestHub, type TestHub } from '../support/test-hub';
import { alertmanagerExample, alertmanagerHeaders, post, slackHeaders } from '../support/webhooks';
import { waitFor } from '../support/wait-for';

const SECRET = 'slack-interactions-test-secret';
const ALERTMANAGER_SECRET = 'slack-interactions-alertmanager-secret';
const MANAGER = 'U0MANAGER1';
const RESPONDER = 'U0RESPOND1';
const FORM = { contentType: 'application/x-www-form-urlencoded' };

let slack: SlackFake;
let t: TestHub;
let triggers = 0;
const trigger = () => `13345224609.738474920.8088930838d88f008e0${++triggers}`;

beforeAll(async () => {
  slack = new SlackFake({
    users: [
      { id: MANAGER, name: 'manager', real_name: 'Manager Person' },
      { id: RESPONDER, name: 'responder', real_name: 'Responder Person' },
    ],
  });
  const apiUrl = await slack.start();
  t = await startTestHub({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: apiUrl,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_INCIDENTS_CHANNEL: '#incidents',
    ALERTMANAGER_WEBHOOK_SECRET: ALERTMANAGER_SECRET,
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    INTEGRATION_POLL_SECONDS: '0.5',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.stop();
});

async function command(text: string, user: string, channel: { id: string; name?: string }) {
  const form = new URLSearchParams({
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    team_id: slack.teamId,
    command: '/incident',
    text,
    user_id: user,
    channel_id: channel.id,
    channel_name: channel.name ?? 'general',
    response_url: slack.responseUrl(),
    trigger_id: trigger(),
  }).toString();
  return post(`${t.url}/webhooks/slack/commands`, form, slackHeaders(SECRET, form, FORM));
}

function interact(payload: Record<string, unknown>, secret = SECRET) {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return post(`${t.url}/webhooks/slack/interactions`, body, slackHeaders(secret, body, FORM));
}

type Values = Record<string, Record<string, unknown>>;
const text = (value: string) => ({ value: { type: 'plain_text_input', value } });
const choice = (value: string, type = 'static_select') => ({
  value: { type, selected_option: { text: { type: 'plain_text', text: value }, value } },
});
const choices = (...values: string[]) => ({
  value: { type: 'multi_static_select', selected_options: values.map((value) => ({ value })) },
});

/** A view_submission of the last modal opened, as Slack sends it. */
function submission(user: string, values: Values, opened = slack.openedViews.at(-1)!) {
  return {
    type: 'view_submission',
    team: { id: slack.teamId, domain: slack.teamDomain },
    user: { id: user, username: user.toLowerCase(), team_id: slack.teamId },
    api_app_id: 'A0HUB00001',
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    trigger_id: trigger(),
    view: {
      ...opened.view,
      id: opened.id,
      team_id: slack.teamId,
      state: { values },
      hash: '1569362015.55b5e41b',
    },
  };
}

function click(user: string, actionId: string, value: string, channel = 'C0INCIDENTS') {
  return {
    type: 'block_actions',
    team: { id: slack.teamId, domain: slack.teamDomain },
    user: { id: user, username: user.toLowerCase(), team_id: slack.teamId },
    api_app_id: 'A0HUB00001',
    token: 'gIkuvaNzQIHg97ATvDxqgjtO',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: channel },
    trigger_id: trigger(),
    channel: { id: channel, name: 'incidents' },
    response_url: slack.responseUrl(),
    actions: [
      {
        type: 'button',
        block_id: 'incident_actions',
        action_id: actionId,
        value,
        text: { type: 'plain_text', text: 'Go' },
        action_ts: '1700000001.000200',
      },
    ],
  };
}

const incidents = async () =>
  ((await t.hub.database.dataSource.query(`SELECT count(*)::int AS n FROM incident`)) as { n: number }[])[0]
    .n;

async function channelOf(key: string): Promise<string> {
  return waitFor(`the channel of ${key}`, async () => {
    const [row] = (await t.hub.database.dataSource.query(
      `SELECT r.external_id FROM external_record r JOIN incident i ON i.id = r.incident_id
        WHERE i.key = $1 AND r.system = 'SLACK'`,
      [key],
    )) as { external_id: string | null }[];
    return row?.external_id ?? undefined;
  });
}

async function declareFromForm(summary: string): Promise<string> {
  await command('declare', MANAGER, { id: 'C0ALBPROD1', name: 'albertsons-prod' });
  const res = await interact(
    submission(MANAGER, {
      summary: text(summary),
      client: choice('albertsons'),
      sites: choices('ab0001'),
      service: choice(t.catalogue.orderSync.id),
      impact: choice('EXTENSIVE'),
      urgency: choice('CRITICAL'),
    }),
  );
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ response_action: 'clear' });
  const [row] = (await t.hub.database.dataSource.query(`SELECT key FROM incident WHERE summary = $1`, [
    summary,
  ])) as { key: string }[];
  return row.key;
}

describe('Slack forms', () => {
  it('opens the declare form, with the catalogue and the levels, for `/incident declare`', async () => {
    const res = await command('declare', MANAGER, { id: 'C0ALBPROD1', name: 'albertsons-prod' });
    expect(res.body).toEqual({ response_type: 'ephemeral', text: 'The declare form is open.' });
    const { view } = slack.openedViews.at(-1)!;
    expect(view.callback_id).toBe('declare_incident');
    const blocks = view.blocks as { block_id: string; element: Record<string, any> }[]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(blocks.map((b) => b.block_id)).toEqual([
      'summary',
      'client',
      'sites',
      'service',
      'impact',
      'urgency',
    ]);
    const client = blocks[1].element;
    expect(client.options.map((o: { value: string }) => o.value)).toEqual(['albertsons', 'wakefern']);
    expect(client.initial_option.value).toBe('albertsons'); // the channel's client
    expect(blocks[2].element.option_groups.map((g: { label: { text: string } }) => g.label.text)).toEqual([
      'albertsons',
      'wakefern',
    ]);
    expect(blocks[4].element.options.map((o: { text: { text: string } }) => o.text.text)).toEqual([
      'Extensive',
      'Significant',
      'Moderate',
      'Minor',
    ]);
    expect(slack.invalidCalls).toEqual([]);
  });

  it('declares what the form chose, and invites the declarer to the channel', async () => {
    const key = await declareFromForm('Totes misrouted at Dallas');
    const [incident] = (await t.hub.database.dataSource.query(
      `SELECT i.priority, i.client_impact_level AS impact, i.client_urgency_level AS urgency, s.name AS service,
              (SELECT string_agg(site.site_id, ',') FROM incident_affected_site a JOIN site ON site.id = a.site_id
                WHERE a.incident_id = i.id) AS sites
         FROM incident i JOIN service s ON s.id = i.faulty_service_id WHERE i.key = $1`,
      [key],
    )) as Record<string, string>[];
    expect(key).toMatch(/^albertsons-incident-\d+$/);
    expect(incident).toEqual({
      priority: 'P1',
      impact: 'EXTENSIVE',
      urgency: 'CRITICAL',
      service: 'Order Sync',
      sites: 'ab0001',
    });
    const channelId = await channelOf(key);
    await waitFor('the declarer in the channel', async () => slack.channel(channelId)?.members.has(MANAGER));
    expect(slack.invalidCalls).toEqual([]);
  });

  it('invites whoever declares with the text form too', async () => {
    const res = await command('declare Scales offline client:wakefern', MANAGER, { id: 'C0GENERAL1' });
    const key = /\*(wakefern-incident-\d+)\*/.exec(String(res.body.text))![1];
    const channelId = await channelOf(key);
    await waitFor('the declarer in the channel', async () => slack.channel(channelId)?.members.has(MANAGER));
  });

  it('answers a wrong submission with errors by field, and changes nothing', async () => {
    await command('declare', MANAGER, { id: 'C0GENERAL1' });
    const before = await incidents();
    const empty = await interact(submission(MANAGER, { summary: text(' '), urgency: choice('SOMEDAY') }));
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({
      response_action: 'errors',
      errors: {
        summary: expect.stringContaining('Say what is wrong'),
        client: 'Choose the affected client.',
        impact: 'Choose one of the impact levels.',
        urgency: 'Choose one of the urgency levels.',
      },
    });
    const unknownSite = await interact(
      submission(MANAGER, {
        summary: text('Nowhere'),
        client: choice('albertsons'),
        sites: choices('zz9999'),
        impact: choice('MINOR'),
        urgency: choice('LOW'),
      }),
    );
    expect(unknownSite.body).toEqual({
      response_action: 'errors',
      errors: {
        sites: expect.stringMatching(/^Nothing was changed: affectedSiteIds: unknown site "zz9999"/),
      },
    });
    const responder = await interact(
      submission(RESPONDER, {
        summary: text('Not allowed'),
        client: choice('albertsons'),
        impact: choice('MINOR'),
        urgency: choice('LOW'),
      }),
    );
    expect(responder.body.errors).toEqual({
      summary: expect.stringContaining('declareIncident requires the INCIDENT_MANAGER access role'),
    });
    const stranger = await interact(submission('U0NOBODY01', { summary: text('Who?') }));
    expect(stranger.body.errors).toEqual({
      summary: expect.stringContaining("not among incident-hub's people"),
    });
    expect(await incidents()).toBe(before);
  });

  it('refuses a forged, unsigned or stale interaction with 401, and changes nothing', async () => {
    await command('declare', MANAGER, { id: 'C0GENERAL1' });
    const before = await incidents();
    const payload = submission(MANAGER, {
      summary: text('Forged'),
      client: choice('wakefern'),
      impact: choice('MINOR'),
      urgency: choice('LOW'),
    });
    expect((await interact(payload, 'not-the-secret')).status).toBe(401);
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const url = `${t.url}/webhooks/slack/interactions`;
    expect((await post(url, body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    const stale = slackHeaders(SECRET, body, { ...FORM, timestamp: Math.floor(Date.now() / 1000) - 400 });
    expect((await post(url, body, stale)).status).toBe(401);
    expect(await incidents()).toBe(before);
    const malformed = await post(url, 'payload=%7B', slackHeaders(SECRET, 'payload=%7B', FORM));
    expect(malformed.status).toBe(400);
  });

  it('posts a status update from the form that `/incident update` opens in the channel', async () => {
    const key = await declareFromForm('Dispensers jammed');
    const channel = { id: await channelOf(key), name: key };
    const opened = await command('update', RESPONDER, channel);
    expect(opened.body.text).toBe(`The status update form for ${key} is open.`);
    const { view } = slack.openedViews.at(-1)!;
    expect(view.callback_id).toBe('status_update');
    const res = await interact(
      submission(RESPONDER, {
        client_impact: text('orders late'),
        known_problem: text('dispenser firmware'),
        attempted: text('rebooted'),
        next_steps: text('roll back firmware'),
        audience: choice('EXTERNAL', 'radio_buttons'),
      }),
    );
    expect(res.body).toEqual({ response_action: 'clear' });
    const rows = (await t.hub.database.dataSource.query(
      `SELECT u.audience, u.client_impact, u.next_steps FROM status_update u JOIN incident i ON i.id = u.incident_id
        WHERE i.key = $1`,
      [key],
    )) as Record<string, string>[];
    expect(rows).toEqual([
      { audience: 'EXTERNAL', client_impact: 'orders late', next_steps: 'roll back firmware' },
    ]);
    const missing = await interact(submission(RESPONDER, { client_impact: text('x') }));
    expect(Object.keys(missing.body.errors as object).sort()).toEqual([
      'attempted',
      'audience',
      'known_problem',
      'next_steps',
    ]);
    expect(slack.invalidCalls).toEqual([]);
  });

  it("answers the buttons: open the status update form, and the announcement's join and take a role", async () => {
    const key = await declareFromForm('Conveyor stopped');
    const channelId = await channelOf(key);
    const announced = await waitFor('the announcement', async () =>
      slack.messages('incidents').find((m) => m.text.includes(`incident ${key} declared`)),
    );
    const [join, takeRole] = (announced.blocks![1] as { elements: { action_id: string; value: string }[] })
      .elements;
    expect([join.action_id, join.value, takeRole.action_id, takeRole.value]).toEqual([
      'join_incident',
      key,
      'take_role',
      key,
    ]);

    expect((await interact(click(RESPONDER, 'open_status_update', key))).status).toBe(200);
    const statusForm = slack.openedViews.at(-1)!;
    expect(statusForm.view.callback_id).toBe('status_update');
    expect(JSON.parse(String(statusForm.view.private_metadata))).toMatchObject({ incidentKey: key });

    expect(slack.channel(channelId)?.members.has(RESPONDER)).toBe(false);
    expect((await interact(click(RESPONDER, join.action_id, join.value))).status).toBe(200);
    expect(slack.channel(channelId)?.members.has(RESPONDER)).toBe(true);
    const notice = await waitFor('the join notice', async () =>
      slack.commandResponses.find((r) => r.text.includes(`the channel of ${key}`)),
    );
    expect(notice.response_type).toBe('ephemeral');

    await interact(click(MANAGER, takeRole.action_id, takeRole.value));
    const roleForm = slack.openedViews.at(-1)!;
    expect(roleForm.view.callback_id).toBe('take_role');
    const taken = await interact(
      submission(MANAGER, { role: choice('SOFTWARE_INCIDENT_MANAGER') }, roleForm),
    );
    expect(taken.body).toEqual({ response_action: 'clear' });
    const roles = (await t.hub.database.dataSource.query(
      `SELECT r.role, p.slack_user_id AS slack FROM role_assignment r JOIN person p ON p.id = r.person_id
         JOIN incident i ON i.id = r.incident_id WHERE i.key = $1 AND r.relieved_at IS NULL`,
      [key],
    )) as { role: string; slack: string }[];
    expect(roles).toEqual([{ role: 'SOFTWARE_INCIDENT_MANAGER', slack: MANAGER }]);
    expect(slack.invalidCalls).toEqual([]);
  });

  it('serves the options of a long select as the person types (block_suggestion)', async () => {
    const res = await interact({
      type: 'block_suggestion',
      user: { id: MANAGER, team_id: slack.teamId },
      team: { id: slack.teamId },
      action_id: 'value',
      block_id: 'client',
      value: 'WAKE',
      view: { id: 'V1', callback_id: 'declare_incident' },
    });
    expect(res.body).toEqual({
      options: [{ text: { type: 'plain_text', text: 'Wakefern (wakefern)' }, value: 'wakefern' }],
    });
  });
});

describe('Monitoring alerts in Slack', () => {
  it('suggests declaring for an alert no incident matches; its Declare button opens the form filled in, which declares from the alert', async () => {
    const firstFired = new Date(Date.now() - 15 * 60_000).toISOString().replace(/\.\d{3}Z$/, '.000Z');
    const notification = {
      ...alertmanagerExample(),
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ShuttleFault', severity: 'warning', client: 'wakefern', site: 'wf0001' },
          annotations: { summary: 'Shuttle 4 stopped' },
          startsAt: firstFired,
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example.org:9090/graph',
          fingerprint: 'shuttle-4',
        },
      ],
    };
    const res = await post(
      `${t.url}/webhooks/alertmanager`,
      JSON.stringify(notification),
      alertmanagerHeaders(ALERTMANAGER_SECRET),
    );
    expect(res.status).toBe(200);
    const suggestion = await waitFor('the suggestion in #incidents', async () =>
      slack.messages('incidents').find((m) => m.text.includes('ShuttleFault')),
    );
    expect(suggestion.text).toMatch(/no open incident matches it/);
    const [button] = (suggestion.blocks![1] as { elements: { action_id: string; value: string }[] }).elements;
    expect(button.action_id).toBe('declare_from_alert');

    expect((await interact(click(MANAGER, button.action_id, button.value))).status).toBe(200);
    const form = slack.openedViews.at(-1)!;
    expect(form.view.callback_id).toBe('declare_incident');
    expect(JSON.parse(String(form.view.private_metadata))).toMatchObject({ alertId: button.value });
    const blocks = form.view.blocks as { block_id: string; element: Record<string, unknown> }[];
    const element = (id: string) => blocks.find((b) => b.block_id === id)!.element;
    expect(element('summary').initial_value).toBe('ShuttleFault: Shuttle 4 stopped');
    expect(element('client').initial_option).toMatchObject({ value: 'wakefern' });
    expect(element('sites').initial_options).toEqual([expect.objectContaining({ value: 'wf0001' })]);

    const declared = await interact(
      submission(
        MANAGER,
        {
          summary: text('Shuttle 4 stopped at Clifton'),
          client: choice('wakefern'),
          sites: choices('wf0001'),
          impact: choice('MODERATE'),
          urgency: choice('HIGH'),
        },
        form,
      ),
    );
    expect(declared.body).toEqual({ response_action: 'clear' });
    const [incident] = (await t.hub.database.dataSource.query(
      `SELECT i.key, i.detected_at FROM incident i JOIN alert a ON a.incident_id = i.id WHERE a.fingerprint = 'shuttle-4'`,
    )) as { key: string; detected_at: Date }[];
    expect(incident.detected_at.toISOString()).toBe(firstFired);
    // pressed again: the alert is part of that incident, nothing else happens
    await interact(click(MANAGER, button.action_id, button.value));
    await waitFor('the notice', async () =>
      slack.commandResponses.find((r) => r.text.includes(`part of ${incident.key} already`)),
    );
    expect(slack.invalidCalls).toEqual([]);
  });
});
