// `/incident` from Slack: each command runs the same use case as its GraphQL mutation, as the
// person whose slackUserId sent it and with that person's access role. The requests follow Slack's
// slash command example from the contracts, signed with a test secret; replies that come after
// the first answer go to the command's response_url on the fake Slack.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackFake } from '../support/fakes';
import { startTestHub, type TestHub } from '../support/test-hub';
import { contract, post, slackHeaders } from '../support/webhooks';
import { waitFor } from '../support/wait-for';
import { INCIDENT_FROM_SLACK } from '../support/operations';

const SECRET = 'slack-commands-test-secret';

interface SlackContract {
  webhooks: { event: string; payloadExample_legacyDoc?: string }[];
}
const exampleBody = contract<SlackContract>('slack').webhooks.find(
  (w) => w.event === 'slash command',
)!.payloadExample_legacyDoc!;

let slack: SlackFake;
let t: TestHub;
let triggers = 0;

beforeAll(async () => {
  slack = new SlackFake();
  const apiUrl = await slack.start();
  t = await startTestHub({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: apiUrl,
    SLACK_SIGNING_SECRET: SECRET,
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    INTEGRATION_POLL_SECONDS: '0.5',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.stop();
});

/** Slack's example command, with our command, text, user and channel. */
function commandBody(fields: Record<string, string>): string {
  const form = new URLSearchParams(exampleBody);
  form.set('command', '/incident');
  form.set('response_url', slack.responseUrl());
  form.set('trigger_id', `13345224609.738474920.8088930838d88f008e0${++triggers}`);
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return form.toString();
}

async function run(
  hub: TestHub,
  text: string,
  user: string,
  channel: { id: string; name?: string },
  extra = {},
) {
  const body = commandBody({
    text,
    user_id: user,
    channel_id: channel.id,
    channel_name: channel.name ?? 'general',
    ...extra,
  });
  return post(
    `${hub.url}/webhooks/slack/commands`,
    body,
    slackHeaders(SECRET, body, { contentType: 'application/x-www-form-urlencoded' }),
  );
}

const MANAGER = 'U0MANAGER1';
const RESPONDER = 'U0RESPOND1';

async function channelOf(key: string): Promise<{ id: string; name: string }> {
  const id = await waitFor(`the channel of ${key}`, async () => {
    const [row] = (await t.hub.database.dataSource.query(
      `SELECT r.external_id FROM external_record r JOIN incident i ON i.id = r.incident_id WHERE i.key = $1 AND r.system = 'SLACK'`,
      [key],
    )) as { external_id: string | null }[];
    return row?.external_id ?? undefined;
  });
  return { id, name: key };
}

async function incident(key: string) {
  const data = await t.ok<{ incident: Record<string, any> }>(INCIDENT_FROM_SLACK, { key }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return data.incident;
}

describe('/incident', () => {
  it('answers help with every command', async () => {
    const res = await run(t, 'help', MANAGER, { id: 'C0GENERAL1' });
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    for (const word of [
      'declare',
      'stage',
      'priority',
      'role',
      'handover',
      'note',
      'update',
      'escalate',
      'status',
    ]) {
      expect(res.body.text).toContain(`\`${word}`);
    }
  });

  it('declares from a client channel and runs the incident from its own channel', async () => {
    const declared = await run(
      t,
      'declare Orders stuck at Dallas site:ab0001 impact:significant urgency:high service:"order sync"',
      MANAGER,
      {
        id: 'C0ALBPROD1',
        name: 'albertsons-prod',
      },
    );
    expect(declared.status).toBe(200);
    const key = /\*(albertsons-incident-\d+)\*/.exec(String(declared.body.text))?.[1];
    expect(key).toBeDefined();
    expect(declared.body.text).toContain('(P2, Acknowledged)');
    expect(declared.body.text).toContain('Its channel is being opened and announced.');
    const channel = await channelOf(key!);

    const say = async (text: string, user = MANAGER) => {
      const res = await run(t, text, user, channel);
      expect(res.status).toBe(200);
      expect(res.body.response_type).toBe('ephemeral');
      return String(res.body.text);
    };
    expect(await say('stage investigating checking the queues')).toBe(`${key} is now Investigating.`);
    expect(await say('priority extensive critical every store affected')).toContain('is P1');
    expect(await say('role im <@U0EXPERT1|expert>')).toBe(
      `Expert Person is now Software incident manager on ${key}.`,
    );
    expect(await say('handover im <@U0MANAGER1>')).toBe(
      `Software incident manager on ${key} handed over to Manager Person.`,
    );
    expect(await say('note Failover started', RESPONDER)).toContain('Note added');
    expect(
      await say('update orders delayed | queue stuck | restarted workers | drain the backlog', RESPONDER),
    ).toContain('Internal status update posted');
    expect(await say('escalate "fulfillment software" queue keeps growing')).toContain(
      'Fulfillment Software is being paged',
    );
    const status = await say('status', RESPONDER);
    expect(status).toContain(`*${key}* · P1 · Investigating`);
    expect(status).toContain('Roles: Software incident manager: Manager Person');
    expect(status).toMatch(/Last status update: \d{4}-/);

    const after = await incident(key!);
    expect(after).toMatchObject({ stage: 'INVESTIGATING', priority: 'P1' });
    expect(after.roles).toEqual([{ role: 'SOFTWARE_INCIDENT_MANAGER', person: { name: 'Manager Person' } }]);
    expect(after.statusUpdates).toEqual([
      { audience: 'INTERNAL', clientImpact: 'orders delayed', author: { name: 'Responder Person' } },
    ]);
    const kinds = after.timeline.nodes.map(
      (n: { kind: string; actor: { name: string } | null }) => `${n.kind} ${n.actor?.name}`,
    );
    expect(kinds).toEqual(
      expect.arrayContaining([
        'DECLARED Manager Person',
        'STAGE_CHANGED Manager Person',
        'PRIORITY_CHANGED Manager Person',
        'NOTE Responder Person',
        'STATUS_UPDATE Responder Person',
        'ESCALATION Manager Person',
      ]),
    );
  });

  it('declares once for one command, even when Slack sends it twice', async () => {
    const body = commandBody({
      text: 'declare Pickers offline client:wakefern',
      user_id: MANAGER,
      channel_id: 'C0GENERAL1',
    });
    const send = () =>
      post(
        `${t.url}/webhooks/slack/commands`,
        body,
        slackHeaders(SECRET, body, { contentType: 'application/x-www-form-urlencoded' }),
      );
    const [first, second] = [await send(), await send()];
    const keyOf = (text: unknown) => /\*(wakefern-incident-\d+)\*/.exec(String(text))?.[1];
    expect(keyOf(first.body.text)).toBeDefined();
    expect(keyOf(second.body.text)).toBe(keyOf(first.body.text));
  });

  it('refuses, privately and changing nothing, what the access role or the input does not allow', async () => {
    const declared = await run(t, 'declare Scanner outage client:albertsons', MANAGER, { id: 'C0GENERAL1' });
    const key = /\*(albertsons-incident-\d+)\*/.exec(String(declared.body.text))![1];
    const channel = await channelOf(key);
    const refused = await run(t, 'stage mitigated', RESPONDER, channel);
    expect(refused.body).toEqual({
      response_type: 'ephemeral',
      text:
        `Nothing was changed: changeStage requires the INCIDENT_MANAGER access role on ${key}; this credential ` +
        `has RESPONDER and holds no role on ${key} (an incident-manager role on ${key} grants INCIDENT_MANAGER there)`,
    });
    const viewer = await run(t, 'note hello', 'U0VIEWER1', channel);
    expect(viewer.body.text).toMatch(/addNote requires the RESPONDER access role/);
    const stranger = await run(t, 'stage mitigated', 'U0NOBODY01', channel);
    expect(stranger.body.text).toMatch(/not among incident-hub's people/);
    const notIncident = await run(t, 'stage mitigated', MANAGER, { id: 'C0GENERAL1' });
    expect(notIncident.body.text).toMatch(/not an incident channel/);
    const badWord = await run(t, 'stage fixed', MANAGER, channel);
    expect(badWord.body.text).toMatch(/needs one of ACKNOWLEDGED/);
    const unknownPerson = await run(t, 'role im <@U0NOBODY01>', MANAGER, channel);
    expect(unknownPerson.body.text).toMatch(/<@U0NOBODY01> is not among incident-hub's people/);
    const unknownTeam = await run(t, 'escalate Wizards', MANAGER, channel);
    expect(unknownTeam.body.text).toMatch(/no team "Wizards".*Fulfillment Software/);
    const noClient = await run(t, 'declare Something broke', MANAGER, { id: 'C0GENERAL1', name: 'random' });
    expect(noClient.body.text).toMatch(/client:<slug>.*albertsons, wakefern/);

    const after = await incident(key);
    expect(after.stage).toBe('ACKNOWLEDGED');
    expect(after.roles).toEqual([]);
    expect(after.timeline.nodes.map((n: { kind: string }) => n.kind)).toEqual(['DECLARED']);
  });

  it('lets a VIEWER in a role on the incident do what the role grants there, until relieved', async () => {
    const declared = await run(t, 'declare Label printers down client:albertsons', MANAGER, {
      id: 'C0GENERAL1',
    });
    const key = /\*(albertsons-incident-\d+)\*/.exec(String(declared.body.text))![1];
    const channel = await channelOf(key);
    const viewer = 'U0VIEWER1';
    expect((await run(t, 'role support <@U0VIEWER1>', MANAGER, channel)).body.text).toContain('Support team');
    expect((await run(t, 'note printers rebooting', viewer, channel)).body.text).toContain('Note added');
    expect(
      (await run(t, 'escalate "fulfillment software" labels missing', viewer, channel)).body.text,
    ).toContain('Fulfillment Software is being paged');
    const stage = await run(t, 'stage investigating', viewer, channel);
    expect(stage.body.text).toContain(`changeStage requires the INCIDENT_MANAGER access role on ${key}`);
    await t.ok(
      /* GraphQL */ `
        mutation R($input: RelieveRoleInput!) {
          relieveRole(input: $input) {
            id
          }
        }
      `,
      { input: { incidentKey: key, role: 'SUPPORT_TEAM', personId: t.people.viewer.id } },
    );
    const after = await run(t, 'note still here?', viewer, channel);
    expect(after.body.text).toMatch(/addNote requires the RESPONDER access role/);
  });

  it('refuses unsigned, forged and stale commands with 401, and malformed ones with 400', async () => {
    const body = commandBody({
      text: 'declare Should not exist client:albertsons',
      user_id: MANAGER,
      channel_id: 'C0GENERAL1',
    });
    const url = `${t.url}/webhooks/slack/commands`;
    const form = { contentType: 'application/x-www-form-urlencoded' };
    const count = async () =>
      (
        (await t.hub.database.dataSource.query(
          `SELECT count(*)::int AS n FROM incident WHERE summary = 'Should not exist'`,
        )) as {
          n: number;
        }[]
      )[0].n;
    expect((await post(url, body, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    expect((await post(url, body, slackHeaders('wrong', body, form))).status).toBe(401);
    expect(
      (
        await post(
          url,
          body,
          slackHeaders(SECRET, body, { ...form, timestamp: Math.floor(Date.now() / 1000) - 400 }),
        )
      ).status,
    ).toBe(401);
    expect(await count()).toBe(0);
    const noUser = 'command=%2Fincident&text=status&channel_id=C0GENERAL1';
    const malformed = await post(url, noUser, slackHeaders(SECRET, noUser, form));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/user_id/);
  });
});

describe('issue 14, item 12: a replayed command', () => {
  it('adds one note when an identical signed command arrives three times within the signature window', async () => {
    const declared = await run(t, 'declare Replayed notes client:wakefern', MANAGER, { id: 'C0GENERAL1' });
    const key = /\*(wakefern-incident-\d+)\*/.exec(String(declared.body.text))![1];
    const channel = await channelOf(key);
    const text = `note replayed ${Date.now()}`;
    const body = commandBody({ text, user_id: RESPONDER, channel_id: channel.id, channel_name: key });
    const headers = slackHeaders(SECRET, body, { contentType: 'application/x-www-form-urlencoded' });
    const answers = [];
    for (let i = 0; i < 3; i += 1)
      answers.push(await post(`${t.url}/webhooks/slack/commands`, body, headers));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0].body.text).toContain('Note added');
    // the replays get the first answer, and change nothing
    expect(answers[1].body).toEqual(answers[0].body);
    expect(answers[2].body).toEqual(answers[0].body);
    const [{ n }] = (await t.hub.database.dataSource.query(
      `SELECT count(*)::int AS n FROM timeline_entry WHERE text = $1`,
      [text.slice('note '.length)],
    )) as { n: number }[];
    expect(n).toBe(1);
    // the same words typed again are a new command (a new trigger_id): they count
    expect((await run(t, text, RESPONDER, channel)).body.text).toContain('Note added');
  });
});

describe('/incident when the work takes longer than Slack waits', () => {
  let slow: TestHub;
  beforeAll(async () => {
    slow = await startTestHub({
      SLACK_SIGNING_SECRET: SECRET,
      // The fake Slack: a response_url is followed only to Slack's hosts (or the configured endpoint's).
      SLACK_API_URL: slack.url,
      SLACK_COMMAND_REPLY_BUDGET_MS: '0',
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await slow?.close();
  });

  it('answers at once, then sends the result to the response_url', async () => {
    slack.reset();
    const res = await run(slow, 'declare Late reply client:wakefern', MANAGER, { id: 'C0GENERAL1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ response_type: 'ephemeral', text: 'Working on it…' });
    const [reply] = await waitFor('the late reply', async () =>
      slack.commandResponses.length ? slack.commandResponses : undefined,
    );
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/^Declared \*wakefern-incident-\d+\*/);
    expect(reply.text).not.toContain('channel'); // this hub has no Slack bot token: no channel to promise
    expect(slack.invalidCalls).toEqual([]);
  });

  it('refuses, and logs, a response_url on a host that is not Slack', async () => {
    let hits = 0;
    const elsewhere = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const { port } = elsewhere.address() as AddressInfo;
    try {
      const res = await run(
        slow,
        'status',
        MANAGER,
        { id: 'C0GENERAL1' },
        {
          response_url: `http://127.0.0.1:${port}/commands/T0001/1/steal`,
        },
      );
      expect(res.body).toEqual({ response_type: 'ephemeral', text: 'Working on it…' });
      await waitFor('the refusal to be logged', async () =>
        slow.logs.find((l) => l.includes('response_url refused')),
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(hits).toBe(0);
    } finally {
      elsewhere.close();
    }
  });
});
