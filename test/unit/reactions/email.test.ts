// Email's rules: a sent communication becomes one email per distribution list, rendered from the
// templates in the repository when planned; INTERNAL with the incident's facts, EXTERNAL per
// client naming only that client and its own sites; facts are HTML-escaped in the HTML part.
import { Audience } from '../../../src/domain/enums';
import type { CommunicationRecipients } from '../../../src/domain/events';
import { emailModule } from '../../../src/integrations/email/email.module';
import { messageIdOf } from '../../../src/integrations/email/email.reactions';
import { FakeMailer } from '../../support/in-process-ports';
import { domainEvent, KEY, MemoryPlan, reactionsOf, runEffect, testConfig } from '../../support/reactions';

const config = testConfig({ MAIL_FROM: 'Incident hub <incidents@hub.example>' });
const email = () => reactionsOf(emailModule, config);

const internalLists: CommunicationRecipients = {
  clientSlug: null,
  clientName: null,
  sites: [],
  lists: [
    { name: 'engineering', addresses: ['eng@hub.example'] },
    { name: 'leadership', addresses: ['ceo@hub.example', 'cto@hub.example'] },
  ],
};
const albertsons: CommunicationRecipients = {
  clientSlug: 'albertsons',
  clientName: 'Albertsons',
  sites: [{ siteId: 'ab0001', location: 'dallas-tx' }],
  lists: [{ name: 'albertsons-ops', addresses: ['ops@albertsons.example'] }],
};
const wakefern: CommunicationRecipients = {
  clientSlug: 'wakefern',
  clientName: 'Wakefern',
  sites: [{ siteId: 'wf0001', location: 'clifton-nj' }],
  lists: [{ name: 'wakefern-ops', addresses: ['ops@wakefern.example'] }],
};

const sent = (audience: Audience, text: string, recipients: CommunicationRecipients[]) =>
  domainEvent('CommunicationSent', {
    sent: 'communication',
    audience,
    text,
    edited: false,
    draftEntryId: null,
    recipients,
  });

describe('Email reactions', () => {
  it('plans one email per internal list, with the incident facts, HTML-escaped in the HTML part', async () => {
    const event = sent(Audience.INTERNAL, 'Resolved.\n\nRoot cause: <script>alert(1)</script> & co', [
      internalLists,
    ]);
    const intents = await new MemoryPlan().plan(email(), event);
    expect(intents.map((i) => [i.action, i.payload.list, i.payload.to])).toEqual([
      ['email.send', 'engineering', ['eng@hub.example']],
      ['email.send', 'leadership', ['ceo@hub.example', 'cto@hub.example']],
    ]);
    const [first] = intents;
    expect(first.dedupeKey).toBe(`email:communication:${event.timelineEntryId}:engineering`);
    expect(first.payload).toMatchObject({
      kind: 'communication-internal',
      from: 'Incident hub <incidents@hub.example>',
      subject: `[${KEY}] Orders not reaching the MFC: final communication`,
      messageId: messageIdOf(first.dedupeKey, 'Incident hub <incidents@hub.example>'),
    });
    expect(first.payload.messageId).toMatch(/^<[0-9a-f]{32}@hub\.example>$/);
    expect(first.payload.text).toContain('Root cause: <script>alert(1)</script> & co');
    expect(first.payload.text).toContain(`${KEY} (P1, Acknowledged)`);
    expect(first.payload.html).toContain('Root cause: &lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(first.payload.html).not.toContain('<script>');
    expect(first.payload.html).toContain('<p>Resolved.</p>');
  });

  it('plans each email once: the same event planned again adds nothing', async () => {
    const plan = new MemoryPlan();
    const event = sent(Audience.INTERNAL, 'Resolved.', [internalLists]);
    expect(await plan.plan(email(), event)).toHaveLength(2);
    expect(await plan.plan(email(), event)).toEqual([]);
  });

  it('tells each client only about itself and its own sites, without the incident key', async () => {
    const event = sent(Audience.EXTERNAL, 'Service restored.', [albertsons, wakefern]);
    const intents = await new MemoryPlan().plan(email(), event);
    expect(intents.map((i) => i.payload.to)).toEqual([['ops@albertsons.example'], ['ops@wakefern.example']]);
    const [toAlbertsons, toWakefern] = intents;
    expect(toAlbertsons.payload.subject).toBe('Service update for Albertsons');
    expect(toAlbertsons.payload.text).toBe('Service restored.\n\nYour affected sites: ab0001 (dallas-tx)\n');
    for (const part of ['subject', 'text', 'html']) {
      expect(toAlbertsons.payload[part]).not.toMatch(/wakefern|wf0001|clifton/i);
      expect(toWakefern.payload[part]).not.toMatch(/albertsons|ab0001|dallas/i);
      expect(toWakefern.payload[part]).not.toContain(KEY);
    }
    expect(toWakefern.payload.html).toContain('wf0001 (clifton-nj)');
  });

  it('skips a client without lists, and reacts to nothing else', async () => {
    const noLists = { ...wakefern, lists: [] };
    expect(await new MemoryPlan().plan(email(), sent(Audience.EXTERNAL, 'x', [noLists]))).toEqual([]);
    expect(await new MemoryPlan().plan(email(), domainEvent('IncidentDeclared'))).toEqual([]);
    expect(await new MemoryPlan().plan(email(), domainEvent('StatusUpdatePosted'))).toEqual([]);
  });

  it('is planned the same way without SMTP (recorded as DISABLED with the rendered message)', async () => {
    const disabled = reactionsOf(emailModule, config, { enabled: false });
    expect(disabled.enabled).toBe(false);
    const [intent] = await new MemoryPlan().plan(
      disabled,
      sent(Audience.INTERNAL, 'Resolved.', [internalLists]),
    );
    expect(intent.payload.subject).toContain(KEY);
  });

  it('sends the rendered message with its Message-ID through the mailer', async () => {
    const [intent] = await new MemoryPlan().plan(
      email(),
      sent(Audience.INTERNAL, 'Resolved.', [internalLists]),
    );
    const mailer = new FakeMailer();
    const outcome = await runEffect(emailModule, mailer, intent, config);
    const { messageId, from, to, subject, text, html } = intent.payload;
    expect(mailer.argsOf('send')).toEqual([[{ messageId, from, to, subject, text, html }]]);
    expect(outcome.result).toMatchObject({ messageId, accepted: ['eng@hub.example'], rejected: [] });
  });
});
