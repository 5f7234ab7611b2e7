// Where an EXTERNAL communication (sendCommunication) goes besides email: a public comment on the
// incident's Zendesk ticket and on each linked support ticket, and the status page's update, which
// never carries a text naming a client. INTERNAL reaches neither.
import { Audience, Stage } from '../../../src/domain/enums';
import type { CommunicationRecipients } from '../../../src/domain/events';
import { slackModule } from '../../../src/integrations/slack/slack.module';
import { statuspageModule } from '../../../src/integrations/statuspage/statuspage.module';
import { ticketDedupeKey } from '../../../src/integrations/zendesk/zendesk.reactions';
import { zendeskModule } from '../../../src/integrations/zendesk/zendesk.module';
import {
  domainEvent,
  incidentView,
  INCIDENT_ID,
  KEY,
  MemoryPlan,
  reactionsOf,
} from '../../support/reactions';

const wakefern: CommunicationRecipients = {
  clientSlug: 'wakefern',
  clientName: 'Wakefern',
  sites: [{ siteId: 'wf0001', location: 'clifton-nj' }],
  lists: [],
};

const sent = (audience: Audience, text: string, supportTicketIds: string[] = []) =>
  domainEvent('CommunicationSent', {
    sent: 'communication',
    audience,
    text,
    edited: true,
    draftEntryId: null,
    recipients: audience === Audience.EXTERNAL ? [wakefern] : [],
    supportTicketIds,
  });

describe('sendCommunication at Zendesk', () => {
  it('comments publicly on the incident ticket and on every linked ticket, once each', async () => {
    const plan = new MemoryPlan(incidentView({ zendeskTicketId: '42676' }));
    const event = sent(Audience.EXTERNAL, 'Service restored.', ['42676', '50001', '50002']);
    const intents = await plan.plan(reactionsOf(zendeskModule), event);
    expect(intents.map((i) => [i.action, i.payload.ticketId, i.payload.public, i.payload.body])).toEqual([
      ['zendesk.comment', '42676', true, 'Service restored.'],
      ['zendesk.comment', '50001', true, 'Service restored.'],
      ['zendesk.comment', '50002', true, 'Service restored.'],
    ]);
    expect(intents[0].payload.incidentKey).toBe(KEY);
    expect(new Set(intents.map((i) => i.dedupeKey)).size).toBe(3);
  });

  it("uses the hub's own ticket when the incident came from none, and says nothing for INTERNAL", async () => {
    const plan = new MemoryPlan(incidentView(), [ticketDedupeKey(INCIDENT_ID)]);
    const [comment] = await plan.plan(reactionsOf(zendeskModule), sent(Audience.EXTERNAL, 'Restored.'));
    expect(comment.payload).toMatchObject({ ticketId: null, public: true });
    expect(await new MemoryPlan().plan(reactionsOf(zendeskModule), sent(Audience.INTERNAL, 'x'))).toEqual([]);
  });
});

describe('sendCommunication on the status page', () => {
  const opened = `statuspage:incident:${INCIDENT_ID}`;

  it('posts the EXTERNAL text with the status of the stage', async () => {
    const plan = new MemoryPlan(incidentView({ stage: Stage.MITIGATED }), [opened]);
    expect(
      await plan.plan(reactionsOf(statuspageModule), sent(Audience.EXTERNAL, 'Service restored.')),
    ).toEqual([
      expect.objectContaining({
        action: 'statuspage.update',
        payload: { status: 'monitoring', body: 'Service restored.' },
      }),
    ]);
  });

  it('never publishes a text naming the client or its sites, and nothing for INTERNAL', async () => {
    const plan = new MemoryPlan(incidentView({ stage: Stage.MITIGATED }), [opened]);
    const [update] = await plan.plan(
      reactionsOf(statuspageModule),
      sent(Audience.EXTERNAL, 'Wakefern orders at wf0001 flow again.'),
    );
    expect(String(update.payload.body)).not.toMatch(/wakefern|wf0001/i);
    expect(await plan.plan(reactionsOf(statuspageModule), sent(Audience.INTERNAL, 'x'))).toEqual([]);
    expect(await new MemoryPlan().plan(reactionsOf(statuspageModule), sent(Audience.EXTERNAL, 'x'))).toEqual(
      [],
    );
  });
});

describe('sendCommunication in Slack', () => {
  it('posts an INTERNAL communication in the incident channel, not an EXTERNAL one', async () => {
    const plan = new MemoryPlan(incidentView(), [`slack:open-channel:${INCIDENT_ID}`]);
    const internal = sent(Audience.INTERNAL, 'Resolved: all good.');
    const [post] = await plan.plan(reactionsOf(slackModule), internal);
    expect(post).toMatchObject({ action: 'slack.post', dedupeKey: `slack:post:${internal.timelineEntryId}` });
    expect(post.payload.text).toContain('*Internal communication sent*\nResolved: all good.');
    expect(await plan.plan(reactionsOf(slackModule), sent(Audience.EXTERNAL, 'Restored.'))).toEqual([]);
  });
});
