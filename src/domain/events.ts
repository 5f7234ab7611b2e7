// Domain events: facts collected inside a transaction and handed out only after it commits.
// Subscriptions (live dashboards) and integration reactions (vendors) plug in here.
import type { TimelineKind } from './enums';

export type DomainEventType =
  | 'IncidentDeclared'
  | 'StageChanged'
  | 'PriorityChanged'
  | 'IncidentDetailsChanged'
  | 'TimestampCorrected'
  | 'RoleAssigned'
  | 'RoleRelieved'
  | 'NoteAdded'
  | 'StatusUpdatePosted'
  | 'ActionItemCreated'
  | 'ActionItemUpdated'
  | 'Escalated'
  | 'MessageStarred'
  | 'StarredMessageChanged'
  | 'SupportTicketLinked'
  | 'SupportTicketUpdated'
  /** What happened to the incident in another system (its Jira issue edited, its alert acknowledged). */
  | 'IntegrationActivityRecorded'
  /** On MITIGATED: the final internal and external communications, drafted (a COMMUNICATION entry). */
  | 'FinalCommunicationDrafted';

export interface DomainEvent {
  readonly type: DomainEventType;
  readonly incidentId: string;
  readonly incidentKey: string;
  /** The timeline entry written with the change. */
  readonly timelineEntryId: string;
  readonly timelineKind: TimelineKind;
  readonly actorId: string | null;
  readonly occurredAt: Date;
  readonly data: Readonly<Record<string, unknown>>;
}

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
