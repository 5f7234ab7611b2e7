// Pure: what a page says. The key is the alias, a tag and the start of the message, so whoever
// is paged can find the incident channel.

export function alertMessage(key: string, summary: string): string {
  const message = `${key}: ${summary}`;
  return message.length <= 130 ? message : `${message.slice(0, 129)}…`;
}

/** Opsgenie's alert priorities, P1 the highest. */
export const ALERT_PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export type AlertPriority = (typeof ALERT_PRIORITIES)[number];

/** The alert's priority follows the incident's: P1 pages as P1, … P4 as P4. */
export function alertPriority(priority: string): AlertPriority {
  return (ALERT_PRIORITIES as readonly string[]).includes(priority) ? (priority as AlertPriority) : 'P3';
}

/** The tag on every alert the hub creates (its pages), by which its webhook tells them apart. */
export const HUB_TAG = 'incident-hub';

export function alertTags(key: string, priority: string): string[] {
  return [key, priority, HUB_TAG];
}
