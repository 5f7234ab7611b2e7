// Incident Flow: whether a change puts an incident in the flow that opens channels, pages and
// tickets. A declaration may say so outright (an explicit declaration of a P3, or opting a P2
// out); otherwise the priority decides.
import type { Priority } from '../domain/enums';
import type { DomainEvent } from '../domain/events';

export function warrantsFlow(
  event: DomainEvent,
  priority: string,
  flowPriorities: readonly Priority[],
): boolean {
  if (event.type === 'IncidentDeclared' && typeof event.data.incidentFlow === 'boolean')
    return event.data.incidentFlow;
  return flowPriorities.includes(priority as Priority);
}
