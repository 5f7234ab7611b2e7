import {
  channelTopic,
  incidentCard,
  incidentCardMarker,
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

const LINKS = {
  meet: 'https://g.co/meet/k',
  zendesk: 'https://z/agent/tickets/1',
  jira: 'https://j/browse/INC-1',
};
const role = (name: string, person: string, title: string | null = null) => ({
  role: name,
  title,
  name: person,
  slackUserId: null,
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

  it('puts priority, stage, the incident manager and the Meet, Zendesk and Jira links first, then the other roles and the summary', () => {
    const topic = channelTopic(
      view({ roles: [{ role: 'SOFTWARE_INCIDENT_MANAGER', title: null, name: 'Dana', slackUserId: 'U1' }] }),
      LINKS,
    );
    expect(topic).toBe(
      'P1 Investigating | Software incident manager: Dana | Meet https://g.co/meet/k | Zendesk https://z/agent/tickets/1 | Jira https://j/browse/INC-1 | Orders not reaching the MFC',
    );
    expect(channelTopic(view({ summary: 'y'.repeat(400) }), { meet: 'm' })).toHaveLength(250);
  });

  it('keeps the incident managers and the links when four roles or a handover do not fit: the other roles are counted', () => {
    // assignment order: the other roles first, the incident manager handed over last
    const roles = [
      role('DOMAIN_EXPERT', 'Rajendra Venkataraman'),
      role('DOMAIN_EXPERT', 'Maximiliana Oberholzer'),
      role('TAM', 'Bartholomew Fitzgerald-Smythe'),
      role('BACKUP_INCIDENT_MANAGER', 'Constance Wolfeschlegel'),
      role('HARDWARE_INCIDENT_MANAGER', 'Henrietta Hardware'),
      role('SOFTWARE_INCIDENT_MANAGER', 'Dana Newholder'),
    ];
    const topic = channelTopic(view({ roles }), LINKS);
    expect(topic).toBe(
      'P1 Investigating | Software incident manager: Dana Newholder, Hardware incident manager: Henrietta Hardware | ' +
        'Meet https://g.co/meet/k | Zendesk https://z/agent/tickets/1 | Jira https://j/browse/INC-1 | ' +
        'Domain expert ×2, TAM, Backup incident manager',
    );
    expect([...topic].length).toBeLessThanOrEqual(250);
    const many = Array.from({ length: 12 }, (_, i) => role('CUSTOM', `Person ${i}`, `Helper role ${i}`));
    const crowded = channelTopic(
      view({ roles: [...many, role('SOFTWARE_INCIDENT_MANAGER', 'Dana')] }),
      LINKS,
    );
    expect(crowded).toBe(
      'P1 Investigating | Software incident manager: Dana | Meet https://g.co/meet/k | Zendesk https://z/agent/tickets/1 | Jira https://j/browse/INC-1 | 12 more roles (pinned) | Orders not reaching the MFC',
    );
  });

  it('says when there is no incident manager, and cuts only what cannot fit at the end', () => {
    expect(channelTopic(view(), { meet: 'https://g.co/meet/k' })).toBe(
      'P1 Investigating | no incident manager yet | Meet https://g.co/meet/k | Orders not reaching the MFC',
    );
    const longLinks = { meet: `https://g.co/meet/${'k'.repeat(300)}` };
    const cut = channelTopic(view(), longLinks);
    expect([...cut]).toHaveLength(250);
    expect(cut.startsWith('P1 Investigating | no incident manager yet | Meet https://g.co/meet/kkk')).toBe(
      true,
    );
    expect(cut.endsWith('…')).toBe(true);
  });

  it('lists every role, incident managers first, and every link in the pinned card', () => {
    const card = incidentCard(
      view({ roles: [role('TAM', 'Tess'), role('SOFTWARE_INCIDENT_MANAGER', 'Dana')] }),
      LINKS,
    );
    expect(card).toBe(
      [
        ':pushpin: *Incident card albertsons-incident-42675* (kept current by the hub)',
        'P1 · Investigating · Orders not reaching the MFC',
        '*Roles*',
        '• Software incident manager: Dana',
        '• TAM: Tess',
        '*Links*',
        '• Meet: https://g.co/meet/k',
        '• Zendesk: https://z/agent/tickets/1',
        '• Jira: https://j/browse/INC-1',
      ].join('\n'),
    );
    expect(card).toContain(incidentCardMarker('albertsons-incident-42675'));
  });
});
