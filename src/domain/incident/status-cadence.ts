// When the next incident-manager status update is due. Pure.
import type { Priority, Stage } from '../enums';
import { IMPACT_ENDED_STAGES } from './lifecycle';
import type { UpdateCadence } from './priority-matrix';

/** Null when the priority has no cadence or the incident's impact has ended. */
export function nextStatusUpdateDueAt(
  incident: { priority: Priority; stage: Stage; acknowledgedAt: Date },
  lastStatusUpdateAt: Date | null,
  cadence: UpdateCadence,
): Date | null {
  const seconds = cadence[incident.priority];
  if (seconds === undefined || IMPACT_ENDED_STAGES.has(incident.stage)) return null;
  const from = lastStatusUpdateAt ?? incident.acknowledgedAt;
  return new Date(from.getTime() + seconds * 1000);
}
