import {
  channelTopic,
  incidentChannelName,
  slackChannelName,
  suffixedChannelName,
  type IncidentView,
} from '../../src/integrations/slack/slack.mapper';

const view = (over: Partial<IncidentView> = {}): IncidentView => ({
  incidentId: 'id',
  key: 'albertsons-incident-42675',
  summary: 'Orders not reaching the MFC',
  priority: 'P1',
  stage: 'INVESTIGATING',
  zendeskTicketId: null,
  incidentFlow: true,
  sites: [],
  roles: [],
  ...over,
});

describe('Slack mapper', () => {
  it('names the channel by the key, or by site, location and ticket for a single-site ticket incident', () => {
    expect(incidentChannelName(view())).toBe('albertsons-incident-42675');
    expect(
      incidentChannelName(
        view({ zendeskTicketId: '42675', sites: [{ siteId: 'WF0001', location: 'Clifton NJ' }] }),
      ),
    ).toBe('incident-wf0001-clifton-nj-42675');
    expect(
      incidentChannelName(
        view({
          zendeskTicketId: '1',
          sites: [
            { siteId: 'a', location: 'b' },
            { siteId: 'c', location: 'd' },
          ],
        }),
      ),
    ).toBe('albertsons-incident-42675');
  });

  it('keeps names lowercase, within the allowed characters and 80 characters, also with a suffix', () => {
    const long = slackChannelName(`Ünïcode & SPACES ${'x'.repeat(100)}`);
    expect(long).toMatch(/^[a-z0-9_-]+$/);
    expect(long.length).toBeLessThanOrEqual(80);
    const suffixed = suffixedChannelName('a'.repeat(80), 3);
    expect(suffixed).toHaveLength(80);
    expect(suffixed.endsWith('-3')).toBe(true);
  });

  it('puts priority, stage, summary, roles and the Meet, Zendesk and Jira links in the topic, within 250 characters', () => {
    const topic = channelTopic(
      view({ roles: [{ role: 'SOFTWARE_INCIDENT_MANAGER', title: null, name: 'Dana', slackUserId: 'U1' }] }),
      { meet: 'https://g.co/meet/k', zendesk: 'https://z/agent/tickets/1', jira: 'https://j/browse/INC-1' },
    );
    expect(topic).toBe(
      'P1 Investigating | Orders not reaching the MFC | Software incident manager: Dana | Meet https://g.co/meet/k | Zendesk https://z/agent/tickets/1 | Jira https://j/browse/INC-1',
    );
    expect(channelTopic(view({ summary: 'y'.repeat(400) }), { meet: 'm' }).length).toBe(250);
  });
});
