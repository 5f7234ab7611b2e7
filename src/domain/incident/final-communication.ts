// The final communications drafted when an incident reaches MITIGATED (PRODUCT.md, handbook
// "Mitigated"): an internal recap (impact, duration, support cases raised, roles, next steps,
// and that nothing further will be sent) and a brief external notice (service restored,
// postmortem to follow). Pure: plain data in, plain text out; `mitigatedAt` is an argument.
import { ImpactLevel, type IncidentRole } from '../enums';
import { impactLabel, priorityLabel, roleLabel } from '../labels';
import { timeToDetectSeconds, timeToRecoverSeconds } from './timestamps';

export interface FinalCommunicationRole {
  role: IncidentRole;
  /** The title of a CUSTOM role. */
  title: string | null;
  personName: string;
  assignedAt: Date;
  /** null while the person still holds the role. */
  relievedAt: Date | null;
}

export interface FinalCommunicationInput {
  incidentKey: string;
  summary: string;
  priority: string;
  clientImpact: string | null;
  clientImpactLevel: string;
  /** Display names of the affected clients. */
  affectedClients: readonly string[];
  affectedSites: readonly { siteId: string; location: string }[];
  faultyService: string | null;
  impactStartedAt: Date;
  detectedAt: Date;
  acknowledgedAt: Date;
  mitigatedAt: Date;
  /** Support tickets linked to the incident: the support cases raised. */
  supportTicketCount: number;
  /** Every assignment, active and relieved, in any order. */
  roles: readonly FinalCommunicationRole[];
}

export interface FinalCommunication {
  internal: string;
  external: string;
}

/** Seconds from start of impact to mitigation (the TTR), never negative. */
export function impactDurationSeconds(
  input: Pick<FinalCommunicationInput, 'impactStartedAt' | 'mitigatedAt'>,
) {
  return Math.max(0, Math.round((input.mitigatedAt.getTime() - input.impactStartedAt.getTime()) / 1000));
}

/**
 * A duration for people: "45 s" under a minute, otherwise rounded to the minute and written with
 * its non-zero parts, e.g. "15 min", "2 h", "2 h 15 min", "1 d 3 h 5 min".
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const totalMinutes = Math.round(s / 60);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  return parts.join(' ');
}

/** "3 support cases", "1 support case". */
export function supportCases(count: number): string {
  return `${count} support ${count === 1 ? 'case' : 'cases'}`;
}

/** "2026-01-01 08:00 UTC". */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * One line per role (in order of first assignment): who holds it now, then who held it before.
 * A person who held a role twice is named once, as current if they still hold it.
 */
export function roleLines(roles: readonly FinalCommunicationRole[]): string[] {
  const sorted = [...roles].sort((a, b) => a.assignedAt.getTime() - b.assignedAt.getTime());
  const byLabel = new Map<string, { current: string[]; past: string[] }>();
  for (const r of sorted) {
    const label = roleLabel(r.role, r.title);
    const holders = byLabel.get(label) ?? { current: [], past: [] };
    byLabel.set(label, holders);
    if (r.relievedAt === null) {
      if (!holders.current.includes(r.personName)) holders.current.push(r.personName);
      holders.past = holders.past.filter((name) => name !== r.personName);
    } else if (!holders.current.includes(r.personName) && !holders.past.includes(r.personName)) {
      holders.past.push(r.personName);
    }
  }
  return [...byLabel].map(([label, { current, past }]) => {
    const now = current.length ? current.join(', ') : 'none now';
    return `- ${label}: ${now}${past.length ? ` (earlier: ${past.join(', ')})` : ''}`;
  });
}

const LEVEL_WORDS: readonly string[] = Object.values(ImpactLevel);

/**
 * The client impact in words, or null when there is none or the text is only a level as a
 * support desk's dropdown stores it ("impact_extensive", "extensive"): one token naming a level,
 * which the level's label ("Extensive") says for people.
 */
export function impactStatement(text: string | null): string | null {
  const t = text?.trim();
  if (!t) return null;
  const dropdownValue =
    /^[A-Za-z0-9_:-]+$/.test(t) &&
    t
      .toUpperCase()
      .split(/[^A-Z]+/)
      .some((w) => LEVEL_WORDS.includes(w));
  return dropdownValue ? null : t;
}

/** Draft both final communications. */
export function draftFinalCommunication(input: FinalCommunicationInput): FinalCommunication {
  const duration = formatDuration(impactDurationSeconds(input));
  const ttd = timeToDetectSeconds({ ...input, identifiedAt: null });
  const ttr = timeToRecoverSeconds({ ...input, identifiedAt: null });
  const sites = input.affectedSites.map((s) => `${s.siteId} (${s.location})`);
  const level = impactLabel(input.clientImpactLevel);
  const stated = impactStatement(input.clientImpact);
  const impact = stated ? `${stated} (${level})` : level;
  const roles = roleLines(input.roles);

  const internal = [
    `Resolved: ${input.incidentKey} - ${input.summary}`,
    '',
    'The incident is resolved: client impact has ended. This is the final communication about it; ' +
      'there will be no further updates.',
    '',
    `Priority: ${priorityLabel(input.priority)}`,
    `Affected clients: ${input.affectedClients.length ? input.affectedClients.join(', ') : 'none recorded'}`,
    `Affected sites: ${sites.length ? sites.join(', ') : 'none recorded'}`,
    `Faulty service: ${input.faultyService ?? 'Unknown'}`,
    `Client impact: ${impact}`,
    `Duration: ${duration} (${formatUtc(input.impactStartedAt)} to ${formatUtc(input.mitigatedAt)})`,
    `Time to detect: ${ttd === null ? 'n/a' : formatDuration(ttd)}`,
    `Time to recover: ${ttr === null ? 'n/a' : formatDuration(ttr)}`,
    `Support cases raised: ${input.supportTicketCount}`,
    '',
    'Roles:',
    ...(roles.length ? roles : ['- none assigned']),
    '',
    'Next steps: a blameless postmortem will follow; cleanup and remediation work is tracked as ' +
      "action items on the incident's Jira issue.",
  ].join('\n');

  // Clients read this one: no incident key, priority, other clients or people.
  const statement = stated ?? input.summary;
  const external = [
    'Service restored',
    '',
    'The issue affecting your service has been resolved and service has been restored.',
    '',
    `Impact: ${statement}`,
    `Impact level: ${level}`,
    `Duration: ${duration} (${formatUtc(input.impactStartedAt)} to ${formatUtc(input.mitigatedAt)})`,
    '',
    'We will follow up with a postmortem describing the cause and the steps we are taking to ' +
      'prevent it from happening again. We apologise for the disruption.',
  ].join('\n');

  return { internal, external };
}
