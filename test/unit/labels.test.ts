// One rendering of each name: a stage, a priority and a role read the same in the Slack topic, a
// Slack stage post, the final communication and the `/incident status` reply.
import { IncidentRole, Priority, Stage } from '../../src/domain/enums';
import { draftFinalCommunication } from '../../src/domain/incident/final-communication';
import {
  PRIORITY_LABELS,
  ROLE_LABELS,
  STAGE_LABELS,
  priorityLabel,
  roleLabel,
  stageLabel,
} from '../../src/domain/labels';
import { channelTopic, stageChangedText, type IncidentView } from '../../src/integrations/slack/slack.mapper';
import { statusText } from '../../src/webhooks/slack/slash-command';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 8, minute));

/** The same incident, as each of the four places is given it. */
function renderings(priority: Priority, stage: Stage, role: IncidentRole, title: string | null) {
  const view: IncidentView = {
    incidentId: 'id',
    key: 'albertsons-incident-42675',
    summary: 'Orders not reaching the MFC',
    priority,
    stage,
    zendeskTicketId: null,
    incidentFlow: true,
    sites: [],
    roles: [{ role, title, name: 'Dana', slackUserId: 'U1' }],
  };
  const final = draftFinalCommunication({
    incidentKey: view.key,
    summary: view.summary,
    priority,
    clientImpact: null,
    clientImpactLevel: 'EXTENSIVE',
    affectedClients: [],
    affectedSites: [],
    faultyService: null,
    impactStartedAt: at(0),
    detectedAt: at(1),
    acknowledgedAt: at(2),
    mitigatedAt: at(30),
    supportTicketCount: 0,
    roles: [{ role, title, personName: 'Dana', assignedAt: at(2), relievedAt: null }],
  });
  return {
    topic: channelTopic(view, { meet: 'https://g.co/meet/k' }),
    stagePost: stageChangedText(Stage.ACKNOWLEDGED, stage, null),
    finalCommunication: final.internal,
    status: statusText({
      key: view.key,
      summary: view.summary,
      priority,
      stage,
      roles: [{ role, title, name: 'Dana' }],
      lastStatusUpdateAt: null,
      nextStatusUpdateDueAt: null,
    }),
  };
}

describe('labels', () => {
  it('name every stage, priority and role, each differently', () => {
    for (const labels of [STAGE_LABELS, PRIORITY_LABELS, ROLE_LABELS]) {
      const values = Object.values<string>(labels);
      expect(new Set(values).size).toBe(values.length);
    }
    expect(Object.keys(STAGE_LABELS).sort()).toEqual(Object.values(Stage).sort());
    expect(Object.keys(PRIORITY_LABELS).sort()).toEqual(Object.values(Priority).sort());
    expect(Object.keys(ROLE_LABELS).sort()).toEqual(Object.values(IncidentRole).sort());
    expect(stageLabel(Stage.INVESTIGATING)).toBe('Investigating');
    expect(priorityLabel(Priority.P1)).toBe('P1');
    expect(roleLabel(IncidentRole.SOFTWARE_INCIDENT_MANAGER)).toBe('Software incident manager');
    expect(roleLabel(IncidentRole.CUSTOM, 'External communications')).toBe('External communications');
    expect(roleLabel(IncidentRole.CUSTOM, null)).toBe('Custom role');
    // a value the hub does not know (an older row, a vendor) is shown as it is
    expect(stageLabel('PAUSED')).toBe('PAUSED');
  });

  it.each([
    [
      Priority.P1,
      Stage.INVESTIGATING,
      IncidentRole.SOFTWARE_INCIDENT_MANAGER,
      null,
      'Software incident manager',
    ],
    [Priority.P2, Stage.MITIGATED, IncidentRole.HARDWARE_INCIDENT_MANAGER, null, 'Hardware incident manager'],
    [Priority.P3, Stage.IDENTIFIED, IncidentRole.TAM, null, 'TAM'],
    [Priority.P4, Stage.MITIGATED, IncidentRole.CUSTOM, 'External communications', 'External communications'],
  ])(
    '%s, %s and %s render the same in the Slack topic, a stage post, the final communication and /incident status',
    (priority, stage, role, title, roleText) => {
      const stageText = stageLabel(stage);
      const priorityText = priorityLabel(priority);
      expect(stageText).not.toBe(stage);
      const { topic, stagePost, finalCommunication, status } = renderings(priority, stage, role, title);

      expect(topic).toContain(`${priorityText} ${stageText} | `);
      expect(topic).toContain(`| ${roleText}: Dana |`);
      expect(stagePost).toBe(`Stage: Acknowledged → *${stageText}*`);
      expect(finalCommunication).toContain(`\nPriority: ${priorityText}\n`);
      expect(finalCommunication).toContain(`\n- ${roleText}: Dana\n`);
      expect(status).toContain(` · ${priorityText} · ${stageText}\n`);
      expect(status).toContain(`\nRoles: ${roleText}: Dana\n`);

      // and none of them falls back to the enum value
      for (const text of [topic, stagePost, finalCommunication, status]) {
        expect(text).not.toContain(stage);
        if (roleText !== role) expect(text).not.toContain(role);
      }
    },
  );
});
