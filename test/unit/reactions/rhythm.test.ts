// The status-update rhythm's reactions: a Slack reminder with the status update button in the
// incident channel, and an Opsgenie page of the backup incident manager (or the incident-manager
// schedule) when the update is overdue by twice the interval.
import { ExternalSystem } from '../../../src/domain/enums';
import { OpsgenieOverdueReactions } from '../../../src/integrations/opsgenie/opsgenie.overdue';
import { slackModule } from '../../../src/integrations/slack/slack.module';
import { SlackReminderReactions } from '../../../src/integrations/slack/slack.reminders';
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
} from '../../support/reactions';

const OPEN = `slack:open-channel:${INCIDENT_ID}`;
const overdue = {
  dueAt: '2026-11-28T03:30:00.000Z',
  intervalSeconds: 1800,
  period: 1,
  overdueSeconds: 300,
  incidentManagers: [{ personId: 'p-1', name: 'Dana', slackUserId: 'U01DANA001' }],
};

describe('Slack reminders', () => {
  it('posts a reminder mentioning the incident managers, with the status update button', async () => {
    const event = domainEvent('StatusUpdateReminderSent', overdue);
    const [intent, ...more] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      new SlackReminderReactions(true),
      event,
    );
    expect(more).toEqual([]);
    const ref = `ref ${event.timelineEntryId.slice(0, 8)}`;
    const text =
      `:alarm_clock: <@U01DANA001> the status update for ${KEY} was due at 03:30 UTC and is 5 min overdue. ` +
      `Post one with the button or \`/incident update\`. _(${ref})_`;
    expect(intent).toEqual({
      action: 'slack.post',
      dedupeKey: `slack:reminder:${event.timelineEntryId}`,
      payload: {
        text,
        ref,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text } },
          {
            type: 'actions',
            block_id: 'status_update_reminder',
            elements: [
              {
                type: 'button',
                action_id: 'open_status_update',
                style: 'primary',
                text: { type: 'plain_text', text: 'Post a status update' },
                value: KEY,
              },
            ],
          },
        ],
      },
    });
  });

  it('says so when no incident manager is assigned, and posts nothing without a channel', async () => {
    const nobody = domainEvent('StatusUpdateReminderSent', { ...overdue, incidentManagers: [] });
    const [intent] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      new SlackReminderReactions(true),
      nobody,
    );
    expect(intent.payload.text).toMatch(/^:alarm_clock: No incident manager is assigned: the status update/);
    expect(await new MemoryPlan().plan(new SlackReminderReactions(true), nobody)).toEqual([]);
    expect(
      await new MemoryPlan(incidentView(), [OPEN]).plan(
        new SlackReminderReactions(true),
        domainEvent('NoteAdded'),
      ),
    ).toEqual([]);
  });

  it('is posted with its blocks through the chat port, once', async () => {
    const chat = new FakeChatChannel();
    const [intent] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      new SlackReminderReactions(true),
      domainEvent('StatusUpdateReminderSent', overdue),
    );
    const handler = handlerOf(slackModule, chat);
    const effect = effectOf(ExternalSystem.SLACK, intent);
    await handler.run(effect, effectContext({ SLACK: 'C00000001' }));
    await handler.run(effect, effectContext({ SLACK: 'C00000001' }));
    expect(chat.messages).toHaveLength(1);
    expect(chat.argsOf('postMessage')[0]).toEqual([
      {
        channel: 'C00000001',
        text: intent.payload.text,
        dedupeKey: intent.payload.ref,
        blocks: intent.payload.blocks,
        fresh: false,
      },
    ]);
  });
});

describe('Opsgenie pages for an overdue update', () => {
  const escalated = (backup: boolean) =>
    domainEvent('StatusUpdateOverdueEscalated', {
      ...overdue,
      period: 3,
      reason: 'Status update overdue by 60 min (due 03:30 UTC)',
      backupIncidentManager: backup
        ? { personId: 'p-2', name: 'Bo', slackUserId: null, pagerUser: 'bo@example.com' }
        : null,
    });

  it('pages the backup incident manager as its own alert', async () => {
    const event = escalated(true);
    const [intent] = await new MemoryPlan().plan(new OpsgenieOverdueReactions(true, 'im-schedule'), event);
    expect(intent).toMatchObject({
      action: 'opsgenie.page',
      dedupeKey: `opsgenie:escalation:${event.timelineEntryId}`,
      payload: {
        alias: `${KEY}-escalation-${event.timelineEntryId.slice(0, 8)}`,
        message: `${KEY}: Status update overdue: Orders not reaching the MFC`,
        responders: [{ type: 'user', name: 'bo@example.com' }],
      },
    });
    expect(intent.payload.description).toContain('Owed by Dana');
  });

  it('pages the incident-manager schedule without a backup, and nobody without either', async () => {
    const [intent] = await new MemoryPlan().plan(
      new OpsgenieOverdueReactions(true, 'im-schedule'),
      escalated(false),
    );
    expect(intent.payload.responders).toEqual([{ type: 'schedule', name: 'im-schedule' }]);
    expect(
      await new MemoryPlan().plan(new OpsgenieOverdueReactions(true, undefined), escalated(false)),
    ).toEqual([]);
  });
});
