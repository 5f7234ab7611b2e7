// Pure: what the public status page says. It never names clients, sites or people.
import { Stage } from '../../domain/enums';

/** The statuses of a page incident. */
export const PAGE_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PageStatus = (typeof PAGE_STATUSES)[number];

/** The page's status for each hub stage. */
export const STATUSPAGE_STATUS: Readonly<Record<string, PageStatus>> = {
  ACKNOWLEDGED: 'investigating',
  INVESTIGATING: 'investigating',
  IDENTIFIED: 'identified',
  MITIGATED: 'monitoring',
  POSTMORTEM: 'resolved',
  CLOSED: 'resolved',
  CANCELLED: 'resolved',
} satisfies Record<Stage, PageStatus>;

export const STATUSPAGE_BODY: Readonly<Record<PageStatus, string>> = {
  investigating: 'We are investigating a service disruption.',
  identified: 'The cause has been identified and a fix is in progress.',
  monitoring: 'A fix has been applied and we are monitoring the results.',
  resolved: 'The disruption is resolved. A postmortem will follow.',
};

/**
 * What the page says when the incident moves to this stage. A CANCELLED incident is resolved with a
 * neutral text: it turned out to have no impact, so no postmortem is announced.
 */
export const STATUSPAGE_CANCELLED_BODY = 'We found no impact on our services. This incident is closed.';

export function stageBody(stage: string): string {
  return stage === Stage.CANCELLED ? STATUSPAGE_CANCELLED_BODY : STATUSPAGE_BODY[STATUSPAGE_STATUS[stage]];
}

/**
 * Whether a stage change changes what the page says: not when both stages show the same status
 * with the same text (ACKNOWLEDGED → INVESTIGATING, POSTMORTEM → CLOSED), which would only notify
 * the page's subscribers twice.
 */
export const stageChangeShows = (from: string, to: string): boolean =>
  STATUSPAGE_STATUS[from] !== STATUSPAGE_STATUS[to] || stageBody(from) !== stageBody(to);

/** Parts of a public text as sentences: "Orders are delayed. Watch the backlog drain." */
export function sentences(...parts: readonly string[]): string {
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (/[.!?…]$/.test(p) ? p : `${p}.`))
    .join(' ');
}

export const publicIncidentName = (priority: string): string =>
  priority === 'P1' ? 'Major service disruption' : 'Partial service disruption';
