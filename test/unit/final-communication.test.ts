import { IncidentRole } from '../../src/domain/enums';
import {
  draftFinalCommunication,
  formatDuration,
  impactDurationSeconds,
  roleLines,
  supportCases,
  type FinalCommunicationInput,
} from '../../src/domain/incident/final-communication';

const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 0, 1, hour, minute));

const base: FinalCommunicationInput = {
  incidentKey: 'albertsons-incident-42675',
  summary: 'Orders not reaching the MFC',
  priority: 'P1',
  clientImpact: 'No orders picked at two sites',
  clientImpactLevel: 'EXTENSIVE',
  affectedClients: ['Albertsons', 'Wakefern'],
  affectedSites: [
    { siteId: 'ab0001', location: 'dallas-tx' },
    { siteId: 'wf0001', location: 'clifton-nj' },
  ],
  faultyService: 'Order Sync',
  impactStartedAt: at(8),
  detectedAt: at(8, 10),
  acknowledgedAt: at(8, 12),
  mitigatedAt: at(10, 15),
  supportTicketCount: 3,
  roles: [
    {
      role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
      title: null,
      personName: 'Ada Manager',
      assignedAt: at(8, 12),
      relievedAt: at(9),
    },
    {
      role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
      title: null,
      personName: 'Bob Manager',
      assignedAt: at(9),
      relievedAt: null,
    },
    {
      role: IncidentRole.DOMAIN_EXPERT,
      title: null,
      personName: 'Eve Expert',
      assignedAt: at(8, 20),
      relievedAt: null,
    },
    {
      role: IncidentRole.CUSTOM,
      title: 'External communications',
      personName: 'Cy Comms',
      assignedAt: at(8, 30),
      relievedAt: null,
    },
  ],
};

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [60, '1 min'],
    [89, '1 min'],
    [90, '2 min'],
    [15 * 60, '15 min'],
    [2 * 3600, '2 h'],
    [2 * 3600 + 15 * 60, '2 h 15 min'],
    [2 * 3600 + 14 * 60 + 40, '2 h 15 min'],
    [3599, '1 h'],
    [86400 + 5 * 60, '1 d 5 min'],
    [27 * 3600 + 5 * 60, '1 d 3 h 5 min'],
    [-30, '0 s'],
  ])('%d seconds reads "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('supportCases', () => {
  it.each([
    [0, '0 support cases'],
    [1, '1 support case'],
    [2, '2 support cases'],
  ])('%d reads "%s"', (n, text) => {
    expect(supportCases(n)).toBe(text);
  });
});

describe('impactDurationSeconds', () => {
  it('is mitigation minus start of impact', () => {
    expect(impactDurationSeconds(base)).toBe(2 * 3600 + 15 * 60);
  });
});

describe('roleLines', () => {
  const role = (personName: string, assignedAt: Date, relievedAt: Date | null, r = IncidentRole.TAM) => ({
    role: r,
    title: null,
    personName,
    assignedAt,
    relievedAt,
  });

  it.each([
    ['no roles', [], []],
    ['one active holder', [role('Ann', at(1), null)], ['- TAM: Ann']],
    ['a relieved holder only', [role('Ann', at(1), at(2))], ['- TAM: none now (earlier: Ann)']],
    [
      'a handover, given out of order',
      [role('Ben', at(2), null), role('Ann', at(1), at(2))],
      ['- TAM: Ben (earlier: Ann)'],
    ],
    [
      'someone relieved then back in the role, named once as current',
      [role('Ann', at(1), at(2)), role('Ben', at(2), at(3)), role('Ann', at(3), null)],
      ['- TAM: Ann (earlier: Ben)'],
    ],
    ['a CUSTOM role without title', [role('Ann', at(1), null, IncidentRole.CUSTOM)], ['- Custom role: Ann']],
  ])('%s', (_name, roles, lines) => {
    expect(roleLines(roles)).toEqual(lines);
  });
});

describe('draftFinalCommunication', () => {
  it('drafts the internal recap and the external notice', () => {
    const { internal, external } = draftFinalCommunication(base);
    expect(internal).toBe(
      [
        'Resolved: albertsons-incident-42675 - Orders not reaching the MFC',
        '',
        'The incident is resolved: client impact has ended. This is the final communication about it; there will be no further updates.',
        '',
        'Priority: P1',
        'Affected clients: Albertsons, Wakefern',
        'Affected sites: ab0001 (dallas-tx), wf0001 (clifton-nj)',
        'Faulty service: Order Sync',
        'Client impact: No orders picked at two sites (Extensive)',
        'Duration: 2 h 15 min (2026-01-01 08:00 UTC to 2026-01-01 10:15 UTC)',
        'Time to detect: 10 min',
        'Time to recover: 2 h 15 min',
        'Support cases raised: 3',
        '',
        'Roles:',
        '- Software incident manager: Bob Manager (earlier: Ada Manager)',
        '- Domain expert: Eve Expert',
        '- External communications: Cy Comms',
        '',
        "Next steps: a blameless postmortem will follow; cleanup and remediation work is tracked as action items on the incident's Jira issue.",
      ].join('\n'),
    );
    expect(external).toBe(
      [
        'Service restored',
        '',
        'The issue affecting your service has been resolved and service has been restored.',
        '',
        'Impact: No orders picked at two sites',
        'Impact level: Extensive',
        'Duration: 2 h 15 min (2026-01-01 08:00 UTC to 2026-01-01 10:15 UTC)',
        '',
        'We will follow up with a postmortem describing the cause and the steps we are taking to prevent it from happening again. We apologise for the disruption.',
      ].join('\n'),
    );
  });

  it('drafts a bare incident: no description, sites, service, roles or tickets', () => {
    const { internal, external } = draftFinalCommunication({
      ...base,
      clientImpact: null,
      clientImpactLevel: 'MINOR',
      affectedClients: ['Wakefern'],
      affectedSites: [],
      faultyService: null,
      detectedAt: at(8),
      acknowledgedAt: at(8),
      mitigatedAt: new Date(at(8).getTime() + 40_000),
      supportTicketCount: 0,
      roles: [],
    });
    expect(internal).toBe(
      [
        'Resolved: albertsons-incident-42675 - Orders not reaching the MFC',
        '',
        'The incident is resolved: client impact has ended. This is the final communication about it; there will be no further updates.',
        '',
        'Priority: P1',
        'Affected clients: Wakefern',
        'Affected sites: none recorded',
        'Faulty service: Unknown',
        'Client impact: Minor',
        'Duration: 40 s (2026-01-01 08:00 UTC to 2026-01-01 08:00 UTC)',
        'Time to detect: 0 s',
        'Time to recover: 40 s',
        'Support cases raised: 0',
        '',
        'Roles:',
        '- none assigned',
        '',
        "Next steps: a blameless postmortem will follow; cleanup and remediation work is tracked as action items on the incident's Jira issue.",
      ].join('\n'),
    );
    // without a client impact text, the summary is the impact statement
    expect(external).toContain('\nImpact: Orders not reaching the MFC\n');
    expect(external).toContain('\nDuration: 40 s (');
  });

  it.each(['impact_extensive', 'EXTENSIVE', 'extensive'])(
    'says the level by its label, never as a dropdown value such as %s',
    (value) => {
      const { internal, external } = draftFinalCommunication({ ...base, clientImpact: value });
      expect(internal).toContain('\nClient impact: Extensive\n');
      expect(external).toContain('\nImpact: Orders not reaching the MFC\nImpact level: Extensive\n');
      expect(`${internal}\n${external}`).not.toMatch(/impact_|EXTENSIVE|\bextensive/);
    },
  );

  it('keeps an impact text that merely mentions a level', () => {
    const { external } = draftFinalCommunication({ ...base, clientImpact: 'Extensive delays at Dallas' });
    expect(external).toContain('\nImpact: Extensive delays at Dallas\nImpact level: Extensive\n');
  });

  it.each([
    ['the incident key', (e: string) => e.includes('albertsons-incident-42675')],
    ['the priority', (e: string) => /\bP1\b/.test(e)],
    ['client names', (e: string) => /Albertsons|Wakefern/.test(e)],
    ['site ids', (e: string) => /ab0001|wf0001/.test(e)],
    ['role holders', (e: string) => /Manager|Expert|Comms/.test(e)],
    ['the number of support cases', (e: string) => /support case/i.test(e)],
  ])('keeps %s out of the external notice (and in the internal one)', (_what, found) => {
    const { internal, external } = draftFinalCommunication(base);
    expect(found(external)).toBe(false);
    expect(found(internal)).toBe(true);
  });
});
