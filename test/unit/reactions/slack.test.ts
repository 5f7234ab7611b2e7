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
  INCIDENT_ID,
  incidentView,
  KEY,
  MemoryPlan,
  type PlannedIntent,
  reactionsOf,
  runEffect,
  statusUpdate,
  testConfig,
} from '../../support/reactions';

const config = testConfig({
  SLACK_INCIDENTS_CHANNEL: '#major-incidents',
  ZENDESK_URL: 'https://acme.zendesk.com',
});
const slack = () => reactionsOf(slackModule, config);
const OPEN = `slack:open-channel:${INCIDENT_ID}`;

const actions = (intents: { action: string }[]) => intents.map((i) => i.action);

describe('Slack reactions', () => {
  it('opens the channel of a flow incident as separate effects: channel, topic, card, invitations, announcement', async () => {
    const plan = new MemoryPlan();
    const intents = await plan.plan(slack(), domainEvent('IncidentDeclared', { incidentFlow: true }));
    expect(actions(intents)).toEqual([
      'slack.openChannel',
      'slack.updateTopic',
      'slack.card',
      'slack.invite',
      'slack.announce',
    ]);
    const [open, topic, card, invite, announce] = intents;
    expect(open).toEqual({
      action: 'slack.openChannel',
      dedupeKey: OPEN,
      payload: { incidentKey: KEY, channelName: KEY },
    });
    expect(topic.payload).toEqual({
      topic: `P1 Acknowledged | Software incident manager: Dana | Meet https://g.co/meet/${KEY} | Orders not reaching the MFC`,
    });
    expect(card.payload).toEqual({
      marker: `Incident card ${KEY}`,
      text: [
        `:pushpin: *Incident card ${KEY}* (kept current by the hub)`,
        'P1 · Acknowledged · Orders not reaching the MFC',
        '*Roles*',
        '• Software incident manager: Dana',
        '*Links*',
        `• Meet: https://g.co/meet/${KEY}`,
      ].join('\n'),
    });
    expect(invite.payload).toEqual({ userIds: ['U01DANA001'] });
    expect(announce).toEqual({
      action: 'slack.announce',
      dedupeKey: `slack:announce:${INCIDENT_ID}`,
      payload: {
        incidentKey: KEY,
        channel: '#major-incidents',
        channelName: KEY,
        text: `:rotating_light: P1 incident ${KEY} declared: Orders not reaching the MFC. Join #${KEY} (Meet https://g.co/meet/${KEY}).`,
      },
    });
  });

  it('opens the channel without an announcement when no incidents channel is configured', async () => {
    const unset = reactionsOf(slackModule, testConfig());
    const intents = await new MemoryPlan().plan(unset, domainEvent('IncidentDeclared'));
    expect(actions(intents)).toEqual([
      'slack.openChannel',
      'slack.updateTopic',
      'slack.card',
      'slack.invite',
    ]);
  });

  it('names the channel of a single-site incident from a ticket by site, location and ticket, and links the ticket', async () => {
    const plan = new MemoryPlan(incidentView({ zendeskTicketId: '42675' }));
    const [open, topic, , , announce] = await plan.plan(slack(), domainEvent('IncidentDeclared'));
    expect(open.payload.channelName).toBe('incident-ab0001-dallas-tx-42675');
    expect(topic.payload.topic).toContain('Zendesk https://acme.zendesk.com/agent/tickets/42675');
    expect(announce.payload.text).toContain('Join #incident-ab0001-dallas-tx-42675 ');
  });

  it('re-sets the topic and card only when their text changes, and again when it changes back', async () => {
    const declared = await new MemoryPlan().plan(slack(), domainEvent('IncidentDeclared'));
    const [, topic, card] = declared;
    const planned = {
      lastSlackTopic: { text: String(topic.payload.topic), dedupeKey: topic.dedupeKey },
      lastSlackCard: { text: String(card.payload.text), dedupeKey: card.dedupeKey },
    };
    // a note, or a role re-assigned to the same people: the same texts, nothing to set
    const same = new MemoryPlan(incidentView(planned), [OPEN]);
    expect(actions(await same.plan(slack(), domainEvent('IncidentDetailsChanged')))).toEqual([]);
    // the stage moves: a new topic and card
    const moved = new MemoryPlan(incidentView({ ...planned, stage: 'INVESTIGATING' }), [OPEN]);
    const [newTopic, newCard] = await moved.plan(slack(), domainEvent('IncidentDetailsChanged'));
    expect([newTopic.action, newCard.action]).toEqual(['slack.updateTopic', 'slack.card']);
    expect(newTopic.dedupeKey).not.toBe(topic.dedupeKey);
    // two events of one transaction see one view: the topic is planned once
    expect(await moved.plan(slack(), domainEvent('RoleRelieved'))).toEqual([]);
    // and back to the first text after the second: set again, under a key of its own
    const back = new MemoryPlan(
      incidentView({
        lastSlackTopic: { text: String(newTopic.payload.topic), dedupeKey: newTopic.dedupeKey },
        lastSlackCard: { text: String(newCard.payload.text), dedupeKey: newCard.dedupeKey },
      }),
      [OPEN, topic.dedupeKey, newTopic.dedupeKey],
    );
    const [again] = await back.plan(slack(), domainEvent('IncidentDetailsChanged'));
    expect(again.payload).toEqual(topic.payload);
    expect([topic.dedupeKey, newTopic.dedupeKey]).not.toContain(again.dedupeKey);
  });

  it('opens no channel for an incident outside Incident Flow, whatever its priority, and one for any incident in it', async () => {
    const outside = incidentView({ priority: 'P1', incidentFlow: false });
    expect(await new MemoryPlan(outside).plan(slack(), domainEvent('IncidentDeclared'))).toEqual([]);
    const p3InFlow = incidentView({ priority: 'P3', incidentFlow: true });
    const opened = await new MemoryPlan(p3InFlow).plan(slack(), domainEvent('IncidentDeclared'));
    expect(actions(opened)).toContain('slack.openChannel');
  });

  it('opens the channel when the priority is raised into Incident Flow, not when it stays outside', async () => {
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    const plan = new MemoryPlan(incidentView({ priority: 'P2' }));
    expect(actions(await plan.plan(slack(), raised))).toContain('slack.openChannel');
    const lowered = domainEvent('PriorityChanged', { incidentFlow: false, enteredFlow: false });
    expect(
      await new MemoryPlan(incidentView({ priority: 'P4', incidentFlow: false })).plan(slack(), lowered),
    ).toEqual([]);
  });

  it('opens the channel once, and plans nothing in a channel that was never opened', async () => {
    const plan = new MemoryPlan();
    await plan.plan(slack(), domainEvent('IncidentDeclared'));
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    plan.view = incidentView({ priority: 'P2' });
    expect(actions(await plan.plan(slack(), raised))).toEqual(['slack.updateTopic', 'slack.card']);
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
    expect(intents.map((i) => i.action)).toEqual(['slack.updateTopic', 'slack.card', 'slack.post']);
    expect(intents[0].dedupeKey).toMatch(new RegExp(`^slack:topic:${INCIDENT_ID}:[0-9a-f]{24}$`));
    expect(intents[2].dedupeKey).toBe(`slack:post:${event.timelineEntryId}`);
    expect(intents[0].payload.topic).toMatch(/^P1 Identified \| /);
    const ref = `ref ${event.timelineEntryId.slice(0, 8)}`;
    expect(intents[2].payload).toEqual({
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
    const intents = await new MemoryPlan(view, [OPEN]).plan(slack(), domainEvent('RoleAssigned'));
    expect(actions(intents)).toEqual(['slack.updateTopic', 'slack.card', 'slack.invite']);
    const [topic, card, invite] = intents;
    expect(invite.payload.userIds).toEqual(['U01DANA001', 'U01RAJ0002']);
    expect(topic.payload.topic).toBe(
      'P1 Acknowledged | Software incident manager: Dana | Meet https://g.co/meet/albertsons-incident-1001 | ' +
        'Zendesk https://desk.test/agent/tickets/9 | Jira https://jira.test/browse/INC-7 | ' +
        'Domain expert: Raj, TAM: Off Slack | Orders not reaching the MFC',
    );
    expect(card.payload.text).toContain('• TAM: Off Slack\n*Links*');
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

  it('posts an escalation in the channel, so responders know who was paged and why', async () => {
    const [intent, ...more] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      slack(),
      domainEvent('Escalated', { teamName: 'Platform', reason: 'database failover needed' }),
    );
    expect(more).toEqual([]);
    expect(intent.action).toBe('slack.post');
    expect(intent.payload.text).toContain(
      ':rotating_light: Escalated to *Platform*: database failover needed',
    );
  });

  it('posts nothing for an event that says nothing to the channel (a note)', async () => {
    expect(await new MemoryPlan(incidentView(), [OPEN]).plan(slack(), domainEvent('NoteAdded'))).toEqual([]);
  });

  it('takes the bridge link from the conference bridge it is given', async () => {
    const bridge = new FakeBridge();
    const reactions = reactionsOf(slackModule, config, { bridge });
    const [, intent] = await new MemoryPlan().plan(reactions, domainEvent('IncidentDeclared'));
    expect(intent.payload.topic).toContain(`Meet https://meet.test/${KEY}`);
    expect(bridge.argsOf('linkFor')).toContainEqual([KEY]);
  });
});

describe('Slack effects through the chat port', () => {
  const run = (intent: PlannedIntent, chat: FakeChatChannel, ids: { SLACK?: string } = {}) =>
    runEffect(slackModule, chat, intent, config, effectContext(ids));

  it('opens the channel and nothing else; the topic, card, invitations and announcement wait for it, each on its own', async () => {
    const chat = new FakeChatChannel();
    const [open, topic, card, invite, announce] = await new MemoryPlan().plan(
      slack(),
      domainEvent('IncidentDeclared'),
    );
    for (const waiting of [topic, card, invite, announce]) {
      const error = await run(waiting, chat).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrationError);
      expect((error as IntegrationError).retryable).toBe(true);
    }
    expect(chat.calls).toEqual([]);
    const outcome = await run(open, chat);
    expect(chat.methods).toEqual(['ensureChannel']);
    const channel = chat.channels.get(KEY)!;
    expect(chat.argsOf('ensureChannel')).toEqual([[{ incidentKey: KEY, name: KEY }]]);
    expect(outcome).toEqual({
      externalId: channel.channelId,
      url: channel.url,
      result: { channelId: channel.channelId, channelName: KEY },
    });
    const opened = { SLACK: channel.channelId };
    await run(topic, chat, opened);
    await run(card, chat, opened);
    await run(invite, chat, opened);
    await run(announce, chat, opened);
    expect(chat.calls.slice(1)).toEqual([
      { method: 'setTopic', args: [channel.channelId, topic.payload.topic] },
      {
        method: 'upsertPinned',
        // fresh: whether no earlier run can have posted it (the unit context is a retry: false)
        args: [
          {
            channel: channel.channelId,
            marker: `Incident card ${KEY}`,
            text: card.payload.text,
            fresh: false,
          },
        ],
      },
      { method: 'invite', args: [channel.channelId, ['U01DANA001']] },
      {
        method: 'postMessage',
        args: [
          {
            channel: '#major-incidents',
            // the channel by id: Slack shows the name it really has, suffix and all
            text: `:rotating_light: P1 incident ${KEY} declared: Orders not reaching the MFC. Join <#${channel.channelId}> (Meet https://g.co/meet/${KEY}).`,
            dedupeKey: `incident ${KEY} declared`,
            fresh: false,
            blocks: [
              expect.objectContaining({ type: 'section' }),
              expect.objectContaining({
                elements: [
                  expect.objectContaining({ action_id: 'join_incident', value: KEY }),
                  expect.objectContaining({ action_id: 'take_role', value: KEY }),
                ],
              }),
            ],
          },
        ],
      },
    ]);
  });

  it('stands a topic or card down when a later one was planned (a retry running after it), and posts regardless', async () => {
    const chat = new FakeChatChannel();
    const intents = await new MemoryPlan(incidentView(), [OPEN]).plan(
      slack(),
      domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
    );
    const handler = handlerOf(slackModule, chat, config);
    const context = effectContext({ SLACK: 'C1' }, { superseded: true });
    for (const intent of intents) await handler.run(effectOf(ExternalSystem.SLACK, intent), context);
    expect(chat.methods).toEqual(['postMessage']);
  });

  it('posts in the incident channel, and waits (retryable) while the channel is not open', async () => {
    const chat = new FakeChatChannel();
    const plan = new MemoryPlan(incidentView(), [OPEN]);
    const intents = await plan.plan(
      slack(),
      domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
    );
    const post = intents.find((i) => i.action === 'slack.post')!;
    const waiting = await run(post, chat).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(IntegrationError);
    expect((waiting as IntegrationError).retryable).toBe(true);
    expect(chat.calls).toEqual([]);
    await run(post, chat, { SLACK: 'C0INCIDENT' });
    expect(chat.argsOf('postMessage')).toEqual([
      [{ channel: 'C0INCIDENT', text: post.payload.text, dedupeKey: post.payload.ref, fresh: false }],
    ]);
  });
});
