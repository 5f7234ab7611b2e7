// The hub's Slack integration end to end: a declaration commits, its effect is planned in the same
// transaction, a job carries it out with the real @slack/web-api against the fake Slack, and
// faults the vendor can throw at it never fail the mutation nor duplicate the work.
import { OpsgenieFake, SlackFake } from '../support/fakes';
import { declare, integrationOf, startTestHub, waitForEffect, type TestHub } from '../support/test-hub';
import {
  ASSIGN_ROLE,
  CHANGE_STAGE,
  ESCALATE,
  INCIDENT_INTEGRATION,
  INCIDENT_RECORD_STATES,
  INCIDENT_RECORD_URLS,
  INTEGRATION_HEALTH,
  POST_STATUS_UPDATE,
  RETRY_INTEGRATION,
} from '../support/operations';
import { sleep, waitFor } from '../support/wait-for';

let slack: SlackFake;
let opsgenie: OpsgenieFake;
let t: TestHub;

beforeAll(async () => {
  slack = new SlackFake();
  opsgenie = new OpsgenieFake();
  t = await startTestHub(
    {
      SLACK_INCIDENTS_CHANNEL: '#incidents',
      INTEGRATION_MAX_ATTEMPTS: '3',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
      INTEGRATION_POLL_SECONDS: '0.5',
    },
    { fakes: { slack, opsgenie } },
  );
}, 60_000);
afterAll(() => t?.close());
beforeEach(() => {
  slack.reset();
  opsgenie.reset();
});

// Other vendors record their effects too; these tests are about Slack's.
const effectsOf = (key: string) => integrationOf(t, key, 'SLACK');

/** Every Slack effect of the incident DONE (or, for those named, in the state named). */
async function waitForSettled(key: string, states: Record<string, string> = {}, ms = 20_000) {
  const { integrationEffects } = await waitFor(
    `the Slack effects of ${key} to settle`,
    () => effectsOf(key),
    (now) =>
      now.integrationEffects.length > 0 &&
      now.integrationEffects.every((e) => e.state === (states[e.action] ?? 'DONE')),
    { timeoutMs: ms },
  );
  return integrationEffects;
}

const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };
const channelsNamed = (name: string) => [...slack.channels.values()].filter((c) => c.name.startsWith(name));
const announcements = (key: string) => slack.messages('incidents').filter((m) => m.text?.includes(key));

describe('Slack integration', () => {
  it('opens the channel, sets its topic, pins its card and announces a P1 exactly once', async () => {
    const incident = await declare(t, P1);
    const effects = await waitForSettled(incident.key);
    expect(effects.map((e) => e.action).sort()).toEqual([
      'slack.announce',
      'slack.card',
      'slack.openChannel',
      'slack.postTo',
      'slack.updateTopic',
    ]);
    expect(effects.find((e) => e.action === 'slack.openChannel')!.attempts).toBe(1);
    const [channel] = channelsNamed(incident.key);
    expect(channelsNamed(incident.key)).toHaveLength(1);
    expect(channel.name).toBe(incident.key);
    expect(channel.topic.value).toContain('P1');
    expect(channel.topic.value).toContain(`Meet https://g.co/meet/${incident.key}`);
    const pinned = slack.pinned(channel.id);
    expect(pinned).toHaveLength(1);
    expect(pinned[0].text).toContain(`Incident card ${incident.key}`);
    expect(announcements(incident.key)).toHaveLength(1);
    expect(announcements(incident.key)[0].text).toContain(`Join <#${channel.id}>`);
    const { externalRecords } = await effectsOf(incident.key);
    // those that waited for the channel spent no attempt on it
    expect(effects.map((e) => e.attempts)).toEqual(effects.map(() => 1));
    expect(externalRecords).toEqual([
      expect.objectContaining({ system: 'SLACK', externalId: channel.id, state: 'SYNCED', attempts: 1 }),
    ]);
    expect(externalRecords[0].url).toContain(channel.id);
    expect(slack.invalidCalls).toEqual([]);
  });

  it('keeps the topic current and posts stage changes and status updates, once each', async () => {
    const incident = await declare(t, P1);
    await waitForSettled(incident.key);
    slack.addUser({ id: t.people.manager.slackUserId!, name: 'manager' });
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'lostResponse' } });
    await t.ok(CHANGE_STAGE, {
      input: { incidentKey: incident.key, stage: 'INVESTIGATING', note: 'looking at queues' },
    });
    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        audience: 'EXTERNAL',
        clientImpact: 'orders delayed',
        knownProblem: 'queue stuck',
        attempted: 'restart',
        nextSteps: 'drain backlog',
      },
    });
    const effects = await waitFor(
      `every Slack effect of ${incident.key} to be DONE`,
      async () => (await effectsOf(incident.key)).integrationEffects,
      (now) => now.every((e) => e.state === 'DONE'),
      { timeoutMs: 15_000 },
    );
    // effects of one transaction share its time, so compare them as a set
    expect(effects.map((e) => `${e.action} ${e.state}`).sort()).toEqual([
      'slack.announce DONE',
      'slack.card DONE',
      'slack.card DONE',
      'slack.card DONE',
      'slack.invite DONE',
      'slack.openChannel DONE',
      'slack.post DONE',
      'slack.post DONE',
      // in #albertsons-prod: the notice at declaration and the P1's EXTERNAL status update
      'slack.postTo DONE',
      'slack.postTo DONE',
      'slack.updateTopic DONE',
      'slack.updateTopic DONE',
      'slack.updateTopic DONE',
    ]);
    const [channel] = channelsNamed(incident.key);
    expect(channel.topic.value).toContain(`Software incident manager: ${t.people.manager.name}`);
    expect(channel.topic.value).toMatch(/^P1 Investigating \| /);
    expect(channel.members.has(t.people.manager.slackUserId!)).toBe(true);
    // one card, pinned once and edited in place
    const [card, ...more] = slack.pinned(channel.id);
    expect(more).toEqual([]);
    expect(card.text).toContain(`• Software incident manager: ${t.people.manager.name}`);
    expect(card.text).toContain('P1 · Investigating');
    expect(card.edited).toBeDefined();
    const posts = slack.messages(channel.id).filter((m) => m.user === slack.botUserId);
    expect(
      posts.filter((m) => m.text?.includes('Stage: Acknowledged → *Investigating*: looking at queues')),
    ).toHaveLength(1); // despite the lost response
    expect(posts.filter((m) => m.text?.includes('What we know: queue stuck'))).toHaveLength(1);
    expect(slack.invalidCalls).toEqual([]);
  });

  it('opens the channel, sets its topic, pins the card and invites when the incidents channel is gone; integrationHealth names the failed announcement', async () => {
    slack.channels.delete(slack.channel('incidents')!.id); // the bot cannot post there
    slack.addUser({ id: t.people.manager.slackUserId!, name: 'manager' });
    const incident = await declare(t, P1);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    const effects = await waitForSettled(incident.key, { 'slack.announce': 'DEAD' });
    const [channel] = channelsNamed(incident.key);
    expect(channel.topic.value).toContain(`Software incident manager: ${t.people.manager.name}`);
    expect(channel.members.has(t.people.manager.slackUserId!)).toBe(true);
    expect(slack.pinned(channel.id)).toHaveLength(1);
    expect(effects.find((e) => e.action === 'slack.announce')).toMatchObject({
      state: 'DEAD',
      lastError: 'NOT_FOUND: channel #incidents not found',
    });
    const health = await t.ok(INTEGRATION_HEALTH);
    expect(health.integrationHealth.find((h) => h.system === 'SLACK')).toMatchObject({
      state: 'FAILING',
      lastFailedAction: 'slack.announce',
      lastError: 'NOT_FOUND: channel #incidents not found',
    });
    expect(slack.invalidCalls).toEqual([]);
  });

  it('names the channel the hub opened in the Opsgenie page, the announcement and later pages: a single-site ticket incident, and a suffix when the name is taken', async () => {
    const single = { ...P1, affectedClientSlugs: ['wakefern'], affectedSiteIds: ['wf0001'] };
    const incident = await declare(t, { ...single, zendeskTicketId: '42676' });
    await waitForSettled(incident.key);
    const name = 'incident-wf0001-clifton-nj-42676';
    const [channel] = channelsNamed(name);
    expect(channel.name).toBe(name);
    const page = () => [...opsgenie.alerts.values()].find((a) => a.alias === incident.key);
    await waitFor('the Opsgenie page', async () => page(), Boolean);
    expect(page()!.description).toContain(`Slack channel: #${name}\n`.trimEnd());
    expect(page()!.description).not.toContain(`#${incident.key}`);
    expect(announcements(incident.key)[0].text).toContain(`Join <#${channel.id}>`);

    // someone else holds the name: the hub opens name-2, and every later message says so
    const taken = slack.addChannel({ name: 'incident-wf0001-clifton-nj-42677' });
    taken.creator = 'U0ALICE0001';
    const suffixed = await declare(t, { ...single, zendeskTicketId: '42677' });
    await waitForSettled(suffixed.key);
    const opened = slack.channel('incident-wf0001-clifton-nj-42677-2')!;
    expect(opened).toBeDefined();
    expect(announcements(suffixed.key)[0].text).toContain(`Join <#${opened.id}>`);
    await t.ok(ESCALATE, {
      input: { incidentKey: suffixed.key, teamId: t.catalogue.team.id, reason: 'need more hands' },
    });
    const escalation = await waitFor(
      'the escalation page',
      async () =>
        [...opsgenie.alerts.values()].find((a) => a.alias.startsWith(`${suffixed.key}-escalation-`)),
      Boolean,
    );
    expect(escalation!.description).toContain('Slack channel: #incident-wf0001-clifton-nj-42677-2');
  });

  it('runs Incident Flow for an explicitly declared P4, and not for a P1 declared without it', async () => {
    const explicit = await declare(t, {
      clientImpactLevel: 'MINOR',
      clientUrgencyLevel: 'LOW',
      incidentFlow: true,
    });
    await waitForEffect(t, explicit.key, 'slack.openChannel', 'DONE', 15_000);
    expect(channelsNamed(explicit.key)).toHaveLength(1);
    const optedOut = await declare(t, { ...P1, incidentFlow: false });
    await sleep(800);
    expect((await effectsOf(optedOut.key)).integrationEffects).toEqual([]);
    expect(channelsNamed(optedOut.key)).toEqual([]);
  });

  it('does nothing at Slack for an incident that does not warrant Incident Flow', async () => {
    const incident = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' });
    await sleep(1000);
    expect((await effectsOf(incident.key)).integrationEffects).toEqual([]);
    expect(channelsNamed(incident.key)).toEqual([]);
  });

  it('creates no second channel when Slack made one but the answer was lost', async () => {
    slack.inject({ operation: 'conversations.create', fault: { kind: 'lostResponse' } });
    const incident = await declare(t, P1);
    const effects = await waitForSettled(incident.key);
    expect(effects.find((e) => e.action === 'slack.openChannel')!.attempts).toBe(2);
    expect(channelsNamed(incident.key)).toHaveLength(1);
    expect(announcements(incident.key)).toHaveLength(1);
  });

  it('posts no second announcement nor card when the answer to a post was lost', async () => {
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'lostResponse' }, times: 2 });
    const incident = await declare(t, P1);
    await waitForSettled(incident.key);
    expect(announcements(incident.key)).toHaveLength(1);
    const [channel] = channelsNamed(incident.key);
    const cards = slack.messages(channel.id).filter((m) => m.text.includes(`Incident card ${incident.key}`));
    expect(cards).toHaveLength(1);
    expect(slack.pinned(channel.id)).toEqual(cards);
  });

  it('honours Retry-After on 429 and finishes afterwards', async () => {
    slack.inject({
      operation: 'conversations.setTopic',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const incident = await declare(t, P1);
    // waiting for the channel spends no attempt: the 429, then the success
    const effect = await waitForEffect(t, incident.key, 'slack.updateTopic', 'DONE', 15_000);
    expect(effect.attempts).toBe(2);
    const topicCalls = slack.calls.filter((c) => c.operation === 'conversations.setTopic');
    expect(topicCalls).toHaveLength(2);
    const waited = topicCalls[1].at.getTime() - topicCalls[0].at.getTime();
    expect(waited).toBeGreaterThanOrEqual(1000);
  });

  it('never fails the mutation when Slack is down; dead-letters after the attempts and retries on request', async () => {
    slack.inject({ fault: { kind: 'status', status: 500 }, times: Infinity }); // every call
    const incident = await declare(t, P1); // the declaration itself succeeds
    const dead = await waitForEffect(t, incident.key, 'slack.openChannel', 'DEAD', 30_000);
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toMatch(/^UNAVAILABLE: HTTP 500/);
    const health = await t.ok<{
      integrationHealth: { system: string; enabled: boolean; state: string; deadLettered: number }[];
    }>(INTEGRATION_HEALTH);
    expect(health.integrationHealth.find((h) => h.system === 'SLACK')).toMatchObject({
      enabled: true,
      state: 'FAILING',
    });
    expect(health.integrationHealth.find((h) => h.system === 'JIRA')).toMatchObject({
      enabled: false,
      state: 'DISABLED',
    });

    slack.reset(); // Slack is back
    await t.ok(RETRY_INTEGRATION, { incidentKey: incident.key, system: 'SLACK' });
    await waitForEffect(t, incident.key, 'slack.openChannel', 'DONE', 15_000);
    expect(channelsNamed(incident.key)).toHaveLength(1);
  }, 60_000);

  it('gives up on what waits for a channel given up on, and one retryIntegration then finishes it all', async () => {
    slack.inject({ fault: { kind: 'status', status: 500 }, times: Infinity }); // every call
    const incident = await declare(t, P1);
    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        audience: 'INTERNAL',
        clientImpact: 'none yet',
        knownProblem: 'disk full on db-7',
        attempted: 'nothing',
        nextSteps: 'free space',
      },
    });
    // The channel is given up on, and at once so is every effect that waits for it (rather than
    // waiting a quarter of an hour for a channel nobody is opening); none spent an attempt waiting.
    const dead = await waitFor(
      `the Slack effects of ${incident.key} to be given up on`,
      async () => (await effectsOf(incident.key)).integrationEffects,
      (now) => now.length > 0 && now.every((e) => e.state === 'DEAD'),
      { timeoutMs: 20_000 },
    );
    const waiting = dead.filter((e) => !['slack.openChannel', 'slack.postTo'].includes(e.action));
    expect(waiting.map((e) => e.action).sort()).toEqual([
      'slack.announce',
      'slack.card',
      'slack.post',
      'slack.updateTopic',
    ]);
    for (const effect of waiting) {
      expect(effect.attempts).toBe(0);
      expect(effect.lastError).toMatch(/slack\.openChannel was given up on/);
    }

    slack.reset(); // Slack is back: one retry, nothing else, finishes every effect
    const retried = Date.now();
    await t.ok(RETRY_INTEGRATION, { incidentKey: incident.key, system: 'SLACK' });
    const effects = await waitForSettled(incident.key, {}, 10_000);
    // those that waited ran as soon as the channel was open, not at a later poll
    expect(Date.now() - retried).toBeLessThan(5_000);
    expect(effects.map((e) => e.attempts)).toEqual(effects.map(() => 1));
    const [channel, ...others] = channelsNamed(incident.key);
    expect(others).toEqual([]);
    const posts = slack
      .messages(channel.id)
      .filter((m) => m.text?.includes('What we know: disk full on db-7'));
    expect(posts).toHaveLength(1);
    expect(slack.pinned(channel.id)).toHaveLength(1);
    expect(announcements(incident.key)).toHaveLength(1);
    expect(slack.invalidCalls).toEqual([]);
  }, 60_000);

  it('runs what waits for the channel as soon as the channel is open, not at the end of its wait', async () => {
    // The channel opens about 5 s late (Slack said when to come back); those waiting for it have
    // backed off by then (1 s, 2 s, 4 s…), and carry on at once when it is open.
    slack.inject({
      operation: 'conversations.create',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 5 },
    });
    const incident = await declare(t, P1);
    await waitForSettled(incident.key);
    const times = (operation: string) =>
      slack.calls.filter((c) => c.operation === operation).map((c) => c.at.getTime());
    const [refused, opened, ...more] = times('conversations.create');
    expect(more).toEqual([]);
    expect(opened - refused).toBeGreaterThanOrEqual(5_000);
    expect(times('conversations.setTopic')[0] - opened).toBeLessThan(1_000);
  }, 30_000);

  it('keeps tokens out of the logs and vendor text out of GraphQL errors', async () => {
    const text = t.logs.join('\n');
    expect(text).not.toContain(slack.token);
  });
});

describe('Slack disabled', () => {
  it('records what it would have sent, visible through the API', async () => {
    const off = await startTestHub();
    try {
      const incident = await declare(off, P1);
      const data = await off.ok(INCIDENT_INTEGRATION, { key: incident.key, system: 'SLACK' });
      const records = await off.ok(INCIDENT_RECORD_STATES, { key: incident.key });
      const slackEffects = data.incident!.integrationEffects.filter((e) => e.system === 'SLACK');
      expect(slackEffects.map((e) => `${e.action} ${e.state}`).sort()).toEqual([
        'slack.card DISABLED',
        'slack.openChannel DISABLED',
        'slack.postTo DISABLED',
        'slack.updateTopic DISABLED',
      ]); // no SLACK_INCIDENTS_CHANNEL: nothing to announce
      expect(slackEffects.find((e) => e.action === 'slack.openChannel')!.payload).toEqual({
        incidentKey: incident.key,
        channelName: incident.key,
      });
      expect(records.incident!.externalRecords.filter((r) => r.system === 'SLACK')).toEqual([
        { system: 'SLACK', state: 'DISABLED' },
      ]);
      const health = await off.ok<{
        integrationHealth: { system: string; enabled: boolean; state: string }[];
      }>(INTEGRATION_HEALTH);
      // Meet needs no credentials (its link comes from a template); every vendor needing them is off
      for (const h of health.integrationHealth) {
        expect([h.system, h.enabled, h.state]).toEqual(
          h.system === 'MEET' ? ['MEET', true, 'OK'] : [h.system, false, 'DISABLED'],
        );
      }
    } finally {
      await off.close();
    }
  });
});

describe('Meet', () => {
  it('records the templated conference link of a flow incident as its MEET record', async () => {
    const incident = await declare(t, P1);
    const data = await t.ok<{
      incident: { externalRecords: { system: string; url: string; state: string }[] };
    }>(INCIDENT_RECORD_URLS, { key: incident.key });
    expect(data.incident.externalRecords.find((r) => r.system === 'MEET')).toEqual({
      system: 'MEET',
      url: `https://g.co/meet/${incident.key}`,
      state: 'SYNCED',
    });
    const minor = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' });
    const none = await t.ok<{ incident: { externalRecords: unknown[] } }>(INCIDENT_RECORD_STATES, {
      key: minor.key,
    });
    expect(none.incident.externalRecords).toEqual([]);
  });
});
