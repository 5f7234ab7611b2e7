// Communications outside the incident channel, end to end against the fake Slack and a real SMTP
// server: each affected client's production channel hears of a flow incident at declaration (once,
// even when Slack's answer is lost), its all-clear at MITIGATED, EXTERNAL communications and a P1's
// EXTERNAL status updates, each naming only that client's own sites; INTERNAL communications go to
// the incidents channel; a P1's EXTERNAL status update is emailed to each client's lists.
import { SlackFake } from '../support/fakes';
import { CHANGE_STAGE, POST_STATUS_UPDATE } from '../support/operations';
import { TestSmtpServer } from '../support/smtp';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let slack: SlackFake;
let smtp: TestSmtpServer;
let t: TestHub;

const CHANNELS = [{ name: 'incidents' }, { name: 'albertsons-prod' }, { name: 'wakefern-prod' }];

beforeAll(async () => {
  slack = new SlackFake({ channels: CHANNELS });
  smtp = new TestSmtpServer();
  t = await startTestHub(
    {
      SLACK_INCIDENTS_CHANNEL: '#incidents',
      SMTP_URL: await smtp.start(),
      MAIL_FROM: 'Incident hub <incidents@hub.example>',
      INTEGRATION_MAX_ATTEMPTS: '3',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
      INTEGRATION_POLL_SECONDS: '0.5',
    },
    { fakes: { slack } },
  );
  // The test hub gives Albertsons #albertsons-prod; Wakefern gets one here.
  await t.database.dataSource.query(
    `UPDATE client SET slack_channel = '#wakefern-prod' WHERE slug = 'wakefern'`,
  );
  for (const [name, clientSlug, addresses] of [
    ['albertsons-ops', 'albertsons', ['ops@albertsons.example']],
    ['wakefern-ops', 'wakefern', ['ops@wakefern.example']],
  ] as const) {
    await t.ok(UPSERT_LIST, { input: { name, clientSlug, addresses } }, t.tokens.admin);
  }
}, 60_000);
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});
beforeEach(() => {
  slack.reset();
  smtp.reset();
});

const UPSERT_LIST = /* GraphQL */ `
  mutation ($input: UpsertDistributionListInput!) {
    upsertDistributionList(input: $input) {
      name
    }
  }
`;
const SEND = /* GraphQL */ `
  mutation ($input: SendCommunicationInput!) {
    sendCommunication(input: $input) {
      id
    }
  }
`;
const EFFECTS = /* GraphQL */ `
  query ($key: String!) {
    incident(key: $key) {
      integrationEffects {
        system
        action
        state
        payload
      }
    }
  }
`;

interface Effect {
  system: string;
  action: string;
  state: string;
  payload: Record<string, unknown>;
}

/** Every Slack and email effect of the incident DONE, at least `count` of them. */
async function settled(key: string, count: number): Promise<Effect[]> {
  return waitFor(
    `${count} Slack and email effects of ${key}, all DONE`,
    async () => {
      const data = await t.ok<{ incident: { integrationEffects: Effect[] } }>(EFFECTS, { key });
      return data.incident.integrationEffects.filter((e) => ['SLACK', 'EMAIL'].includes(e.system));
    },
    (all) => all.length >= count && all.every((e) => e.state === 'DONE'),
    { timeoutMs: 20_000 },
  );
}

const P1 = {
  clientImpactLevel: 'EXTENSIVE',
  clientUrgencyLevel: 'CRITICAL',
  affectedClientSlugs: ['albertsons', 'wakefern'],
  affectedSiteIds: ['ab0001', 'wf0001'],
};
/** The posts in a channel whose answer was lost. */
const lostIn = (channel: string) =>
  slack
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.fault === 'lostResponse' && (c.body as { channel?: string }).channel === slack.channel(channel)!.id,
    ).length;
const texts = (channel: string) => slack.messages(channel).map((m) => m.text);

/** Neither the other client's slug or name nor its site id or location. */
function expectOnlyOwn(text: string, own: string, other: string[]) {
  expect(text).toContain(own);
  for (const name of other) expect(text.toLowerCase()).not.toContain(name);
}
const ALBERTSONS = ['albertsons', 'ab0001', 'dallas-tx'];
const WAKEFERN = ['wakefern', 'wf0001', 'clifton-nj'];

describe('client production channels', () => {
  it('tell each affected client at declaration that an incident is in progress, once even when Slack’s answers are lost', async () => {
    // The first posts (the client notices go out at once; the announcement and card wait for the
    // channel) are made at Slack but their answers lost: each is retried and found, not posted again.
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'lostResponse' }, times: 4 });
    const incident = await declare(t, P1);
    const effects = await settled(incident.key, 6);
    expect(
      effects
        .filter((e) => e.action === 'slack.postTo')
        .map((e) => e.payload.channel)
        .sort(),
    ).toEqual(['#albertsons-prod', '#wakefern-prod']);
    expect(lostIn('albertsons-prod')).toBe(1);
    expect(lostIn('wakefern-prod')).toBe(1);
    expect(texts('albertsons-prod')).toHaveLength(1);
    expect(texts('wakefern-prod')).toHaveLength(1);
    const [albertsons] = texts('albertsons-prod');
    const [wakefern] = texts('wakefern-prod');
    expect(albertsons).toMatch(/An incident affecting Albertsons is in progress/);
    expect(albertsons).toContain(`Join #${incident.key}`);
    expectOnlyOwn(albertsons, 'ab0001 (dallas-tx)', WAKEFERN);
    expectOnlyOwn(wakefern, 'wf0001 (clifton-nj)', ALBERTSONS);
    expect(slack.invalidCalls).toEqual([]);
  });

  it('post an all-clear at MITIGATED', async () => {
    const incident = await declare(t, P1);
    await settled(incident.key, 6);
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    await settled(incident.key, 8);
    expect(texts('albertsons-prod')).toHaveLength(2);
    const allClear = texts('wakefern-prod')[1];
    expect(allClear).toMatch(/^:white_check_mark: All clear for Wakefern/);
    expectOnlyOwn(allClear, 'wf0001', ALBERTSONS);
  });

  it('hear sendCommunication: INTERNAL in #incidents, EXTERNAL in each client’s channel with its own sites', async () => {
    const incident = await declare(t, P1);
    await settled(incident.key, 6);
    await t.ok(SEND, {
      input: { incidentKey: incident.key, audience: 'INTERNAL', text: 'Root cause: a stuck consumer.' },
    });
    await t.ok(SEND, {
      input: { incidentKey: incident.key, audience: 'EXTERNAL', text: 'Orders are flowing again.' },
    });
    await settled(incident.key, 6 + 2 + 2 + 2); // + incident channel, #incidents; 2 client posts; 2 emails
    const internal = texts('incidents').filter((m) => m.includes('Root cause: a stuck consumer.'));
    expect(internal).toHaveLength(1);
    expect(internal[0]).toContain(`Internal communication (${incident.key})`);
    const albertsons = texts('albertsons-prod')[1];
    const wakefern = texts('wakefern-prod')[1];
    expect(albertsons).toMatch(/^Orders are flowing again\.\nYour affected sites: ab0001 \(dallas-tx\)/);
    expectOnlyOwn(albertsons, 'ab0001', WAKEFERN);
    expectOnlyOwn(wakefern, 'wf0001', ALBERTSONS);
    for (const channel of ['albertsons-prod', 'wakefern-prod']) {
      expect(texts(channel).some((m) => m.includes('Root cause'))).toBe(false);
    }
  });

  it('hear a P1’s EXTERNAL status update in their channel and by email to their lists, each its own sites only', async () => {
    const incident = await declare(t, P1);
    await settled(incident.key, 6);
    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        audience: 'EXTERNAL',
        clientImpact: 'Orders are delayed.',
        knownProblem: 'A stuck queue consumer.',
        attempted: 'Restarted the consumer.',
        nextSteps: 'Watching the backlog drain.',
      },
    });
    // + the incident channel's post, 2 client posts, 2 emails
    await settled(incident.key, 6 + 1 + 2 + 2);
    const wakefern = texts('wakefern-prod')[1];
    expect(wakefern).toContain('Client impact: Orders are delayed.');
    expectOnlyOwn(wakefern, 'wf0001', ALBERTSONS);
    const mail = await waitFor(
      'both client emails',
      async () => smtp.received,
      (received) => received.length === 2,
    );
    const to = (address: string) => mail.find((m) => m.rcptTo.includes(address))!;
    const wakefernMail = to('ops@wakefern.example');
    expect(wakefernMail.rcptTo).toEqual(['ops@wakefern.example']);
    expect(wakefernMail.parsed.subject).toBe('Service update for Wakefern');
    expectOnlyOwn(String(wakefernMail.parsed.text), 'wf0001 (clifton-nj)', ALBERTSONS);
    expectOnlyOwn(String(wakefernMail.parsed.text), 'Client impact: Orders are delayed.', ALBERTSONS);
    expectOnlyOwn(String(to('ops@albertsons.example').parsed.text), 'ab0001', WAKEFERN);
  });
});
