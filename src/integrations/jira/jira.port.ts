// What the hub needs from an issue tracker: the incident issue (found by the incident key label
// before one is created), its status following the stage, and comments.

export interface TrackedIssue {
  readonly issueKey: string;
  readonly url: string;
}

export interface IssueTracker {
  /** The incident's issue, labelled with the incident key; created only when none exists. */
  ensureIncidentIssue(request: {
    incidentKey: string;
    summary: string;
    description: string;
  }): Promise<TrackedIssue>;
  /** Move the issue to the status named (the stage mapping is configuration). */
  transitionTo(issueKey: string, statusName: string): Promise<void>;
  /** Comment unless a comment carrying this dedupe key exists. */
  comment(request: { issueKey: string; text: string; dedupeKey: string }): Promise<void>;
}
