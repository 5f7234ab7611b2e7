// Communications outside the incident channel: each affected client's production channel hears
// of a flow incident at declaration, its all-clear at MITIGATED, EXTERNAL communications and a
// P1's EXTERNAL status updates, naming only that client's own sites; INTERNAL communications go
// to the incidents channel; a P1's EXTERNAL status update is emailed to each client's lists.
import { Audience, ExternalSystem, Stage } from '../../../src/domain/enums';
import type { CommunicationRecipients } from '../../../src/domain/events';
import { emailModule } from '../../../src/integrations/email/email.module';
import type { AffectedClientView } from '../../../src/integrations/incident-view';
import { slackModule } from '../../../src/integrations/slack/slack.module';
import { FakeChatChannel } from '../../support/in-process-ports';
import {
  domainEvent,
  effectContext,
  effectOf,
  handlerOf,
  incidentView,
  INCIDENT_ID,
  KEY,
  MemoryPlan,
  type PlannedIntent,
  reactionsOf,
  statusUpdate,
  testConfig,
} from '../../support/reactions';

const config = testConfig({
  SLACK_INCIDENTS_CHANNEL: '#major-incidents',
  MAIL_FROM: 'Incident hub <incidents@hub.example>',
});
const slack = () => reactionsOf(slackModule, config);
const email = () => reactionsOf(emailModule, config);
const OPEN = `slack:open-channel:${INCIDENT_ID}`;

const albertsons: AffectedClientView = {
  slug: 'albertsons',
  name: 'Albertsons',
  slackChannel: '#albertsons-prod',
  sites: [{ siteId: 'ab0001', location: 'dallas-tx' }],
  lists: [{ name: 'albertsons-ops', addresses: ['ops@albertsons.example'] }],
};
const wakefern: AffectedClientView = {
  slug: 'wakefern',
  name: 'Wakefern',
  slackChannel: '#wakefern-prod',
  sites: [{ siteId: 'wf0001', location: 'clifton-nj' }],
  lists: [{ name: 'wakefern-ops', addresses: ['ops@wakefern.example'] }],
};
const twoClients = {
  clients: [albertsons, wakefern],
  sites: [...albertsons.sites, ...wakefern.sites],
};

const toClients = (intents: PlannedIntent[]) => intents.filter((i) => i.action === 'slack.postTo');
const byChannel = (intents: PlannedIntent[]) =>
  Object.fromEntries(toClients(intents).map((i) => [i.payload.channel, String(i.payload.text)]));

/** The other client's slug, name, site id and location: none may appear in a client's text. */
const expectOnlyOwn = (text: string, own: AffectedClientView, other: AffectedClientView) => {
  expect(text).toContain(own.sites[0].siteId);
  for (const name of [other.slug, other.name, other.sites[0].siteId, other.sites[0].location]) {
    expect(text.toLowerCase()).not.toContain(name.toLowerCase());
  }
};

const recipientsOf = (c: AffectedClientView): CommunicationRecipients => ({
  clientSlug: c.slug,
  clientName: c.name,
  sites: c.sites,
  lists: c.lists,
});

const sent = (audience: Audience, text: string, recipients: CommunicationRecipients[]) =>
  domainEvent('CommunicationSent', {
    sent: 'communication',
    audience,
    text,
    edited: false,
    draftEntryId: null,
    recipients,
    supportTicketIds: [],
  });

describe('Client production channels', () => {
  it('tells each affected client with a channel, at declaration, that an incident is in progress and how to join, once each', async () => {
    const plan = new MemoryPlan(incidentView({ clients: [albertsons] }));
    const declared = domainEvent('IncidentDeclared', { incidentFlow: true });
    const intents = await plan.plan(slack(), declared);
    const [notice] = toClients(intents);
    expect(notice).toEqual({
      action: 'slack.postTo',
      dedupeKey: `slack:client:${declared.timelineEntryId}:albertsons`,
      payload: {
        channel: '#albertsons-prod',
        text: `:rotating_light: An incident affecting Albertsons is in progress; we are working on it. Join #${KEY} or the bridge https://g.co/meet/${KEY}.\nYour affected sites: ab0001 (dallas-tx) _(ref ${declared.timelineEntryId.slice(0, 8)})_`,
        ref: `ref ${declared.timelineEntryId.slice(0, 8)}`,
      },
    });
    // Planned again (a retried transaction): the channel is open, so nothing more.
    expect(toClients(await plan.plan(slack(), domainEvent('IncidentDeclared')))).toEqual([]);
  });

  it('posts nothing for a client without a production channel, nor for an incident outside Incident Flow', async () => {
    const silent = { ...albertsons, slackChannel: null };
    const intents = await new MemoryPlan(incidentView({ clients: [silent] })).plan(
      slack(),
      domainEvent('IncidentDeclared'),
    );
    expect(toClients(intents)).toEqual([]);
    const outside = new MemoryPlan(incidentView({ clients: [albertsons], incidentFlow: false }));
    expect(await outside.plan(slack(), domainEvent('IncidentDeclared'))).toEqual([]);
  });

  it('names only its own sites in each client’s notice, and leaves out a join link that names another client', async () => {
    const plan = new MemoryPlan(incidentView(twoClients));
    const texts = byChannel(await plan.plan(slack(), domainEvent('IncidentDeclared')));
    expect(Object.keys(texts)).toEqual(['#albertsons-prod', '#wakefern-prod']);
    expectOnlyOwn(texts['#wakefern-prod'], wakefern, albertsons);
    expectOnlyOwn(texts['#albertsons-prod'], albertsons, wakefern);
    // The key (and so the channel and bridge) names albertsons: Wakefern is asked to reply instead.
    expect(texts['#wakefern-prod']).toContain('Reply in this channel to be invited');
    expect(texts['#albertsons-prod']).toContain(`Join #${KEY}`);
  });

  it('posts an all-clear in each client channel at MITIGATED, and none at other stages', async () => {
    const plan = new MemoryPlan(incidentView(twoClients), [OPEN]);
    const mitigated = domainEvent('StageChanged', { from: Stage.IDENTIFIED, to: Stage.MITIGATED });
    const texts = byChannel(await plan.plan(slack(), mitigated));
    expect(texts['#albertsons-prod']).toMatch(/^:white_check_mark: All clear for Albertsons/);
    expectOnlyOwn(texts['#albertsons-prod'], albertsons, wakefern);
    expectOnlyOwn(texts['#wakefern-prod'], wakefern, albertsons);
    const identified = domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.IDENTIFIED });
    expect(toClients(await plan.plan(slack(), identified))).toEqual([]);
  });

  it('posts an INTERNAL communication in the incidents channel (and the incident channel)', async () => {
    const plan = new MemoryPlan(incidentView(twoClients), [OPEN]);
    const event = sent(Audience.INTERNAL, 'Root cause: a stuck consumer.', []);
    const intents = await plan.plan(slack(), event);
    expect(intents.map((i) => i.action)).toEqual(['slack.post', 'slack.postTo']);
    expect(toClients(intents)[0]).toEqual({
      action: 'slack.postTo',
      dedupeKey: `slack:communication:${event.timelineEntryId}:incidents`,
      payload: {
        channel: '#major-incidents',
        text: `*Internal communication (${KEY})*\nRoot cause: a stuck consumer. _(ref ${event.timelineEntryId.slice(0, 8)})_`,
        ref: `ref ${event.timelineEntryId.slice(0, 8)}`,
      },
    });
    // No incidents channel configured: none.
    const unset = reactionsOf(slackModule, testConfig());
    expect(toClients(await new MemoryPlan(incidentView(), [OPEN]).plan(unset, event))).toEqual([]);
  });

  it('posts an EXTERNAL communication in each client channel with only its own sites, also outside Incident Flow', async () => {
    const plan = new MemoryPlan(incidentView({ ...twoClients, incidentFlow: false }));
    const event = sent(Audience.EXTERNAL, 'Orders are flowing again.', [
      recipientsOf(albertsons),
      recipientsOf(wakefern),
    ]);
    const intents = await plan.plan(slack(), event);
    expect(intents.map((i) => i.dedupeKey)).toEqual([
      `slack:client:${event.timelineEntryId}:albertsons`,
      `slack:client:${event.timelineEntryId}:wakefern`,
    ]);
    const texts = byChannel(intents);
    expect(texts['#wakefern-prod']).toMatch(
      /^Orders are flowing again\.\nYour affected sites: wf0001 \(clifton-nj\) _\(ref /,
    );
    expectOnlyOwn(texts['#wakefern-prod'], wakefern, albertsons);
    expectOnlyOwn(texts['#albertsons-prod'], albertsons, wakefern);
    expect(await plan.plan(slack(), sent(Audience.EXTERNAL, 'x', []))).toHaveLength(2);
  });

  it('posts a P1’s EXTERNAL status update in each client channel, and not an INTERNAL one or a P2’s', async () => {
    const update = statusUpdate();
    const posted = () =>
      domainEvent('StatusUpdatePosted', { statusUpdateId: update.id, audience: Audience.EXTERNAL });
    const plan = new MemoryPlan(incidentView({ ...twoClients, statusUpdates: [update] }), [OPEN]);
    const texts = byChannel(await plan.plan(slack(), posted()));
    expect(texts['#albertsons-prod']).toContain('*Status update*\nClient impact: Orders are delayed');
    expectOnlyOwn(texts['#albertsons-prod'], albertsons, wakefern);
    expectOnlyOwn(texts['#wakefern-prod'], wakefern, albertsons);
    const internal = domainEvent('StatusUpdatePosted', {
      statusUpdateId: update.id,
      audience: Audience.INTERNAL,
    });
    expect(toClients(await plan.plan(slack(), internal))).toEqual([]);
    const p2 = new MemoryPlan(incidentView({ ...twoClients, priority: 'P2', statusUpdates: [update] }), [
      OPEN,
    ]);
    expect(toClients(await p2.plan(slack(), posted()))).toEqual([]);
  });

  it('emails a P1’s EXTERNAL status update to each client’s lists, naming only that client and its sites', async () => {
    const update = statusUpdate();
    const event = domainEvent('StatusUpdatePosted', {
      statusUpdateId: update.id,
      audience: Audience.EXTERNAL,
    });
    const plan = new MemoryPlan(incidentView({ ...twoClients, statusUpdates: [update] }));
    const intents = await plan.plan(email(), event);
    expect(intents.map((i) => [i.dedupeKey, i.payload.to])).toEqual([
      [`email:status-update:${event.timelineEntryId}:albertsons-ops`, ['ops@albertsons.example']],
      [`email:status-update:${event.timelineEntryId}:wakefern-ops`, ['ops@wakefern.example']],
    ]);
    const [toAlbertsons, toWakefern] = intents;
    expect(toWakefern.payload.subject).toBe('Service update for Wakefern');
    expect(toWakefern.payload.text).toContain('Client impact: Orders are delayed');
    for (const part of ['subject', 'text', 'html'] as const) {
      expectOnlyOwn(String(toWakefern.payload[part]) + ' wf0001', wakefern, albertsons);
      expectOnlyOwn(String(toAlbertsons.payload[part]) + ' ab0001', albertsons, wakefern);
    }
    expect(toWakefern.payload.text).toContain('wf0001 (clifton-nj)');
    // Planned again: nothing new.
    expect(await plan.plan(email(), event)).toEqual([]);
    const p2 = new MemoryPlan(incidentView({ ...twoClients, priority: 'P2', statusUpdates: [update] }));
    expect(await p2.plan(email(), event)).toEqual([]);
  });

  it('leaves out of a client’s status update (post and email) each answer that names another client', async () => {
    const update = statusUpdate({
      clientImpact: 'Orders are delayed at wf0001 and ab0001',
      knownProblem: 'Wakefern traffic overloads the queue',
    });
    const posted = () =>
      domainEvent('StatusUpdatePosted', { statusUpdateId: update.id, audience: Audience.EXTERNAL });
    const view = incidentView({ ...twoClients, statusUpdates: [update] });
    const texts = byChannel(await new MemoryPlan(view, [OPEN]).plan(slack(), posted()));
    // Albertsons' own site is fine for Albertsons... but the answer names wf0001 too: left out.
    expect(texts['#albertsons-prod']).not.toContain('Client impact');
    expect(texts['#albertsons-prod']).not.toContain('What we know');
    expect(texts['#albertsons-prod']).toContain('Next steps: Watch the backlog drain');
    expectOnlyOwn(texts['#albertsons-prod'], albertsons, wakefern);
    // Wakefern's own name is fine for Wakefern; the impact names ab0001: left out.
    expect(texts['#wakefern-prod']).toContain('What we know: Wakefern traffic overloads the queue');
    expect(texts['#wakefern-prod']).not.toContain('Client impact');
    const mails = await new MemoryPlan(view).plan(email(), posted());
    expect(String(mails[0].payload.text)).not.toMatch(/wf0001|wakefern/i);
    const all = statusUpdate({
      clientImpact: 'wf0001',
      knownProblem: 'wf0001',
      attempted: 'wf0001',
      nextSteps: 'wf0001',
    });
    const neutral = byChannel(
      await new MemoryPlan(incidentView({ ...twoClients, statusUpdates: [all] }), [OPEN]).plan(
        slack(),
        domainEvent('StatusUpdatePosted', { statusUpdateId: all.id, audience: Audience.EXTERNAL }),
      ),
    );
    expect(neutral['#albertsons-prod']).toContain(
      'We are still working on the incident affecting Albertsons and will update you again soon.',
    );
  });

  it('posts in the named channel without waiting for the incident channel, once per ref', async () => {
    const chat = new FakeChatChannel();
    const [notice] = toClients(
      await new MemoryPlan(incidentView({ clients: [albertsons] })).plan(
        slack(),
        domainEvent('IncidentDeclared'),
      ),
    );
    const handler = handlerOf(slackModule, chat, config);
    const first = await handler.run(effectOf(ExternalSystem.SLACK, notice), effectContext());
    await handler.run(effectOf(ExternalSystem.SLACK, notice), effectContext());
    expect(chat.messages.map((m) => m.channel)).toEqual(['#albertsons-prod']);
    expect(first.result).toEqual({ channel: '#albertsons-prod', messageId: chat.messages[0].messageId });
  });
});
