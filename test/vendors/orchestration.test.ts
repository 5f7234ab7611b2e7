// How a declaration's vendor work is carried out: it starts when the change commits (the workers'
// poll here is a minute, longer than any wait below), Slack's calls once the channel exists go out
// side by side (the fake counts the requests in flight), and what must stay in order does: the
// channel before anything in it, a message before its pin, posts in one channel as planned; and
// two jobs of one effect never run it side by side.
import { ExternalSystem } from '../../src/domain/enums';
import { queueName } from '../../src/integrations/effects/effect-planner';
import { SlackFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { INCIDENT_INTEGRATION, POST_STATUS_UPDATE } from '../support/operations';
import { waitFor } from '../support/wait-for';

let slack: SlackFake;
let t: TestHub;

beforeAll(async () => {
  slack = new SlackFake();
  t = await startTestHub(
    {
      SLACK_INCIDENTS_CHANNEL: '#incidents',
      // A poll would come after a minute: every wait below ends long before by its condition.
      INTEGRATION_POLL_SECONDS: '60',
      INTEGRATION_CONCURRENCY: '8',
    },
    { fakes: { slack } },
  );
}, 60_000);
afterAll(() => t?.close());
beforeEach(() => {
  slack.reset();
  slack.latencyMs = 0;
});

const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };

interface Effect {
  action: string;
  state: string;
  attempts: number;
  createdAt: string;
}

/** The incident's Slack effects, once all are DONE (fails the test if one is DEAD). */
async function settled(key: string, count?: number): Promise<Effect[]> {
  const { incident } = await waitFor(
    `the Slack effects of ${key} to be done`,
    () =>
      t.ok<{ incident: { integrationEffects: (Effect & { system: string })[] } }>(INCIDENT_INTEGRATION, {
        key,
      }),
    (now) => {
      const effects = now.incident.integrationEffects.filter((e) => e.system === 'SLACK');
      if (effects.some((e) => e.state === 'DEAD')) throw new Error(`a Slack effect of ${key} is DEAD`);
      return effects.length >= (count ?? 1) && effects.every((e) => e.state === 'DONE');
    },
    { timeoutMs: 30_000 },
  );
  return incident.integrationEffects.filter((e) => e.action.startsWith('slack.'));
}

describe('orchestration of a declaration', () => {
  it('starts what a change committed at once, not at the workers’ next poll', async () => {
    // The first poll of each worker happened at start; the next is a minute away.
    const incident = await declare(t, P1);
    const effects = await settled(incident.key, 5);
    expect(effects.map((e) => e.action).sort()).toEqual([
      'slack.announce',
      'slack.card',
      'slack.openChannel',
      'slack.postTo',
      'slack.updateTopic',
    ]);
    // each ran once: waiting for the channel spent no attempt, and nothing ran twice
    expect(effects.map((e) => e.attempts)).toEqual(effects.map(() => 1));
    expect(slack.callsTo('conversations.create')).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(3); // card, announcement, client channel
    expect(slack.invalidCalls).toEqual([]);
  }, 40_000);

  it('once the channel exists, sends its topic, card and announcement side by side, each after what it needs', async () => {
    slack.latencyMs = 100; // long enough for calls made side by side to be in flight together
    const incident = await declare(t, P1);
    await settled(incident.key, 5);
    const create = slack.callsTo('conversations.create')[0];
    const after = slack.calls.filter((c) => c.seq > create.seq);
    // the fake saw the calls that need the channel overlap: at least the topic, the card's post
    // and the announcement were in flight at once
    expect(Math.max(...after.map((c) => c.concurrent))).toBeGreaterThanOrEqual(3);
    const channelId = (create.response as { channel: { id: string } }).channel.id;
    // nothing went to the channel before it was created
    const inChannel = slack.calls.filter(
      (c) => (c.body as { channel?: string } | undefined)?.channel === channelId,
    );
    expect(inChannel.length).toBeGreaterThanOrEqual(3);
    expect(inChannel.every((c) => c.seq > create.seq)).toBe(true);
    // the pin names the message the card's post made (so it came after it)
    const [pin] = slack.callsTo('pins.add');
    const cardPost = slack
      .callsTo('chat.postMessage')
      .find((c) => (c.body as { channel: string }).channel === channelId)!;
    expect((pin.body as { timestamp: string }).timestamp).toBe((cardPost.response as { ts: string }).ts);
    expect(pin.seq).toBeGreaterThan(cardPost.seq);
  }, 40_000);

  it('posts the updates of one channel in the order they were made, even side by side', async () => {
    const incident = await declare(t, P1);
    await settled(incident.key, 5);
    // The first update's post is slow at Slack: those planned after it must not overtake it.
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'delay', ms: 500 }, times: 1 });
    const texts = ['one', 'two', 'three', 'four', 'five'];
    for (const text of texts) {
      await t.ok(POST_STATUS_UPDATE, {
        input: {
          incidentKey: incident.key,
          audience: 'INTERNAL',
          clientImpact: 'none yet',
          knownProblem: `step ${text}`,
          attempted: 'nothing',
          nextSteps: 'wait',
        },
      });
    }
    await settled(incident.key, 5 + texts.length);
    const channel = [...slack.channels.values()].find((c) => c.name.startsWith(incident.key))!;
    const posted = slack
      .messages(channel.id)
      .map((m) => /step (\w+)/.exec(m.text ?? '')?.[1])
      .filter((step): step is string => !!step);
    expect(posted).toEqual(texts);
    expect(slack.invalidCalls).toEqual([]);
  }, 60_000);

  it('carries out an effect once when two of its jobs run at once (a crash’s recovery beside a retry), the second spending no attempt', async () => {
    const incident = await declare(t, P1);
    await settled(incident.key, 5);
    const text = `claimed once (${incident.key})`;
    const before = slack.calls.length;
    const [effect] = (await t.database.dataSource.query(
      `INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state)
       VALUES ($1, 'SLACK', 'slack.postTo', $2, $3, 'PENDING') RETURNING id`,
      [
        incident.id,
        `test:claim:${incident.id}`,
        JSON.stringify({ channel: '#albertsons-prod', text, ref: `claim ${incident.key}` }),
      ],
    )) as { id: string }[];
    const posts = () =>
      slack.callsTo('chat.postMessage').filter((c) => (c.body as { text?: string }).text?.includes(text));
    // The first job's post is slow at Slack: the second job comes while it is in flight.
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'delay', ms: 3000 } });
    const jobs = t.hub.services.integrations.jobs!;
    const queue = queueName(ExternalSystem.SLACK);
    await jobs.send(queue, { effectId: effect.id });
    await waitFor('the first job to post', posts, (now) => now.length === 1, { timeoutMs: 10_000 });
    await jobs.send(queue, { effectId: effect.id, ran: true });
    // every job of the effect finished: the two sent, and any one made to wait
    const finished = await waitFor(
      'every job of the effect to finish',
      () =>
        t.database.dataSource.query(
          `SELECT state, data ? 'claimWaits' AS waited FROM pgboss.job WHERE name = $1 AND data ->> 'effectId' = $2`,
          [queue, effect.id],
        ) as Promise<{ state: string; waited: boolean }[]>,
      (now) => now.length >= 2 && now.every((job) => job.state === 'completed'),
      { timeoutMs: 20_000 },
    );
    const [done] = (await t.database.dataSource.query(
      `SELECT state, attempts, claimed_until FROM integration_effect WHERE id = $1`,
      [effect.id],
    )) as { state: string; attempts: number; claimed_until: Date | null }[];
    expect(done).toEqual({ state: 'DONE', attempts: 1, claimed_until: null });
    expect(posts()).toHaveLength(1);
    // the second job called nothing, not even a look-up
    expect(slack.calls.slice(before).map((c) => c.operation)).toEqual(['chat.postMessage']);
    // it found the effect claimed by the first run and waited (woken when that run finished)
    expect(finished.filter((job) => job.waited)).toHaveLength(1);
    expect(slack.invalidCalls).toEqual([]);
  }, 60_000);
});
