// What the hub needs from an on-call pager: page with the incident key as alias (the vendor
// de-duplicates open alerts by alias), escalate to a team, close at mitigation.

export interface OnCallPager {
  /**
   * Page responders; an open alert with the same alias is reused, not duplicated. `earlier`: an
   * earlier try of this page may have made the alert, at or after `since` (a retry, an answer
   * lost): that alert is reused even when it was closed meanwhile, so the page is made once.
   */
  page(
    request: {
      alias: string;
      message: string;
      description: string;
      tags: readonly string[];
      responders: readonly { type: 'team' | 'schedule' | 'user'; name: string }[];
      /** P1 (highest) to P5. */
      priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
    },
    earlier?: { since: Date },
  ): Promise<{ alertId: string }>;
  /**
   * The alert an earlier try of a page may have made, as `page` with `earlier` would reuse it (the
   * open alert of the alias, or its latest made at or after `since`); null when there is none. A
   * read: a page that stands down (closed before it paged) still records what an earlier try made.
   */
  earlierAlert(alias: string, since: Date): Promise<string | null>;
  /** Close the alert with this alias, with a note; closing a closed alert is not an error. */
  close(alias: string, note: string): Promise<void>;
  /** Set the priority of the alert with this alias (reconciliation: the hub owns it). */
  setPriority?(alias: string, priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'): Promise<void>;
  /** Who is on call next in a schedule (by name): usernames, empty when nobody is. A read. */
  nextOnCall?(schedule: string): Promise<string[]>;
  /** Reconciliation: the latest alert of each alias, open or closed, listed by one query per 50 aliases (a read). */
  listAlerts?(aliases: readonly string[]): Promise<AlertState[]>;
}

/** An alert's fields the hub reconciles. */
export interface AlertState {
  readonly alertId: string;
  readonly alias: string;
  readonly status: 'open' | 'closed';
  readonly acknowledged: boolean;
  readonly priority: string | null;
  readonly owner: string | null;
  readonly updatedAt: Date | null;
}
