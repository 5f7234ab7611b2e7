// The handover prompt's Slack reaction: posted in the incident channel (only when there is one),
// mentioning the holder and the suggested people, and saying where the suggestion came from.
import { SlackHandoverReactions } from '../../../src/integrations/slack/slack.reminders';
import type { HandoverPrompt } from '../../../src/domain/events';
import { IncidentRole } from '../../../src/domain/enums';
import { domainEvent, incidentView, INCIDENT_ID, KEY, MemoryPlan } from '../../support/reactions';

const OPEN = `slack:open-channel:${INCIDENT_ID}`;
const prompt: HandoverPrompt = {
  kind: 'handover',
  assignmentId: 'a-1',
  role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
  holder: { personId: 'p-1', name: 'Dana', slackUserId: 'U01DANA001' },
  heldSince: '2026-11-28T03:30:00.000Z',
  heldSeconds: 4 * 3600 + 12 * 60,
  period: 1,
  suggested: [{ personId: 'p-2', name: 'Sam', slackUserId: null }],
  suggestedFrom: 'timezone',
};

describe('Slack handover prompts', () => {
  it('posts the prompt mentioning the holder and the suggestion', async () => {
    const event = domainEvent('HandoverPrompted', prompt);
    const [intent, ...more] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      new SlackHandoverReactions(true),
      event,
    );
    expect(more).toEqual([]);
    expect(intent.dedupeKey).toBe(`slack:handover:${event.timelineEntryId}`);
    expect(intent.payload.text).toContain(
      `<@U01DANA001> you have been incident manager of ${KEY} for 4h 12m.`,
    );
    expect(intent.payload.text).toContain('Consider handing over to Sam (in your time zone).');
  });

  it('says so when nobody was found, and posts nothing without a channel', async () => {
    const event = domainEvent('HandoverPrompted', { ...prompt, suggested: [], suggestedFrom: null });
    const [intent] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      new SlackHandoverReactions(true),
      event,
    );
    expect(intent.payload.text).toContain('Nobody was found to suggest');
    expect(await new MemoryPlan(incidentView(), []).plan(new SlackHandoverReactions(true), event)).toEqual(
      [],
    );
  });
});
