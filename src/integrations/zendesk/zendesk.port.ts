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
  /** The ticket as it is now, or null when it does not exist (or is not visible to the hub). */
  getTicket(ticketId: string): Promise<SupportTicketState | null>;
  /** Reconciliation: these tickets as they are now (missing ones left out), one show_many per 100 (a read). */
  getTickets?(ticketIds: readonly string[]): Promise<SupportTicketState[]>;
}

/** The ticket fields the hub follows. */
export interface SupportTicketState {
  ticketId: string;
  subject: string;
  description: string;
  status: string;
  priority: string | null;
  tags: readonly string[];
  /** The incident ticket this one was filed under (Zendesk's problem ticket), if any. */
  problemId: string | null;
  customFields: readonly { id: number; value: unknown }[];
  updatedAt: Date | null;
  /** The assigned agent's id, if any. */
  assigneeId?: string | null;
}
