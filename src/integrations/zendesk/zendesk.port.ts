// What the hub needs from the support desk: the ticket the incident came from (or a new one),
// internal notes and public comments on it.

export interface SupportDesk {
  /** Create a ticket for an incident that did not come from one; found by the key tag if it exists. */
  ensureTicket(request: {
    incidentKey: string;
    subject: string;
    body: string;
  }): Promise<{ ticketId: string; url: string }>;
  /** Comment on a ticket, publicly or as an internal note, unless the dedupe key was already used. */
  comment(request: { ticketId: string; body: string; public: boolean; dedupeKey: string }): Promise<void>;
}
