// Incident keys: `<client-slug>-incident-<number>`. Pure.

export function incidentKey(clientSlug: string, number: number | string): string {
  return `${clientSlug}-incident-${number}`;
}

/** A Zendesk ticket id usable as a key number: digits only. */
export const ZENDESK_TICKET_ID = /^[1-9][0-9]{0,18}$/;
