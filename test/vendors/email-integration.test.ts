// Email end to end: distribution lists kept through the API, sendCommunication sending the final
// communication by email through nodemailer to a real SMTP server started here, which parses what
// it receives (recipients, subject, text and HTML parts). A connection lost after the message was
// accepted is not retried (at most once: no second copy); one lost before it is retried.
import { startTestHub, type TestHub, declare, timelineRows } from '../support/test-hub';
import { CHANGE_STAGE } from '../support/operations';
import { TestSmtpServer } from '../support/smtp';
import { waitFor } from '../support/wait-for';

let smtp: TestSmtpServer;
let t: TestHub;

const MAIL_FROM = 'Incident hub <incidents@hub.example>';

beforeAll(async () => {
  smtp = new TestSmtpServer();
  t = await startTestHub({
    SMTP_URL: await smtp.start(),
    MAIL_FROM,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    VENDOR_TIMEOUT_MS: '3000',
  });
  for (const [name, clientSlug, addresses] of [
    ['engineering', null, ['eng@hub.example', 'oncall@hub.example']],
    ['albertsons-ops', 'albertsons', ['ops@albertsons.example']],
    ['wakefern-ops', 'wakefern', ['ops@wakefern.example', 'noc@wakefern.example']],
  ] as const) {
    await t.ok(UPSERT_LIST, { input: { name, clientSlug, addresses } }, t.tokens.admin);
  }
}, 60_000);
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});
beforeEach(() => smtp.reset());

const UPSERT_LIST = /* GraphQL */ `
  mutation ($input: UpsertDistributionListInput!) {
    upsertDistributionList(input: $input) {
      name
      audience
      addresses
      client {
        slug
      }
    }
  }
`;
const SEND = /* GraphQL */ `
  mutation ($input: SendCommunicationInput!) {
    sendCommunication(input: $input) {
      id
      kind
      text
      data
    }
  }
`;
const EFFECTS = /* GraphQL */ `
  query ($key: String!) {
    incident(key: $key) {
      integrationEffects(system: EMAIL) {
        id
        state
        attempts
        lastError
        payload
      }
    }
  }
`;

interface Effect {
  id: string;
  state: string;
  attempts: number;
  lastError: string | null;
  payload: { messageId: string; to: string[]; subject: string; text: string; list: string };
}

async function effects(key: string): Promise<Effect[]> {
  const data = await t.ok<{ incident: { integrationEffects: Effect[] } }>(EFFECTS, { key });
  return data.incident.integrationEffects;
}

async function settled(key: string, count: number, states = ['DONE']): Promise<Effect[]> {
  return waitFor(
    `${count} email effects of ${key} to be ${states.join(' or ')}`,
    () => effects(key),
    (all) => all.length === count && all.every((e) => states.includes(e.state)),
    { timeoutMs: 20_000 },
  );
}

/** An incident affecting both clients, at one site each, moved to MITIGATED (drafted). */
async function mitigated(): Promise<{ id: string; key: string }> {
  const incident = await declare(t, {
    affectedClientSlugs: ['albertsons', 'wakefern'],
    affectedSiteIds: ['ab0001', 'wf0001'],
  });
  for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
  }
  return incident;
}

describe('distribution lists', () => {
  it('are kept by ADMIN per client and internally, and shown on the client', async () => {
    const refused = await t.gql(UPSERT_LIST, { input: { name: 'x', addresses: ['a@b.example'] } });
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const bad = await t.gql(
      UPSERT_LIST,
      { input: { name: 'x', clientSlug: 'nobody', addresses: ['not-an-address'] } },
      { token: t.tokens.admin },
    );
    expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'addresses.0' });
    const clients = await t.ok<{
      clients: { slug: string; distributionLists: { name: string; audience: string }[] }[];
    }>(`{ clients { slug distributionLists { name audience } } }`);
    expect(clients.clients.find((c) => c.slug === 'wakefern')?.distributionLists).toEqual([
      { name: 'wakefern-ops', audience: 'EXTERNAL' },
    ]);
    const internal = await t.ok<{ distributionLists: { name: string; client: null }[] }>(
      `{ distributionLists(internal: true) { name audience client { slug } } }`,
    );
    expect(internal.distributionLists).toEqual([{ name: 'engineering', audience: 'INTERNAL', client: null }]);
    await t.ok(
      UPSERT_LIST,
      { input: { name: 'temp', addresses: ['T@Hub.example', 't@hub.example'] } },
      t.tokens.admin,
    );
    const deleted = await t.ok<{ deleteDistributionList: boolean }>(
      `mutation { deleteDistributionList(name: "temp") }`,
      {},
      t.tokens.admin,
    );
    expect(deleted.deleteDistributionList).toBe(true);
  });
});

describe('sendCommunication by email', () => {
  it('sends the INTERNAL draft to the internal lists: recipients, subject, text and HTML parts', async () => {
    const incident = await mitigated();
    const sent = await t.ok<{ sendCommunication: { kind: string; data: Record<string, unknown> } }>(SEND, {
      input: { incidentKey: incident.key, audience: 'INTERNAL' },
    });
    expect(sent.sendCommunication.kind).toBe('COMMUNICATION');
    expect(sent.sendCommunication.data).toMatchObject({
      sent: 'communication',
      audience: 'INTERNAL',
      edited: false,
    });
    const [effect] = await settled(incident.key, 1);
    const [mail] = smtp.withMessageId(effect.payload.messageId);
    expect(smtp.received).toHaveLength(1);
    expect(mail.rcptTo.sort()).toEqual(['eng@hub.example', 'oncall@hub.example']);
    expect(mail.mailFrom).toBe('incidents@hub.example');
    expect(mail.parsed.subject).toBe(effect.payload.subject);
    expect(mail.parsed.subject).toContain(`[${incident.key}]`);
    expect(mail.parsed.text).toContain(`Resolved: ${incident.key}`);
    expect(mail.parsed.text).toContain('there will be no further updates');
    expect(mail.parsed.html).toContain(`<p>Resolved: ${incident.key}`);
    expect(mail.parsed.messageId).toBe(effect.payload.messageId);
  });

  it('sends EXTERNAL to each client: its own lists, its own sites, never the other client', async () => {
    const incident = await mitigated();
    await t.ok(SEND, { input: { incidentKey: incident.key, audience: 'EXTERNAL' } });
    const sent = await settled(incident.key, 2);
    expect(sent.map((e) => e.payload.list).sort()).toEqual(['albertsons-ops', 'wakefern-ops']);
    const byRcpt = (address: string) => smtp.received.find((m) => m.rcptTo.includes(address))!;
    const toAlbertsons = byRcpt('ops@albertsons.example');
    const toWakefern = byRcpt('noc@wakefern.example');
    expect(toAlbertsons.rcptTo).toEqual(['ops@albertsons.example']);
    expect(toWakefern.rcptTo.sort()).toEqual(['noc@wakefern.example', 'ops@wakefern.example']);
    expect(toAlbertsons.parsed.subject).toBe('Service update for Albertsons');
    for (const part of [toAlbertsons.parsed.subject, toAlbertsons.parsed.text, toAlbertsons.parsed.html]) {
      expect(String(part)).not.toMatch(/wakefern|wf0001|clifton|incident-\d/i);
    }
    for (const part of [toWakefern.parsed.subject, toWakefern.parsed.text, toWakefern.parsed.html]) {
      expect(String(part)).not.toMatch(/albertsons|ab0001|incident-\d/i);
    }
    expect(toWakefern.parsed.text).toContain('Service restored');
    expect(toWakefern.parsed.text).toContain('Your affected sites: wf0001 (clifton-nj)');
  });

  it('refuses an EXTERNAL text naming a client, and a send with no draft and no text', async () => {
    const incident = await mitigated();
    const naming = await t.gql(SEND, {
      input: { incidentKey: incident.key, audience: 'EXTERNAL', text: 'Wakefern and others are fine again.' },
    });
    expect(naming.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
    expect(naming.body.errors?.[0].message).toContain('"wakefern"');
    const fresh = await declare(t);
    const undrafted = await t.gql(SEND, { input: { incidentKey: fresh.key, audience: 'INTERNAL' } });
    expect(undrafted.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
    const byResponder = await t.gql(
      SEND,
      { input: { incidentKey: fresh.key, audience: 'INTERNAL', text: 'x' } },
      { token: t.tokens.responder },
    );
    expect(byResponder.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await timelineRows(t, incident.id)).filter((r) => r.text.includes('communication sent'))).toEqual(
      [],
    );
  });

  it('does not send twice when the connection is lost after the message was accepted', async () => {
    const incident = await mitigated();
    smtp.inject('dropReplyAfterData');
    await t.ok(SEND, { input: { incidentKey: incident.key, audience: 'INTERNAL', text: 'Edited recap.' } });
    const [effect] = await settled(incident.key, 1, ['DEAD']);
    expect(effect.lastError).toMatch(/^UNCERTAIN: connection lost after the message was handed over/);
    // The server did take it: one copy, and no retry brings a second.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(smtp.withMessageId(effect.payload.messageId)).toHaveLength(1);
    expect(await effects(incident.key)).toMatchObject([{ state: 'DEAD', attempts: 1 }]);
  });

  it('retries when the connection is lost before the message, and delivers it once', async () => {
    const incident = await mitigated();
    smtp.inject('dropAtRcpt');
    await t.ok(SEND, { input: { incidentKey: incident.key, audience: 'INTERNAL', text: 'Edited recap.' } });
    const [effect] = await settled(incident.key, 1);
    expect(effect.attempts).toBe(2);
    expect(smtp.withMessageId(effect.payload.messageId)).toHaveLength(1);
    expect(smtp.withMessageId(effect.payload.messageId)[0].parsed.text).toContain('Edited recap.');
  });
});

describe('without SMTP_URL', () => {
  it('records the email effects as DISABLED, with the rendered message', async () => {
    const off = await startTestHub({});
    try {
      await off.ok(UPSERT_LIST, { input: { name: 'eng', addresses: ['eng@hub.example'] } }, off.tokens.admin);
      const incident = await declare(off);
      await off.ok(SEND, { input: { incidentKey: incident.key, audience: 'INTERNAL', text: 'Heads up.' } });
      const data = await off.ok<{ incident: { integrationEffects: Effect[] } }>(EFFECTS, {
        key: incident.key,
      });
      expect(data.incident.integrationEffects).toMatchObject([
        {
          state: 'DISABLED',
          payload: { to: ['eng@hub.example'], subject: expect.stringContaining(incident.key) },
        },
      ]);
      expect(data.incident.integrationEffects[0].payload.text).toContain('Heads up.');
    } finally {
      await off.close();
    }
  }, 60_000);
});
