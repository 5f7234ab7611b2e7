// The incident channel's name is decided in one place (IncidentView.channelName): the Slack channel
// is opened under it, and the Opsgenie page and the announcement name the same channel, the one the
// hub opened once Slack has answered (a suffix when the planned name was taken).
import { opsgenieModule } from '../../../src/integrations/opsgenie/opsgenie.module';
import { slackModule } from '../../../src/integrations/slack/slack.module';
import { domainEvent, incidentView, KEY, MemoryPlan, reactionsOf, testConfig } from '../../support/reactions';

const config = testConfig({ SLACK_INCIDENTS_CHANNEL: '#major-incidents' });

/** Where each message of a declaration names the channel. */
async function namedChannels(view = incidentView()) {
  const event = domainEvent('IncidentDeclared');
  const slack = await new MemoryPlan(view).plan(reactionsOf(slackModule, config), event);
  const [page] = await new MemoryPlan(view).plan(reactionsOf(opsgenieModule, config), event);
  const announce = slack.find((i) => i.action === 'slack.announce')!;
  return {
    opened: slack.find((i) => i.action === 'slack.openChannel')!.payload.channelName,
    page: /Slack channel: #(\S+)/.exec(String(page.payload.description))?.[1],
    announcement: /Join #(\S+) /.exec(String(announce.payload.text))?.[1],
  };
}

describe('the incident channel name', () => {
  it('is the key for an incident not from a single-site ticket, in every message', async () => {
    expect(await namedChannels()).toEqual({ opened: KEY, page: KEY, announcement: KEY });
  });

  it('is incident-<site>-<location>-<ticket> for a single-site incident from a ticket, in the Opsgenie page too', async () => {
    const name = 'incident-ab0001-dallas-tx-42675';
    expect(await namedChannels(incidentView({ zendeskTicketId: '42675' }))).toEqual({
      opened: name,
      page: name,
      announcement: name,
    });
  });

  it('is the name Slack really gave the channel once it is open', async () => {
    const view = incidentView({ zendeskTicketId: '42675', channelName: 'incident-ab0001-dallas-tx-42675-2' });
    const event = domainEvent('Escalated', { opsgenieTeam: 'hardware', reason: 'robots' });
    const [page] = await new MemoryPlan(view).plan(reactionsOf(opsgenieModule, config), event);
    expect(page.payload.description).toContain('Slack channel: #incident-ab0001-dallas-tx-42675-2');
  });
});
