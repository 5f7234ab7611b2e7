// computeDrift: the hub's records against the vendors', field by field, each drift with the owner
// the policy names; the status mappings are configuration; RECONCILE_POLICY overrides owners.
import { ConfigError, loadConfig } from '../../src/config';
import { ActionItemStatus, Priority, Stage } from '../../src/domain/enums';
import { computeDrift, type HubSide, type LiveRecord } from '../../src/domain/reconcile/drift';
import { DEFAULT_RECONCILE_POLICY, REPAIRS, parseReconcilePolicy } from '../../src/domain/reconcile/policy';

const mappings = loadConfig({}).vendors;
const defaults = {
  jiraStageStatuses: mappings.JIRA_STAGE_STATUSES,
  jiraPriorities: mappings.JIRA_PRIORITIES,
  alertPriorities: { P1: 'P1', P2: 'P2', P3: 'P3', P4: 'P4' },
};

const hub = (overrides: Partial<HubSide> = {}): HubSide => ({
  stage: Stage.INVESTIGATING,
  priority: Priority.P2,
  jiraIssueKey: 'INC-1',
  alertAlias: 'INC-42',
  tickets: [{ ticketId: '35436', status: 'open' }],
  actionItems: [{ id: 'item-1', jiraIssueKey: 'ENG-7', status: ActionItemStatus.OPEN }],
  ...overrides,
});
const rec = (status: string | null, more: Partial<LiveRecord> = {}): LiveRecord => ({
  status,
  priority: null,
  assignee: null,
  updatedAt: null,
  ...more,
});
/** Vendor records that agree with hub() at INVESTIGATING / P2. */
const agreeing = () => ({
  jira: new Map([
    ['INC-1', rec('In Progress', { priority: 'High' })],
    ['ENG-7', rec('To Do', { actionItemStatus: ActionItemStatus.OPEN })],
  ]),
  opsgenie: new Map([['INC-42', rec('open', { priority: 'P2' })]]),
  zendesk: new Map([['35436', rec('open')]]),
});

describe('computeDrift', () => {
  it('gives an empty list when every record matches', () => {
    expect(computeDrift(hub(), agreeing(), DEFAULT_RECONCILE_POLICY, defaults)).toEqual([]);
  });

  it('detects each drift kind of the policy table, with its owner', () => {
    const live = agreeing();
    live.jira.set('INC-1', rec('Done', { priority: 'Low' }));
    live.jira.set('ENG-7', rec('Done', { actionItemStatus: ActionItemStatus.DONE }));
    live.opsgenie.set('INC-42', rec('open', { priority: 'P5' }));
    live.zendesk.set('35436', rec('pending', { priority: 'urgent' }));
    const drifts = computeDrift(hub({ stage: Stage.MITIGATED }), live, DEFAULT_RECONCILE_POLICY, defaults);
    expect(drifts.map((d) => [d.policyKey, d.record, d.hubValue, d.vendorValue, d.owner])).toEqual([
      ['JIRA.status', 'INC-1', 'In Progress', 'Done', 'HUB'],
      ['JIRA.priority', 'INC-1', 'High', 'Low', 'HUB'],
      ['JIRA.actionItemStatus', 'ENG-7', 'OPEN', 'DONE', 'JIRA'],
      ['OPSGENIE.priority', 'INC-42', 'P2', 'P5', 'HUB'],
      ['OPSGENIE.status', 'INC-42', 'closed', 'open', 'HUB'],
      ['ZENDESK.status', '35436', 'open', 'pending', 'ZENDESK'],
      ['ZENDESK.priority', '35436', null, 'urgent', 'ZENDESK'],
    ]);
    expect(drifts.find((d) => d.policyKey === 'JIRA.actionItemStatus')?.actionItemId).toBe('item-1');
    // each default owner has a repair in its direction
    for (const d of drifts) expect(REPAIRS[d.policyKey][d.owner]).toBeDefined();
  });

  it('expects the alert closed only from MITIGATED on: an open alert while investigating is no drift', () => {
    const live = agreeing();
    live.opsgenie.set('INC-42', rec('closed'));
    expect(computeDrift(hub(), live, DEFAULT_RECONCILE_POLICY, defaults)).toEqual([]);
    live.opsgenie.set('INC-42', rec('closed'));
    expect(
      computeDrift(hub({ stage: Stage.CLOSED }), live, DEFAULT_RECONCILE_POLICY, defaults).filter(
        (d) => d.system === 'OPSGENIE',
      ),
    ).toEqual([]);
  });

  it('reads the status mapping from configuration, both ways', () => {
    const custom = loadConfig({ JIRA_STAGE_STATUSES: 'INVESTIGATING=Triage' }).vendors.JIRA_STAGE_STATUSES;
    const live = agreeing();
    // In Progress matches the default mapping but drifts from a configured "Triage" ...
    expect(
      computeDrift(hub(), live, DEFAULT_RECONCILE_POLICY, { ...defaults, jiraStageStatuses: custom }).map(
        (d) => [d.hubValue, d.vendorValue],
      ),
    ).toEqual([['Triage', 'In Progress']]);
    // ... and an issue in "Triage" matches the configured mapping and drifts from the default one.
    live.jira.set('INC-1', rec('triage', { priority: 'High' }));
    expect(
      computeDrift(hub(), live, DEFAULT_RECONCILE_POLICY, { ...defaults, jiraStageStatuses: custom }),
    ).toEqual([]);
    expect(computeDrift(hub(), live, DEFAULT_RECONCILE_POLICY, defaults).map((d) => d.vendorValue)).toEqual([
      'triage',
    ]);
  });

  it('leaves out records the vendor did not return and stages the mapping does not name', () => {
    const none = computeDrift(hub(), {}, DEFAULT_RECONCILE_POLICY, defaults);
    expect(none).toEqual([]);
    const live = agreeing();
    live.jira.set('INC-1', rec('Anything', { priority: 'High' }));
    expect(
      computeDrift(hub(), live, DEFAULT_RECONCILE_POLICY, { ...defaults, jiraStageStatuses: {} }),
    ).toEqual([]);
  });

  it('takes the owner from an overridden policy', () => {
    const live = agreeing();
    live.zendesk.set('35436', rec('solved'));
    const policy = parseReconcilePolicy('ZENDESK.status=HUB, JIRA.priority=jira');
    expect(policy['JIRA.priority']).toBe('JIRA');
    const [drift] = computeDrift(hub(), live, policy, defaults);
    expect(drift).toMatchObject({ policyKey: 'ZENDESK.status', owner: 'HUB' });
    // the hub owning a ticket's status has no repair: reported only
    expect(REPAIRS['ZENDESK.status'].HUB).toBeUndefined();
  });
});

describe('reconciliation settings', () => {
  it("refuses an unknown field or an owner other than HUB or the field's own system", () => {
    expect(() => parseReconcilePolicy('JIRA.summary=HUB')).toThrow(/field must be one of/);
    expect(() => parseReconcilePolicy('JIRA.status=ZENDESK')).toThrow(/owner must be HUB or JIRA/);
    expect(() => loadConfig({ RECONCILE_POLICY: 'OPSGENIE.status=JIRA' })).toThrow(ConfigError);
  });

  it('reads RECONCILE_INTERVAL (10m by default, seconds for trials) and RECONCILE_LOOKBACK (3d)', () => {
    expect(loadConfig({}).reconcile).toMatchObject({
      intervalSeconds: 600,
      lookbackSeconds: 3 * 86_400,
      callBudget: 10,
    });
    expect(loadConfig({ RECONCILE_INTERVAL: '5s', RECONCILE_LOOKBACK: '12h' }).reconcile).toMatchObject({
      intervalSeconds: 5,
      lookbackSeconds: 12 * 3600,
    });
    expect(loadConfig({ RECONCILE_INTERVAL: 'off' }).reconcile.intervalSeconds).toBe(0);
    expect(() => loadConfig({ RECONCILE_INTERVAL: 'often' })).toThrow(/RECONCILE_INTERVAL/);
  });
});
