// What roles on an incident grant there, and how that meets a person's own access role and a
// narrowed token's cap. Pure: the database side is in test/api/incident-grants.test.ts.
import { type Actor, effectiveAccess, incidentGrant } from '../../src/domain/access/access';
import { AccessRole, IncidentRole } from '../../src/domain/enums';

const actor = (accessRole: AccessRole, cap?: AccessRole): Actor => ({
  personId: 'p',
  accessRole,
  ...(cap ? { cap } : {}),
});

describe('incidentGrant', () => {
  it('grants nothing without a role', () => {
    expect(incidentGrant([])).toBeNull();
  });

  it.each([
    IncidentRole.SUPPORT_TEAM,
    IncidentRole.CUSTOM,
    IncidentRole.DOMAIN_EXPERT,
    IncidentRole.TAM,
    IncidentRole.BACKUP_INCIDENT_MANAGER,
  ])('grants RESPONDER for %s', (role) => {
    expect(incidentGrant([role])).toBe(AccessRole.RESPONDER);
  });

  it.each([IncidentRole.SOFTWARE_INCIDENT_MANAGER, IncidentRole.HARDWARE_INCIDENT_MANAGER])(
    'grants INCIDENT_MANAGER for %s, whatever else is held',
    (role) => {
      expect(incidentGrant([IncidentRole.SUPPORT_TEAM, role])).toBe(AccessRole.INCIDENT_MANAGER);
    },
  );
});

describe('effectiveAccess', () => {
  it('is the greater of the own role and the grant', () => {
    expect(effectiveAccess(actor(AccessRole.VIEWER), AccessRole.RESPONDER)).toBe(AccessRole.RESPONDER);
    expect(effectiveAccess(actor(AccessRole.VIEWER), null)).toBe(AccessRole.VIEWER);
    expect(effectiveAccess(actor(AccessRole.ADMIN), AccessRole.RESPONDER)).toBe(AccessRole.ADMIN);
  });

  it("never exceeds a narrowed token's cap", () => {
    expect(effectiveAccess(actor(AccessRole.VIEWER, AccessRole.VIEWER), AccessRole.INCIDENT_MANAGER)).toBe(
      AccessRole.VIEWER,
    );
    expect(
      effectiveAccess(actor(AccessRole.RESPONDER, AccessRole.RESPONDER), AccessRole.INCIDENT_MANAGER),
    ).toBe(AccessRole.RESPONDER);
  });
});
