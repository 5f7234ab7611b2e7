// The pure alert decisions: the ALERT_RULES format, which rule an alert matches, whether it joins
// an open incident, declares or is suggested, and the levels a rule's priority is declared with.
import {
  decideAlert,
  levelsFor,
  parseAlertRules,
  ruleFor,
  type AlertState,
  type OpenIncident,
} from '../../src/domain/alerts/alert-rules';
import { DEFAULT_PRIORITY_MATRIX, derivePriority } from '../../src/domain/incident/priority-matrix';
import { Priority } from '../../src/domain/enums';

const facts = (over: Partial<Parameters<typeof ruleFor>[0]> = {}) => ({
  source: 'ALERTMANAGER',
  severity: 'critical',
  labels: { team: 'fulfillment' },
  serviceName: 'Order Sync',
  siteId: 'wf0001',
  ...over,
});
const firing: AlertState = {
  firing: true,
  attached: false,
  suggested: false,
  serviceId: 'svc-1',
  siteRowId: 'site-row-1',
  namesClient: true,
};
const incident = (over: Partial<OpenIncident> = {}): OpenIncident => ({
  id: 'inc-1',
  key: 'ALB-1',
  serviceId: null,
  serviceName: null,
  sites: [],
  ...over,
});

describe('ALERT_RULES', () => {
  it('reads rules separated by semicolons, each conditions then a priority', () => {
    const rules = parseAlertRules(' severity=critical, service=order_sync :P2; site=WF0001:p1 ');
    expect(rules.map((r) => [r.when, r.priority])).toEqual([
      [{ severity: 'critical', service: 'order_sync' }, Priority.P2],
      [{ site: 'WF0001' }, Priority.P1],
    ]);
    expect(parseAlertRules('')).toEqual([]);
    expect(parseAlertRules('service=order_sync:P2@Albertsons')[0]).toMatchObject({
      priority: Priority.P2,
      client: 'albertsons',
    });
    expect(rules[0].client).toBeNull();
  });

  it('refuses a rule without a priority, or a condition that is not name=value', () => {
    expect(() => parseAlertRules('severity=critical')).toThrow(/does not end in :P1/);
    expect(() => parseAlertRules('severity=critical:P9')).toThrow(/does not end in :P1/);
    expect(() => parseAlertRules('severity:P2')).toThrow(/"severity" in "severity:P2" is not name=value/);
    expect(() => parseAlertRules('a=b=c:P2')).toThrow(/is not name=value/);
    expect(() => parseAlertRules('a=b:P2@')).toThrow(/optionally @<client slug>/);
  });

  it('matches the first rule whose every condition holds, values compared as tags', () => {
    const rules = parseAlertRules(
      'severity=critical,service=payments:P1;severity=critical,service=order_sync:P2;team=fulfillment:P3',
    );
    expect(ruleFor(facts(), rules)?.priority).toBe(Priority.P2);
    expect(ruleFor(facts({ severity: 'warning' }), rules)?.priority).toBe(Priority.P3);
    expect(ruleFor(facts({ severity: 'warning', labels: {} }), rules)).toBeNull();
    expect(ruleFor(facts({ serviceName: null, labels: {} }), rules)).toBeNull();
  });
});

describe('the decision about a firing alert', () => {
  const [rule] = parseAlertRules('severity=critical:P2');

  it('joins the open incident with its service, or else its site', () => {
    const bySite = incident({ key: 'WAK-2', sites: [{ id: 'site-row-1', siteId: 'wf0001' }] });
    const byService = incident({ key: 'ALB-3', serviceId: 'svc-1', serviceName: 'Order Sync' });
    expect(decideAlert(firing, [bySite, byService], rule)).toMatchObject({
      kind: 'attach',
      incident: { key: 'WAK-2' },
      reason: 'site wf0001',
    });
    expect(decideAlert(firing, [byService], rule)).toMatchObject({
      kind: 'attach',
      reason: 'service Order Sync',
    });
  });

  it('declares when a rule matches and it names a client, else suggests once', () => {
    expect(decideAlert(firing, [], rule)).toEqual({ kind: 'declare', rule });
    expect(decideAlert({ ...firing, namesClient: false }, [], rule)).toMatchObject({
      kind: 'suggest',
      why: expect.stringMatching(/names no client/),
    });
    expect(decideAlert(firing, [], null)).toEqual({ kind: 'suggest', why: 'no open incident matches' });
    expect(decideAlert({ ...firing, suggested: true }, [], null)).toEqual({
      kind: 'none',
      why: 'suggested already',
    });
  });

  it('does nothing for a resolved or attached alert', () => {
    expect(decideAlert({ ...firing, firing: false }, [], rule).kind).toBe('none');
    expect(decideAlert({ ...firing, attached: true }, [], rule).kind).toBe('none');
  });

  it('declares a priority with the most severe levels the matrix gives it', () => {
    for (const priority of Object.values(Priority)) {
      const { impact, urgency } = levelsFor(priority, DEFAULT_PRIORITY_MATRIX);
      expect(derivePriority(impact, urgency)).toBe(priority);
    }
    expect(levelsFor(Priority.P2, DEFAULT_PRIORITY_MATRIX)).toEqual({
      impact: 'EXTENSIVE',
      urgency: 'MEDIUM',
    });
  });
});
