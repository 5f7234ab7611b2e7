// Domain events: facts collected inside a transaction and handed out only after it commits.
// Subscriptions (live dashboards) and integration reactions (vendors) plug in here.
//
// Each event type has its own payload type (EventPayloads), and each is written with exactly one
// timeline kind (EVENT_TIMELINE_KIND), so the `data` of a timeline entry has the shape of its
// event's payload: readers narrow on `type` (or `kind`) and need no casts.
import {
  type ActionItemKind,
  type ActionItemStatus,
  type Audience,
  type CorrectableTimestamp,
  type ImpactLevel,
  type IncidentFlowDecider,
  type IncidentRole,
  type Priority,
  type Stage,
  TimelineKind,
  type UrgencyLevel,
} from './enums';

/** One changed field: its value before and after. */
export interface FieldChange<T = unknown> {
  from: T;
  to: T;
}

export interface PriorityLevels {
  priority: Priority;
  clientImpactLevel: ImpactLevel;
  clientUrgencyLevel: UrgencyLevel;
}

export interface RoleChangeData {
  assignmentId: string;
  role: IncidentRole;
  /** The title of a CUSTOM role. */
  title: string | null;
  personId: string;
  personName: string;
  handover: boolean;
}

export interface StarredMessageData {
  channelId: string;
  messageTs: string;
  author: string;
  authorId: string | null;
  authorSlackId: string | null;
  text: string;
  permalink: string | null;
  postedAt: string | null;
  starred: boolean;
  starredBy: string[];
  edited: boolean;
  /** Earlier texts of an edited message, each with when it was replaced. */
  earlierTexts: { text: string; replacedAt: string }[];
  deleted: boolean;
  deletedAt: string | null;
}

export interface TicketFieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

/** An edit of the incident's own Jira issue, as Jira's webhook reported it. */
export interface JiraIssueActivity {
  system: 'JIRA';
  issueKey: string;
  user: { accountId: string | null; displayName: string | null };
  status: string | null;
  changes: { field: string; from: string | null; to: string | null }[];
}

/** An action on one of the incident's Opsgenie alerts (acknowledge, close, escalate, note). */
export interface OpsgenieAlertActivity {
  system: 'OPSGENIE';
  action: string;
  alertId: string;
  alias: string | null;
  tinyId: string | null;
  username: string | null;
  note: string | null;
  escalationName: string | null;
}

export type IntegrationActivity = JiraIssueActivity | OpsgenieAlertActivity;

/** The data of a note entered after the fact: the entry's occurredAt is the time it speaks of. */
export interface BackdatedNote {
  backdated: true;
  /** When the note was entered (ISO 8601); its actor is who entered it. */
  enteredAt: string;
}

/** Who hears a sent communication by email: the internal lists, or one affected client's lists. */
export interface CommunicationRecipients {
  /** null: the internal audience. */
  clientSlug: string | null;
  clientName: string | null;
  /** The client's own affected sites (none for the internal audience). */
  sites: { siteId: string; location: string }[];
  lists: { name: string; addresses: string[] }[];
}

/** Someone who owes the status update (an active incident manager) or is paged for it. */
export interface OwedBy {
  personId: string;
  name: string;
  slackUserId: string | null;
}

/** A handover prompt: who holds the role since when, and who could take over (and why them). */
export interface HandoverPrompt {
  kind: 'handover';
  assignmentId: string;
  role: IncidentRole;
  holder: OwedBy;
  /** When the holder took the role (ISO). */
  heldSince: string;
  heldSeconds: number;
  period: number;
  /** People suggested to take over: the schedule's next on-call, else people in the same time zone. */
  suggested: OwedBy[];
  suggestedFrom: 'opsgenie' | 'timezone' | null;
}

/** Which missed status update a reminder or escalation is about (ISO times, seconds). */
export interface OverdueUpdate {
  /** When the update was due: the last update (or acknowledgement) plus the interval. */
  dueAt: string;
  intervalSeconds: number;
  /** 1 from dueAt on, 2 from one interval later, and so on: one reminder per period. */
  period: number;
  overdueSeconds: number;
}

/** A monitoring alert as recorded on an incident's timeline. */
export interface AlertData {
  alertId: string;
  source: string;
  fingerprint: string;
  name: string;
  severity: string | null;
  /** When it first fired (ISO). */
  firstSeenAt: string;
  /** Why it is attached: "service Order Sync", "site wf0001", "declared from it", "by <person>". */
  reason: string;
}

/** The payload of each domain event type (and so the `data` of its timeline entry). */
export interface EventPayloads {
  IncidentDeclared: {
    priority: Priority;
    stage: Stage;
    clientImpactLevel: ImpactLevel;
    clientUrgencyLevel: UrgencyLevel;
    affectedClients: string[];
    affectedSites: string[];
    faultyService: string;
    zendeskTicketId: string | null;
    incidentFlow: boolean;
    incidentFlowDecidedBy: IncidentFlowDecider;
  };
  StageChanged: { from: Stage; to: Stage; note: string | null };
  PriorityChanged: {
    from: PriorityLevels;
    to: PriorityLevels;
    reason: string;
    incidentFlow: boolean;
    /** The change brought the incident into Incident Flow. */
    enteredFlow: boolean;
  };
  IncidentDetailsChanged: { changes: Record<string, FieldChange> };
  /** `from` is null when the timestamp is set for the first time (IDENTIFIED after mitigation). */
  TimestampCorrected: { field: CorrectableTimestamp; from: string | null; to: string; reason: string };
  RoleAssigned: RoleChangeData;
  RoleRelieved: RoleChangeData;
  /**
   * A note dated now has no data; a backdated one (addNote with occurredAt, the entry's time)
   * records when it was entered. Notes entered before backdating existed also have no data.
   */
  NoteAdded: Record<string, never> | BackdatedNote;
  StatusUpdatePosted: {
    statusUpdateId: string;
    audience: Audience;
    /** EXTERNAL: the support tickets linked when it was posted (their requesters hear a P1's). */
    supportTicketIds?: string[];
  };
  ActionItemCreated: {
    actionItemId: string;
    change: 'created';
    kind: ActionItemKind;
    ownerId: string;
  };
  ActionItemUpdated: {
    actionItemId: string;
    change: 'updated';
    changes: Record<string, FieldChange> & { status?: FieldChange<ActionItemStatus> };
    /** Set when the change came from the issue tracker. */
    source?: 'JIRA';
    issueKey?: string;
    changedAt?: string;
    /** The issue the hub created for the item was left unassigned: no Jira user has the owner's email. */
    unassigned?: boolean;
  };
  Escalated: {
    teamId: string;
    teamName: string;
    opsgenieTeam: string | null;
    reason: string;
    /** The escalate call's idempotencyKey, when it gave one. */
    idempotencyKey?: string;
  };
  MessageStarred: StarredMessageData;
  StarredMessageChanged: StarredMessageData;
  SupportTicketLinked: { system: 'ZENDESK'; ticketId: string; subject: string; supportTicketCount: number };
  SupportTicketUpdated: {
    system: 'ZENDESK';
    ticketId: string;
    changes: TicketFieldChange[];
    event: string | null;
    /** Names on the ticket the catalogue does not know (left out), e.g. `site "zz0009"`. */
    unknown?: string[];
  };
  /** What happened to the incident in another system (its Jira issue edited, its alert acknowledged). */
  IntegrationActivityRecorded: IntegrationActivity & { dedupeKey: string };
  /** On MITIGATED: the final internal and external communications, drafted (a COMMUNICATION entry). */
  FinalCommunicationDrafted: {
    draft: 'final';
    internal: string;
    external: string;
    supportTicketCount: number;
    durationSeconds: number;
    revision: number;
    supersedes: string | null;
  };
  /** sendCommunication: a communication sent to its audience (a COMMUNICATION entry). */
  CommunicationSent: {
    sent: 'communication';
    audience: Audience;
    text: string;
    /** Whether the text is the final communication draft as drafted, or the sender's own. */
    edited: boolean;
    /** The COMMUNICATION entry of the draft it was taken from or edited after, if any. */
    draftEntryId: string | null;
    /** Resolved when sent, so the record says who was addressed. */
    recipients: CommunicationRecipients[];
    /** EXTERNAL: the support tickets linked to the incident, whose requesters hear too. */
    supportTicketIds: string[];
  };
  /**
   * publishPostmortem: the postmortem (drafted from the record, or as edited) published to the
   * incident's Jira issue and linked in its channel (a COMMUNICATION entry). Every revision's text is
   * kept here; incident_postmortem holds the latest.
   */
  PostmortemPublished: {
    postmortem: 'published';
    revision: number;
    markdown: string;
    /** Whether the text is the sender's own rather than the draft as generated. */
    edited: boolean;
    /** The Jira issue it is written to. */
    issueKey: string;
  };
  /** A REMINDER entry: the status update is due and missing (one per overdue period). */
  StatusUpdateReminderSent: OverdueUpdate & { incidentManagers: OwedBy[] };
  /**
   * An ESCALATION entry: the update is overdue by twice the interval, so the backup incident
   * manager (or, without one, the incident-manager on-call schedule) is paged.
   */
  StatusUpdateOverdueEscalated: OverdueUpdate & {
    reason: string;
    incidentManagers: OwedBy[];
    backupIncidentManager: (OwedBy & { pagerUser: string }) | null;
  };
  /**
   * A REMINDER entry with `kind: 'handover'`: the incident manager has held the role for a
   * HANDOVER_AFTER period (one prompt per period), with who could take over.
   */
  HandoverPrompted: HandoverPrompt;
  /** An ALERT_ATTACHED entry: a monitoring alert joined the incident. */
  AlertAttached: AlertData;
  /** An ALERT_RESOLVED entry: one of the incident's alerts resolved (its source said so). */
  AlertResolved: AlertData & { resolvedAt: string };
  /** A RECONCILIATION entry: a field differs between the hub and a vendor record (recorded once). */
  DriftFound: ReconciliationData & { drift: 'found' };
  /** A RECONCILIATION entry: a drift recorded before is gone (recorded once). */
  DriftResolved: ReconciliationData & { drift: 'resolved' };
  /**
   * A RECONCILIATION entry: a drift repaired in the policy's direction, PUSH (the hub's value sent
   * out as an effect, planned by the vendor's reactions) or PULL (the vendor's value taken in).
   */
  DriftRepaired: ReconciliationData & { drift: 'repaired'; direction: 'PUSH' | 'PULL' };
}

/** One field of a vendor record that differs from the hub's, and who owns it (the reconcile policy). */
export interface ReconciliationData {
  system: 'JIRA' | 'OPSGENIE' | 'ZENDESK';
  /** The vendor record: issue key, alert alias or ticket id. */
  record: string;
  /** The policy key, e.g. JIRA.status. */
  policyKey: string;
  field: string;
  hubValue: string | null;
  vendorValue: string | null;
  owner: string;
}

export type DomainEventType = keyof EventPayloads;

/** The timeline kind each event is written as: one decision, so kind and data always match. */
export const EVENT_TIMELINE_KIND = {
  IncidentDeclared: TimelineKind.DECLARED,
  StageChanged: TimelineKind.STAGE_CHANGED,
  PriorityChanged: TimelineKind.PRIORITY_CHANGED,
  IncidentDetailsChanged: TimelineKind.DETAILS_CHANGED,
  TimestampCorrected: TimelineKind.TIMESTAMP_CORRECTED,
  RoleAssigned: TimelineKind.ROLE_ASSIGNED,
  RoleRelieved: TimelineKind.ROLE_RELIEVED,
  NoteAdded: TimelineKind.NOTE,
  StatusUpdatePosted: TimelineKind.STATUS_UPDATE,
  ActionItemCreated: TimelineKind.ACTION_ITEM,
  ActionItemUpdated: TimelineKind.ACTION_ITEM,
  Escalated: TimelineKind.ESCALATION,
  MessageStarred: TimelineKind.STARRED_MESSAGE,
  StarredMessageChanged: TimelineKind.STARRED_MESSAGE,
  SupportTicketLinked: TimelineKind.INTEGRATION,
  SupportTicketUpdated: TimelineKind.INTEGRATION,
  IntegrationActivityRecorded: TimelineKind.INTEGRATION,
  FinalCommunicationDrafted: TimelineKind.COMMUNICATION,
  CommunicationSent: TimelineKind.COMMUNICATION,
  PostmortemPublished: TimelineKind.COMMUNICATION,
  StatusUpdateReminderSent: TimelineKind.REMINDER,
  StatusUpdateOverdueEscalated: TimelineKind.ESCALATION,
  HandoverPrompted: TimelineKind.REMINDER,
  AlertAttached: TimelineKind.ALERT_ATTACHED,
  AlertResolved: TimelineKind.ALERT_RESOLVED,
  DriftFound: TimelineKind.RECONCILIATION,
  DriftResolved: TimelineKind.RECONCILIATION,
  DriftRepaired: TimelineKind.RECONCILIATION,
} as const satisfies Record<DomainEventType, TimelineKind>;

type KindOfEvent = typeof EVENT_TIMELINE_KIND;

/** The `data` shape of each timeline kind: the payloads of the events written as that kind. */
export type TimelineData<K extends TimelineKind = TimelineKind> = {
  [T in DomainEventType]: KindOfEvent[T] extends K ? EventPayloads[T] : never;
}[DomainEventType];

interface EventEnvelope<T extends DomainEventType> {
  readonly type: T;
  readonly incidentId: string;
  readonly incidentKey: string;
  /** The timeline entry written with the change. */
  readonly timelineEntryId: string;
  readonly timelineKind: KindOfEvent[T];
  readonly actorId: string | null;
  readonly occurredAt: Date;
  readonly data: Readonly<EventPayloads[T]>;
}

/** A committed fact, discriminated by `type`. */
export type DomainEvent = { [T in DomainEventType]: EventEnvelope<T> }[DomainEventType];

/** The event of one type. */
export type EventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

export type DomainEventHandler = (events: readonly DomainEvent[]) => void | Promise<void>;

/** In-process fan-out of committed events. A failing handler is logged, never propagated. */
export class DomainEventBus {
  private readonly handlers = new Set<DomainEventHandler>();

  constructor(private readonly onHandlerError: (err: unknown) => void) {}

  subscribe(handler: DomainEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Called after commit only. */
  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    for (const handler of this.handlers) {
      try {
        await handler(events);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }
}
