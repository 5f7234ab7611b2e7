// What the hub needs from an issue tracker: the incident issue (found by the incident key label
// before one is created), its status following the stage and its priority the incident's.

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
    /** The Jira priority name; the project's default when absent. */
    priority?: string;
  }): Promise<TrackedIssue>;
  /** Move the issue to the status named (the stage mapping is configuration). */
  transitionTo(issueKey: string, statusName: string): Promise<void>;
  /** Set the issue's priority (by its Jira name). */
  setPriority(issueKey: string, priorityName: string): Promise<void>;
  /** Replace the issue's description (an ADF document): the published postmortem. */
  setDescription(
    issueKey: string,
    description: { type: 'doc'; version: 1; content: unknown[] },
  ): Promise<void>;
}
