// Slack's rules: the incident channel for a flow incident, its topic kept current, stage changes
// and status updates posted in it; and the handler's calls through the chat port.
import { Audience, ExternalSystem, Stage } from '../../../src/domain/enums';
import { IntegrationError } from '../../../src/integrations/integration-error';
import { slackModule } from '../../../src/integrations/slack/slack.module';
import { FakeBridge, FakeChatChannel } from '../../support/in-process-ports';
import {
  domainEvent,
  effectContext,
  effectOf,
  handlerOf,
  incidentView,
  INCIDENT_ID,
  KEY,
  MemoryPlan,
  reactionsOf,
  statusUpdate,
  testConfig,
} from '../../support/reactions';

const config = testConfig({
  SLACK_INCIDENTS_CHANNEL: '#major-incidents',
  ZENDESK_URL: 'https://acme.zendesk.com',
});
const slack = () => reactionsOf(slackModule, config);
const OPEN = `slack:open-channel:${INCIDENT_ID}`;

describe('Slack reactions', () => {
  it('opens the channel of a flow incident: name, topic, role holders invited, announcement with the bridge', async () => {
    const plan = new MemoryPlan();
    const [intent, ...more] = await plan.plan(
      slack(),
      domainEvent('IncidentDeclared', { incidentFlow: true }),
    );
    expect(more).toEqual([]);
    expect(intent).toEqual({
      action: 'slack.openChannel',
      dedupeKey: OPEN,
      payload: {
        incidentKey: KEY,
        channelName: KEY,
        topic: `P1 Acknowledged | Orders not reaching the MFC | Software incident manager: Dana | Meet https://g.co/meet/${KEY}`,
        inviteUserIds: ['U01DANA001'],
        announcement: {
          channel: '#major-incidents',
          text: `:rotating_light: P1 incident ${KEY} declared: Orders not reaching the MFC. Join #${KEY} (Meet https://g.co/meet/${KEY}).`,
        },
      },
    });
  });

  it('names the channel of a single-site incident from a ticket by site, location and ticket, and links the ticket', async () => {
    const plan = new MemoryPlan(incidentView({ zendeskTicketId: '42675' }));
    const [intent] = await plan.plan(slack(), domainEvent('IncidentDeclared'));
    expect(intent.payload.channelName).toBe('incident-ab0001-dallas-tx-42675');
    expect(intent.payload.topic).toContain('Zendesk https://acme.zendesk.com/agent/tickets/42675');
  });

  it('opens no channel for an incident outside Incident Flow, whatever its priority, and one for any incident in it', async () => {
    const outside = incidentView({ priority: 'P1', incidentFlow: false });
    expect(await new MemoryPlan(outside).plan(slack(), domainEvent('IncidentDeclared'))).toEqual([]);
    const p3InFlow = incidentView({ priority: 'P3', incidentFlow: true });
    const opened = await new MemoryPlan(p3InFlow).plan(slack(), domainEvent('IncidentDeclared'));
    expect(opened.map((i) => i.action)).toEqual(['slack.openChannel']);
  });

  it('opens the channel when the priority is raised into Incident Flow, not when it stays outside', async () => {
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    const plan = new MemoryPlan(incidentView({ priority: 'P2' }));
    expect((await plan.plan(slack(), raised)).map((i) => i.action)).toEqual(['slack.openChannel']);
    const lowered = domainEvent('PriorityChanged', { incidentFlow: false, enteredFlow: false });
    expect(
      await new MemoryPlan(incidentView({ priority: 'P4', incidentFlow: false })).plan(slack(), lowered),
    ).toEqual([]);
  });

  it('opens the channel once, and plans nothing in a channel that was never opened', async () => {
    const plan = new MemoryPlan();
    await plan.plan(slack(), domainEvent('IncidentDeclared'));
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    expect((await plan.plan(slack(), raised)).map((i) => i.action)).toEqual(['slack.updateTopic']);
    const noChannel = new MemoryPlan(incidentView({ priority: 'P3', incidentFlow: false }));
    expect(
      await noChannel.plan(
        slack(),
        domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
      ),
    ).toEqual([]);
  });

  it('posts a stage change in the channel, with its note, and refreshes the topic', async () => {
    const plan = new MemoryPlan(incidentView({ stage: 'IDENTIFIED' }), [OPEN]);
    const event = domainEvent('StageChanged', {
      from: Stage.INVESTIGATING,
      to: Stage.IDENTIFIED,
      note: 'Stale map',
    });
    const intents = await plan.plan(slack(), event);
    expect(intents.map((i) => [i.action, i.dedupeKey])).toEqual([
      ['slack.updateTopic', `slack:topic:${event.timelineEntryId}`],
      ['slack.post', `slack:post:${event.timelineEntryId}`],
    ]);
    expect(intents[0].payload.topic).toMatch(/^P1 Identified \| /);
    const ref = `ref ${event.timelineEntryId.slice(0, 8)}`;
    expect(intents[1].payload).toEqual({
      text: `Stage: Investigating → *Identified*: Stale map _(${ref})_`,
      ref,
    });
  });

  it('invites the role holders and puts the vendor links in the topic when a role is assigned', async () => {
    const view = incidentView({
      roles: [
        { role: 'SOFTWARE_INCIDENT_MANAGER', title: null, name: 'Dana', slackUserId: 'U01DANA001' },
        { role: 'DOMAIN_EXPERT', title: null, name: 'Raj', slackUserId: 'U01RAJ0002' },
        { role: 'TAM', title: null, name: 'Off Slack', slackUserId: null },
      ],
      externalUrls: { JIRA: 'https://jira.test/browse/INC-7', ZENDESK: 'https://desk.test/agent/tickets/9' },
    });
    const [intent, ...more] = await new MemoryPlan(view, [OPEN]).plan(slack(), domainEvent('RoleAssigned'));
    expect(more).toEqual([]);
    expect(intent.action).toBe('slack.updateTopic');
    expect(intent.payload.inviteUserIds).toEqual(['U01DANA001', 'U01RAJ0002']);
    expect(intent.payload.topic).toContain('Domain expert: Raj');
    expect(intent.payload.topic).toContain(
      'Zendesk https://desk.test/agent/tickets/9 | Jira https://jira.test/browse/INC-7',
    );
  });

  it('posts a status update as the four questions', async () => {
    const update = statusUpdate({ audience: 'INTERNAL' });
    const plan = new MemoryPlan(incidentView({ statusUpdates: [update] }), [OPEN]);
    const [intent, ...more] = await plan.plan(
      slack(),
      domainEvent('StatusUpdatePosted', { statusUpdateId: update.id, audience: Audience.INTERNAL }),
    );
    expect(more).toEqual([]);
    expect(intent.action).toBe('slack.post');
    expect(intent.payload.text).toContain(
      '*Status update* (internal)\n• Client impact: Orders are delayed\n• What we know: A stuck queue consumer\n• What we tried: Restarted the consumer\n• Next steps: Watch the backlog drain',
    );
  });

  it('posts nothing for an event that says nothing to the channel (a note)', async () => {
    expect(await new MemoryPlan(incidentView(), [OPEN]).plan(slack(), domainEvent('NoteAdded'))).toEqual([]);
  });

  it('takes the bridge link from the conference bridge it is given', async () => {
    const bridge = new FakeBridge();
    const reactions = reactionsOf(slackModule, config, { bridge });
    const [intent] = await new MemoryPlan().plan(reactions, domainEvent('IncidentDeclared'));
    expect(intent.payload.topic).toContain(`Meet https://meet.test/${KEY}`);
    expect(bridge.argsOf('linkFor')).toContainEqual([KEY]);
  });
});

describe('Slack effects through the chat port', () => {
  it('opens the channel: ensure, topic, invites, then the announcement with a dedupe key', async () => {
    const chat = new FakeChatChannel();
    const [intent] = await new MemoryPlan().plan(slack(), domainEvent('IncidentDeclared'));
    const outcome = await handlerOf(slackModule, chat, config).run(
      effectOf(ExternalSystem.SLACK, intent),
      effectContext(),
    );
    expect(chat.methods).toEqual(['ensureChannel', 'setTopic', 'invite', 'postMessage']);
    const channel = chat.channels.get(KEY)!;
    expect(chat.argsOf('ensureChannel')).toEqual([[{ incidentKey: KEY, name: KEY }]]);
    expect(chat.argsOf('invite')).toEqual([[channel.channelId, ['U01DANA001']]]);
    expect(chat.messages).toEqual([
      expect.objectContaining({ channel: '#major-incidents', dedupeKey: `incident ${KEY} declared` }),
    ]);
    expect(outcome).toMatchObject({ externalId: channel.channelId, url: channel.url });
  });

  it('posts in the incident channel, and waits (retryable) while the channel is not open', async () => {
    const chat = new FakeChatChannel();
    const plan = new MemoryPlan(incidentView(), [OPEN]);
    const [, post] = await plan.plan(
      slack(),
      domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
    );
    const handler = handlerOf(slackModule, chat, config);
    const effect = effectOf(ExternalSystem.SLACK, post);
    const waiting = await handler.run(effect, effectContext()).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(IntegrationError);
    expect((waiting as IntegrationError).retryable).toBe(true);
    expect(chat.calls).toEqual([]);
    await handler.run(effect, effectContext({ SLACK: 'C0INCIDENT' }));
    expect(chat.argsOf('postMessage')).toEqual([
      [{ channel: 'C0INCIDENT', text: post.payload.text, dedupeKey: post.payload.ref }],
    ]);
  });

  it('sets the topic and invites through the port', async () => {
    const chat = new FakeChatChannel();
    const [topic] = await new MemoryPlan(incidentView(), [OPEN]).plan(slack(), domainEvent('RoleAssigned'));
    await handlerOf(slackModule, chat, config).run(
      effectOf(ExternalSystem.SLACK, topic),
      effectContext({ SLACK: 'C1' }),
    );
    expect(chat.calls).toEqual([
      { method: 'setTopic', args: ['C1', topic.payload.topic] },
      { method: 'invite', args: ['C1', ['U01DANA001']] },
    ]);
  });
});
