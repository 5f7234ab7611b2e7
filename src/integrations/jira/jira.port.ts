// What the hub needs from an issue tracker: the incident issue (found by the incident key label
// before one is created), its status following the stage and its priority the incident's, and
// the comments that tell the incident's story.

export interface TrackedIssue {
  readonly issueKey: string;
  readonly url: string;
}

/** A comment on the issue: plain paragraphs, the last of which carries `ref`. */
export interface IssueComment {
  /** In the comment's text, so a repeated call finds the comment instead of posting it again. */
  readonly ref: string;
  readonly paragraphs: readonly string[];
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
  /**
   * An action item's issue: found by the label carrying the item's id, else created (assigned to
   * the Jira user with the owner's email, if any); either way linked to the incident's issue.
   */
  ensureActionItemIssue(request: ActionItemIssueRequest): Promise<ActionItemIssue>;
  /** Bring an action item's issue (found by its label) to the item's title, owner and due date; null: none yet. */
  updateActionItemIssue(request: ActionItemIssueUpdate): Promise<ActionItemIssue | null>;
  /** Comment on the issue, unless one of its latest comments already carries the comment's ref. */
  commentOnce(issueKey: string, comment: IssueComment): Promise<{ commentId: string }>;
  /** Reconciliation: the issues with these keys as they are now, in one search per 100 keys (a read). */
  findIssues?(issueKeys: readonly string[]): Promise<IssueState[]>;
}

/** An issue's fields the hub reconciles. */
export interface IssueState {
  readonly issueKey: string;
  readonly status: string | null;
  /** new, indeterminate or done. */
  readonly statusCategory: string | null;
  readonly resolution: string | null;
  readonly priority: string | null;
  readonly assignee: string | null;
  readonly updatedAt: Date | null;
}

export interface ActionItemIssueUpdate {
  actionItemId: string;
  summary: string;
  /** The owner's email: the assignee is the Jira user found by it, else none. */
  ownerEmail: string;
  /** YYYY-MM-DD */
  dueDate: string;
}

export interface ActionItemIssueRequest extends ActionItemIssueUpdate {
  description: string;
  /** The incident's issue, which the action item's is linked to. */
  incidentIssueKey: string;
}

export interface ActionItemIssue extends TrackedIssue {
  /** Whether the issue has an assignee (a Jira user has the owner's email). */
  assigned: boolean;
}

/** The label that finds an action item's issue again (Jira labels hold no spaces). */
export const actionItemLabel = (actionItemId: string): string => `incident-hub-action-item-${actionItemId}`;
