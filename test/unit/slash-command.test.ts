// The /incident command language: what each text means, and the message for what it cannot mean.
import { parseSlashCommand, tokenize } from '../../src/webhooks/slack/slash-command';

describe('/incident parsing', () => {
  it.each([
    ['', { name: 'help' }],
    ['help', { name: 'help' }],
    ['status', { name: 'status' }],
    [
      'declare Orders stuck at Clifton client:Wakefern site:wf0001,wf0002 impact:extensive urgency:Critical service:"Order Sync"',
      {
        name: 'declare',
        summary: 'Orders stuck at Clifton',
        client: 'wakefern',
        sites: ['wf0001', 'wf0002'],
        impact: 'EXTENSIVE',
        urgency: 'CRITICAL',
        service: 'Order Sync',
      },
    ],
    ['declare   Pickers offline  ', { name: 'declare', summary: 'Pickers offline', sites: [] }],
    ['stage investigating', { name: 'stage', stage: 'INVESTIGATING' }],
    ['Stage MITIGATED queue drained', { name: 'stage', stage: 'MITIGATED', note: 'queue drained' }],
    [
      'priority extensive high client says all stores',
      { name: 'priority', impact: 'EXTENSIVE', urgency: 'HIGH', reason: 'client says all stores' },
    ],
    ['role im <@U0ALICE01|alice>', { name: 'role', role: 'SOFTWARE_INCIDENT_MANAGER', userId: 'U0ALICE01' }],
    ['role domain_expert <@U0BOB0001>', { name: 'role', role: 'DOMAIN_EXPERT', userId: 'U0BOB0001' }],
    [
      'role custom <@U0BOB0001> Second tech lead',
      { name: 'role', role: 'CUSTOM', userId: 'U0BOB0001', title: 'Second tech lead' },
    ],
    [
      'handover backup <@W0BOB0001>',
      { name: 'handover', role: 'BACKUP_INCIDENT_MANAGER', userId: 'W0BOB0001' },
    ],
    ['note DB failover started', { name: 'note', text: 'DB failover started' }],
    [
      'update orders delayed | queue stuck | restarted workers | drain backlog',
      {
        name: 'update',
        audience: 'INTERNAL',
        clientImpact: 'orders delayed',
        knownProblem: 'queue stuck',
        attempted: 'restarted workers',
        nextSteps: 'drain backlog',
      },
    ],
    [
      'update external a | b | c | d',
      {
        name: 'update',
        audience: 'EXTERNAL',
        clientImpact: 'a',
        knownProblem: 'b',
        attempted: 'c',
        nextSteps: 'd',
      },
    ],
    [
      'escalate "Fulfillment Software" orders stuck',
      { name: 'escalate', team: 'Fulfillment Software', reason: 'orders stuck' },
    ],
    ['escalate fs', { name: 'escalate', team: 'fs' }],
  ])('%j', (text, command) => {
    // toEqual: absent options may be undefined, but nothing else may differ.
    expect(parseSlashCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ['declare', /needs a summary/],
    ['declare Outage impact:huge', /impact "huge" is not one of EXTENSIVE/],
    ['declare Outage urgency:soon', /urgency "soon" is not one of CRITICAL/],
    ['stage fixed', /needs one of ACKNOWLEDGED/],
    ['priority high', /needs an impact/],
    ['role im alice', /needs a role and a person/],
    ['role wizard <@U0ALICE01>', /needs a role and a person/],
    ['note', /needs the text/],
    ['update only one answer', /four questions/],
    ['update a | b | | d', /four questions/],
    ['escalate', /needs a team/],
    ['reboot everything', /"reboot" is not an \/incident command/],
  ])('%j is refused with a message that says how', (text, message) => {
    const parsed = parseSlashCommand(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toMatch(message);
      expect(parsed.message).toContain('/incident help');
    }
  });

  it('keeps quoted phrases together, with Slack curly quotes too', () => {
    expect(tokenize('a "b c" d service:“Order Sync”')).toEqual(['a', 'b c', 'd', 'service:Order Sync']);
  });
});
