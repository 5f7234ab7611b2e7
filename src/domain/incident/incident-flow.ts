// Incident Flow: whether an incident runs the flow that opens channels, pages and tickets.
// Decided here only, when an incident is declared and when its priority changes; stored on the
// incident and carried on its events, so every vendor reaction reads the same answer.
import { IncidentFlowDecider, type Priority } from '../enums';

export interface FlowDecision {
  readonly incidentFlow: boolean;
  readonly decidedBy: IncidentFlowDecider;
}

/** At declaration: an explicit choice of the declarer wins; otherwise the priority decides. */
export function flowAtDeclaration(
  explicit: boolean | null | undefined,
  priority: Priority,
  flowPriorities: readonly Priority[],
): FlowDecision {
  if (typeof explicit === 'boolean')
    return { incidentFlow: explicit, decidedBy: IncidentFlowDecider.DECLARER };
  return { incidentFlow: flowPriorities.includes(priority), decidedBy: IncidentFlowDecider.PRIORITY };
}

/**
 * After a priority change: an incident in the flow stays in it (its channel, pages and tickets
 * exist), and one kept out by its declarer stays out; otherwise raising it to a flow priority
 * brings it in.
 */
export function flowAfterPriorityChange(
  current: FlowDecision,
  priority: Priority,
  flowPriorities: readonly Priority[],
): FlowDecision {
  if (current.incidentFlow || current.decidedBy === IncidentFlowDecider.DECLARER) return current;
  return flowPriorities.includes(priority)
    ? { incidentFlow: true, decidedBy: IncidentFlowDecider.PRIORITY }
    : current;
}
