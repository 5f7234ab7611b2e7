// What the hub needs from an issue tracker: the incident issue (found by the incident key label
// before one is created) and its status following the stage.

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
}
