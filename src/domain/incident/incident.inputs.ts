// The shapes use cases accept, validated the same way whatever the entry point.
import { z } from 'zod';
import { TEXT_LIMITS } from '../../entities/incident.entity';
import {
  ActionItemKind,
  ActionItemStatus,
  Audience,
  CorrectableTimestamp,
  ImpactLevel,
  IncidentRole,
  Priority,
  Stage,
  UrgencyLevel,
} from '../enums';
import { id, optionalText, pastOrPresent, requiredText } from '../validation';
import { ZENDESK_TICKET_ID } from './incident-key';

/** Limits of fields that are not stored text (TEXT_LIMITS has those); the schema docs quote them. */
export const INPUT_LIMITS = {
  incidentKey: 120,
  idempotencyKey: 200,
  affectedClients: 50,
  affectedSites: 200,
} as const;

export const incidentKey = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(INPUT_LIMITS.incidentKey, `must be at most ${INPUT_LIMITS.incidentKey} characters`);
const slug = z.string().trim().toLowerCase().min(1, 'must not be empty');

export const declareIncidentSchema = (now: Date) =>
  z.strictObject({
    summary: requiredText(TEXT_LIMITS.summary),
    description: optionalText(TEXT_LIMITS.description),
    clientImpact: optionalText(TEXT_LIMITS.clientImpact),
    clientImpactLevel: z.enum(ImpactLevel),
    clientUrgency: optionalText(TEXT_LIMITS.clientUrgency),
    clientUrgencyLevel: z.enum(UrgencyLevel),
    faultyServiceId: id().nullish(),
    affectedClientSlugs: z
      .array(slug)
      .min(1, 'name at least one affected client')
      .max(INPUT_LIMITS.affectedClients),
    affectedSiteIds: z.array(slug).max(INPUT_LIMITS.affectedSites).nullish(),
    impactStartedAt: pastOrPresent(now).nullish(),
    detectedAt: pastOrPresent(now).nullish(),
    zendeskTicketId: z
      .string()
      .trim()
      .regex(ZENDESK_TICKET_ID, 'must be a Zendesk ticket number (digits)')
      .nullish(),
    idempotencyKey: z
      .string()
      .trim()
      .min(1)
      .max(INPUT_LIMITS.idempotencyKey, `must be at most ${INPUT_LIMITS.idempotencyKey} characters`)
      .nullish(),
    incidentFlow: z.boolean().nullish(),
  });
export type DeclareIncidentInput = z.input<ReturnType<typeof declareIncidentSchema>>;

/** reconcileIncident's arguments. */
export const reconcileIncidentSchema = z.strictObject({ incidentKey, apply: z.boolean().default(false) });

export const changeStageSchema = z.strictObject({
  incidentKey,
  stage: z.enum(Stage),
  note: optionalText(TEXT_LIMITS.note),
});
export type ChangeStageInput = z.input<typeof changeStageSchema>;

export const reassessPrioritySchema = z.strictObject({
  incidentKey,
  clientImpactLevel: z.enum(ImpactLevel),
  clientUrgencyLevel: z.enum(UrgencyLevel),
  clientImpact: optionalText(TEXT_LIMITS.clientImpact),
  clientUrgency: optionalText(TEXT_LIMITS.clientUrgency),
  reason: requiredText(TEXT_LIMITS.reason),
});
export type ReassessPriorityInput = z.input<typeof reassessPrioritySchema>;

export const updateIncidentDetailsSchema = z.strictObject({
  incidentKey,
  summary: requiredText(TEXT_LIMITS.summary).optional(),
  description: optionalText(TEXT_LIMITS.description),
  clientImpact: optionalText(TEXT_LIMITS.clientImpact),
  clientUrgency: optionalText(TEXT_LIMITS.clientUrgency),
  faultyServiceId: id().nullish(),
  affectedClientSlugs: z
    .array(slug)
    .min(1, 'name at least one affected client')
    .max(INPUT_LIMITS.affectedClients)
    .nullish(),
  affectedSiteIds: z.array(slug).max(INPUT_LIMITS.affectedSites).nullish(),
});
export type UpdateIncidentDetailsInput = z.input<typeof updateIncidentDetailsSchema>;

export const correctTimestampSchema = (now: Date) =>
  z.strictObject({
    incidentKey,
    field: z.enum(CorrectableTimestamp),
    value: pastOrPresent(now),
    reason: requiredText(TEXT_LIMITS.reason),
  });
export type CorrectTimestampInput = z.input<ReturnType<typeof correctTimestampSchema>>;

export const assignRoleSchema = z
  .strictObject({
    incidentKey,
    role: z.enum(IncidentRole),
    personId: id(),
    title: optionalText(TEXT_LIMITS.title),
  })
  .refine((v) => v.role !== IncidentRole.CUSTOM || !!v.title, {
    path: ['title'],
    message: 'a CUSTOM role needs a title',
  });
export type AssignRoleInput = z.input<typeof assignRoleSchema>;

export const relieveRoleSchema = z.strictObject({
  incidentKey,
  role: z.enum(IncidentRole),
  personId: id().nullish(),
});
export type RelieveRoleInput = z.input<typeof relieveRoleSchema>;

export const handOverRoleSchema = z.strictObject({
  incidentKey,
  role: z.enum(IncidentRole),
  toPersonId: id(),
  fromPersonId: id().nullish(),
  title: optionalText(TEXT_LIMITS.title),
});
export type HandOverRoleInput = z.input<typeof handOverRoleSchema>;

export const addNoteSchema = (now: Date) =>
  z.strictObject({
    incidentKey,
    text: requiredText(TEXT_LIMITS.note),
    /** Backdates the note; not in the future (the use case also refuses a time before impact started). */
    occurredAt: pastOrPresent(now).nullish(),
  });
export type AddNoteInput = z.input<ReturnType<typeof addNoteSchema>>;

export const postStatusUpdateSchema = z.strictObject({
  incidentKey,
  audience: z.enum(Audience).default(Audience.INTERNAL),
  clientImpact: requiredText(TEXT_LIMITS.statusUpdateField),
  knownProblem: requiredText(TEXT_LIMITS.statusUpdateField),
  attempted: requiredText(TEXT_LIMITS.statusUpdateField),
  nextSteps: requiredText(TEXT_LIMITS.statusUpdateField),
});
export type PostStatusUpdateInput = z.input<typeof postStatusUpdateSchema>;

const jiraIssueKey = z
  .string()
  .trim()
  .regex(/^[A-Z][A-Z0-9_]+-[1-9][0-9]*$/, 'must be a Jira issue key such as "INC-123"')
  .nullish();

export const createActionItemSchema = z.strictObject({
  incidentKey,
  title: requiredText(TEXT_LIMITS.title),
  description: optionalText(TEXT_LIMITS.description),
  kind: z.enum(ActionItemKind),
  ownerId: id(),
  dueDate: z.date(),
  jiraIssueKey,
});
export type CreateActionItemInput = z.input<typeof createActionItemSchema>;

export const updateActionItemSchema = z.strictObject({
  id: id(),
  title: requiredText(TEXT_LIMITS.title).optional(),
  description: optionalText(TEXT_LIMITS.description),
  kind: z.enum(ActionItemKind).nullish(),
  status: z.enum(ActionItemStatus).nullish(),
  ownerId: id().nullish(),
  dueDate: z.date().nullish(),
  jiraIssueKey,
});
export type UpdateActionItemInput = z.input<typeof updateActionItemSchema>;

export const escalateSchema = z.strictObject({
  incidentKey,
  teamId: id(),
  reason: requiredText(TEXT_LIMITS.reason),
  /** A retry with the same key (on the same incident) returns the first escalation. */
  idempotencyKey: z
    .string()
    .trim()
    .min(1)
    .max(INPUT_LIMITS.idempotencyKey, `must be at most ${INPUT_LIMITS.idempotencyKey} characters`)
    .nullish(),
});
export type EscalateInput = z.input<typeof escalateSchema>;

/** The longest communication text sendCommunication takes. */
export const COMMUNICATION_TEXT_MAX = 10_000;

export const sendCommunicationSchema = z.strictObject({
  incidentKey,
  audience: z.enum(Audience),
  /** Absent: the latest final communication draft for this audience. */
  text: requiredText(COMMUNICATION_TEXT_MAX).nullish(),
});
export type SendCommunicationInput = z.input<typeof sendCommunicationSchema>;

/**
 * The incident filter (IncidentFilterValues) as the reads that validate it take it: incidentMetrics
 * and the CSV export (which first turns its query string into these types).
 */
export const incidentFilterSchema = z.strictObject({
  stages: z.array(z.enum(Stage)).nullish(),
  priorities: z.array(z.enum(Priority)).nullish(),
  clientSlugs: z.array(slug).nullish(),
  siteIds: z.array(slug).nullish(),
  serviceIds: z.array(id()).nullish(),
  open: z.boolean().nullish(),
  declaredAfter: z.date().nullish(),
  declaredBefore: z.date().nullish(),
  text: z.string().max(TEXT_LIMITS.summary, `must be at most ${TEXT_LIMITS.summary} characters`).nullish(),
});

/** The longest postmortem Markdown publishPostmortem takes (a Jira description holds 32 767 characters). */
export const POSTMORTEM_MARKDOWN_MAX = 30_000;

export const publishPostmortemSchema = z.strictObject({
  incidentKey,
  /** Absent: the draft generated from the record now. */
  markdown: requiredText(POSTMORTEM_MARKDOWN_MAX).nullish(),
});
export type PublishPostmortemInput = z.input<typeof publishPostmortemSchema>;
