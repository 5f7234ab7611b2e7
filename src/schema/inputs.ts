// GraphQL input types. Validation lives in the domain (zod), so every entry point shares it;
// these classes only describe the shapes for the schema and GraphiQL.
import { Field, ID, InputType } from 'type-graphql';
import {
  AccessRole,
  AlertSource,
  AlertStatus,
  ActionItemKind,
  ActionItemStatus,
  Audience,
  CorrectableTimestamp,
  ImpactLevel,
  IncidentRole,
  Priority,
  Stage,
  UrgencyLevel,
} from '../domain/enums';
import { TOKEN_NAME_MAX } from '../domain/access/token.service';
import { CATALOGUE_LIMITS } from '../domain/catalogue/catalogue.service';
import { DISTRIBUTION_LIST_LIMITS } from '../domain/catalogue/distribution-lists';
import { COMMUNICATION_TEXT_MAX, INPUT_LIMITS } from '../domain/incident/incident.inputs';
import { IDENTIFIED_CORRECTABLE_STAGES } from '../domain/incident/lifecycle';
import { TEXT_LIMITS } from '../entities/incident.entity';

// Each limit the use cases enforce is stated in the field's description, from the same constant;
// test/unit/inputs-match.test.ts holds the two declarations equal.
export const INCIDENT_KEY = `The incident key, at most ${INPUT_LIMITS.incidentKey} characters.`;
const atMost = (n: number): string => `at most ${n} characters`;

@InputType({ description: 'Which incidents to return; every condition given must hold.' })
export class IncidentFilter {
  @Field(() => [Stage], { nullable: true, description: 'Only these stages.' })
  stages?: Stage[];
  @Field(() => [Priority], { nullable: true, description: 'Only these priorities.' })
  priorities?: Priority[];
  @Field(() => [String], { nullable: true, description: 'Only incidents affecting one of these clients.' })
  clientSlugs?: string[];
  @Field(() => [String], { nullable: true, description: 'Only incidents affecting one of these sites.' })
  siteIds?: string[];
  @Field(() => [ID], { nullable: true, description: 'Only incidents whose faulty service is one of these.' })
  serviceIds?: string[];
  @Field({ nullable: true, description: 'true: not CLOSED or CANCELLED; false: only those.' })
  open?: boolean;
  @Field({ nullable: true, description: 'Declared at or after this time.' })
  declaredAfter?: Date;
  @Field({ nullable: true, description: 'Declared before this time.' })
  declaredBefore?: Date;
  @Field({ nullable: true, description: 'Text in the key, summary or description (case-insensitive).' })
  text?: string;
}

@InputType({ description: 'A new incident.' })
export class DeclareIncidentInput {
  @Field({ description: `One-line summary, at most ${TEXT_LIMITS.summary} characters.` })
  summary: string;
  @Field({
    nullable: true,
    description: `Longer description, at most ${TEXT_LIMITS.description} characters.`,
  })
  description?: string;
  @Field({
    nullable: true,
    description: `Client impact in words, at most ${TEXT_LIMITS.clientImpact} characters.`,
  })
  clientImpact?: string;
  @Field(() => ImpactLevel, { description: 'Graded client impact.' })
  clientImpactLevel: ImpactLevel;
  @Field({
    nullable: true,
    description: `Client urgency in words, at most ${TEXT_LIMITS.clientUrgency} characters.`,
  })
  clientUrgency?: string;
  @Field(() => UrgencyLevel, { description: 'Graded client urgency.' })
  clientUrgencyLevel: UrgencyLevel;
  @Field(() => ID, { nullable: true, description: 'The faulty service; "Unknown" when absent.' })
  faultyServiceId?: string;
  @Field(() => [String], {
    description: `Affected clients by slug, at least 1 and at most ${INPUT_LIMITS.affectedClients}; the first names the key.`,
  })
  affectedClientSlugs: string[];
  @Field(() => [String], {
    nullable: true,
    description: `Affected sites by siteId, at most ${INPUT_LIMITS.affectedSites}; their clients are added.`,
  })
  affectedSiteIds?: string[];
  @Field({ nullable: true, description: 'Start of impact; default: detectedAt. Not in the future.' })
  impactStartedAt?: Date;
  @Field({ nullable: true, description: 'When it was detected; default: now. Not in the future.' })
  detectedAt?: Date;
  @Field({ nullable: true, description: 'The Zendesk ticket number; it becomes the key number.' })
  zendeskTicketId?: string;
  @Field({
    nullable: true,
    description: `Retrying with the same key returns the same incident; at most ${INPUT_LIMITS.idempotencyKey} characters.`,
  })
  idempotencyKey?: string;
  @Field({
    nullable: true,
    description:
      'true: run Incident Flow (channel, paging, ticket) whatever the priority; false: do not; absent: the priority decides (P1, P2 by default).',
  })
  incidentFlow?: boolean;
}

@InputType({ description: 'Move an incident to another stage.' })
export class ChangeStageInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => Stage, { description: 'The stage to move to; see Incident.nextStages.' })
  stage: Stage;
  @Field({ nullable: true, description: `Why, at most ${TEXT_LIMITS.note} characters.` })
  note?: string;
}

@InputType({ description: 'New impact and urgency levels; priority is derived from them.' })
export class ReassessPriorityInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => ImpactLevel, { description: 'Graded client impact now.' })
  clientImpactLevel: ImpactLevel;
  @Field(() => UrgencyLevel, { description: 'Graded client urgency now.' })
  clientUrgencyLevel: UrgencyLevel;
  @Field({
    nullable: true,
    description: `Client impact in words, at most ${TEXT_LIMITS.clientImpact} characters.`,
  })
  clientImpact?: string;
  @Field({
    nullable: true,
    description: `Client urgency in words, at most ${TEXT_LIMITS.clientUrgency} characters.`,
  })
  clientUrgency?: string;
  @Field({ description: `Why, at most ${TEXT_LIMITS.reason} characters.` })
  reason: string;
}

@InputType({ description: 'Descriptive fields to change; absent fields stay, null clears.' })
export class UpdateIncidentDetailsInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field({ nullable: true, description: `New summary, at most ${TEXT_LIMITS.summary} characters.` })
  summary?: string;
  @Field(() => String, {
    nullable: true,
    description: `New description, at most ${TEXT_LIMITS.description} characters.`,
  })
  description?: string | null;
  @Field(() => String, {
    nullable: true,
    description: `New client impact text, at most ${TEXT_LIMITS.clientImpact} characters.`,
  })
  clientImpact?: string | null;
  @Field(() => String, {
    nullable: true,
    description: `New client urgency text, at most ${TEXT_LIMITS.clientUrgency} characters.`,
  })
  clientUrgency?: string | null;
  @Field(() => ID, { nullable: true, description: 'New faulty service.' })
  faultyServiceId?: string;
  @Field(() => [String], {
    nullable: true,
    description: `Replace the affected clients: at least 1 and at most ${INPUT_LIMITS.affectedClients}.`,
  })
  affectedClientSlugs?: string[];
  @Field(() => [String], {
    nullable: true,
    description: `Replace the affected sites: at most ${INPUT_LIMITS.affectedSites}.`,
  })
  affectedSiteIds?: string[];
}

@InputType({ description: 'Correct when impact started or was detected.' })
export class CorrectTimestampInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => CorrectableTimestamp, { description: 'Which timestamp.' })
  field: CorrectableTimestamp;
  @Field({
    description:
      'The corrected time, not in the future; impact <= detected <= acknowledged <= mitigated and ' +
      `detected <= identified must hold. IDENTIFIED only in ${[...IDENTIFIED_CORRECTABLE_STAGES].join(', ')}.`,
  })
  value: Date;
  @Field({ description: `Why, at most ${TEXT_LIMITS.reason} characters.` })
  reason: string;
}

@InputType({ description: 'Put a person in a role.' })
export class AssignRoleInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => IncidentRole, { description: 'The role.' })
  role: IncidentRole;
  @Field(() => ID, { description: 'The person.' })
  personId: string;
  @Field({
    nullable: true,
    description: `Title of a CUSTOM role (required for CUSTOM), at most ${TEXT_LIMITS.title} characters.`,
  })
  title?: string;
}

@InputType({ description: 'End a person’s time in a role.' })
export class RelieveRoleInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => IncidentRole, { description: 'The role.' })
  role: IncidentRole;
  @Field(() => ID, { nullable: true, description: 'Whom to relieve; needed when several hold the role.' })
  personId?: string;
}

@InputType({ description: 'Relieve the current holder of a role and assign the next, in one step.' })
export class HandOverRoleInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => IncidentRole, { description: 'The role.' })
  role: IncidentRole;
  @Field(() => ID, { description: 'The person taking over.' })
  toPersonId: string;
  @Field(() => ID, {
    nullable: true,
    description: 'The person handing over; needed when several hold the role.',
  })
  fromPersonId?: string;
  @Field({
    nullable: true,
    description: `Title of a CUSTOM role, at most ${TEXT_LIMITS.title} characters; default: the current one.`,
  })
  title?: string;
}

@InputType({ description: 'A note for the timeline.' })
export class AddNoteInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field({ description: `The note, at most ${TEXT_LIMITS.note} characters.` })
  text: string;
  @Field({
    nullable: true,
    description:
      'When what the note says happened, to backdate it (default: now); not in the future and not before the impact started. The entry is dated then; its data records enteredAt and backdated: true.',
  })
  occurredAt?: Date;
}

@InputType({ description: "A status update answering the handbook's four questions." })
export class PostStatusUpdateInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => Audience, { nullable: true, description: 'Who it is for; default INTERNAL.' })
  audience?: Audience;
  @Field({ description: `What is the client impact? At most ${TEXT_LIMITS.statusUpdateField} characters.` })
  clientImpact: string;
  @Field({
    description: `What do we know about the problem? At most ${TEXT_LIMITS.statusUpdateField} characters.`,
  })
  knownProblem: string;
  @Field({ description: `What have we attempted? At most ${TEXT_LIMITS.statusUpdateField} characters.` })
  attempted: string;
  @Field({ description: `What are the next steps? At most ${TEXT_LIMITS.statusUpdateField} characters.` })
  nextSteps: string;
}

@InputType({ description: 'A new action item.' })
export class CreateActionItemInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field({ description: `What needs doing, at most ${TEXT_LIMITS.title} characters.` })
  title: string;
  @Field({ nullable: true, description: `Details, at most ${TEXT_LIMITS.description} characters.` })
  description?: string;
  @Field(() => ActionItemKind, { description: 'What the work is for.' })
  kind: ActionItemKind;
  @Field(() => ID, { description: 'Who owns it.' })
  ownerId: string;
  @Field({ description: 'When it is due.' })
  dueDate: Date;
  @Field({ nullable: true, description: 'A linked Jira issue, e.g. "INC-123".' })
  jiraIssueKey?: string;
}

@InputType({ description: 'Changes to an action item; absent fields stay.' })
export class UpdateActionItemInput {
  @Field(() => ID, { description: 'The action item.' })
  id: string;
  @Field({ nullable: true, description: `New title, at most ${TEXT_LIMITS.title} characters.` })
  title?: string;
  @Field(() => String, {
    nullable: true,
    description: `New details, at most ${TEXT_LIMITS.description} characters; null clears.`,
  })
  description?: string | null;
  @Field(() => ActionItemKind, { nullable: true, description: 'New kind.' })
  kind?: ActionItemKind;
  @Field(() => ActionItemStatus, { nullable: true, description: 'New status.' })
  status?: ActionItemStatus;
  @Field(() => ID, { nullable: true, description: 'New owner.' })
  ownerId?: string;
  @Field({ nullable: true, description: 'New due date.' })
  dueDate?: Date;
  @Field(() => String, { nullable: true, description: 'Linked Jira issue; null clears.' })
  jiraIssueKey?: string | null;
}

@InputType({ description: 'A new API token for a person.' })
export class CreateApiTokenInput {
  @Field(() => ID, { description: 'The person the token acts as.' })
  personId: string;
  @Field({ description: `What the token is for, ${atMost(TOKEN_NAME_MAX)}.` })
  name: string;
  @Field(() => AccessRole, { nullable: true, description: "Default: the person's access role; never more." })
  accessRole?: AccessRole;
}

@InputType({ description: 'A client, by slug.' })
export class UpsertClientInput {
  @Field({ description: `Lowercase slug, e.g. "albertsons"; ${atMost(CATALOGUE_LIMITS.slug)}.` })
  slug: string;
  @Field({ description: `Display name, ${atMost(CATALOGUE_LIMITS.clientName)}.` })
  name: string;
  @Field(() => String, {
    nullable: true,
    description: `Slack production channel, ${atMost(CATALOGUE_LIMITS.slackChannel)}.`,
  })
  slackChannel?: string | null;
}

@InputType({ description: 'A site, by siteId.' })
export class UpsertSiteInput {
  @Field({ description: `Site id, e.g. "wf0001"; ${atMost(CATALOGUE_LIMITS.slug)}.` })
  siteId: string;
  @Field({ description: `Location, e.g. "clifton-nj"; ${atMost(CATALOGUE_LIMITS.location)}.` })
  location: string;
  @Field({ description: `The client the site belongs to (slug, ${atMost(CATALOGUE_LIMITS.slug)}).` })
  clientSlug: string;
}

@InputType({ description: 'A service, by name.' })
export class UpsertServiceInput {
  @Field({ description: `Service name, ${atMost(CATALOGUE_LIMITS.serviceName)}.` })
  name: string;
  @Field(() => ID, { nullable: true, description: 'The owning team.' })
  teamId?: string | null;
}

@InputType({ description: 'A team, by name.' })
export class UpsertTeamInput {
  @Field({ description: `Team name, ${atMost(CATALOGUE_LIMITS.teamName)}.` })
  name: string;
  @Field(() => String, {
    nullable: true,
    description: `Opsgenie team to page, ${atMost(CATALOGUE_LIMITS.opsgenieName)}.`,
  })
  opsgenieTeam?: string | null;
  @Field(() => String, {
    nullable: true,
    description: `Opsgenie on-call schedule, ${atMost(CATALOGUE_LIMITS.opsgenieName)}.`,
  })
  opsgenieSchedule?: string | null;
}

@InputType({ description: 'A person, by email.' })
export class UpsertPersonInput {
  @Field({ description: 'Email address.' })
  email: string;
  @Field({ description: `Full name, ${atMost(CATALOGUE_LIMITS.personName)}.` })
  name: string;
  @Field(() => String, { nullable: true, description: 'Slack user id.' })
  slackUserId?: string | null;
  @Field(() => String, {
    nullable: true,
    description: `Opsgenie username, ${atMost(CATALOGUE_LIMITS.opsgenieName)}.`,
  })
  opsgenieUser?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone.' })
  timeZone?: string | null;
  @Field(() => ID, { nullable: true, description: 'Team.' })
  teamId?: string | null;
  @Field(() => AccessRole, { nullable: true, description: 'Access role; new people default to RESPONDER.' })
  accessRole?: AccessRole;
}

@InputType({ description: 'Page a team about an incident.' })
export class EscalateInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => ID, { description: 'The team to page (through its Opsgenie team).' })
  teamId: string;
  @Field({ description: `Why, at most ${TEXT_LIMITS.reason} characters.` })
  reason: string;
  @Field({
    nullable: true,
    description: `Retrying with the same key returns the first escalation instead of paging again; at most ${INPUT_LIMITS.idempotencyKey} characters.`,
  })
  idempotencyKey?: string;
}

@InputType({ description: "A distribution list, by name: a client's, or internal without a client." })
export class UpsertDistributionListInput {
  @Field({ description: `Unique name, e.g. "wakefern-ops"; ${atMost(DISTRIBUTION_LIST_LIMITS.name)}.` })
  name: string;
  @Field(() => String, {
    nullable: true,
    description: 'The client whose list it is (EXTERNAL communications); absent or null: an internal list.',
  })
  clientSlug?: string | null;
  @Field(() => [String], {
    description: `Email addresses, at least 1 and at most ${DISTRIBUTION_LIST_LIMITS.addresses}, each ${atMost(DISTRIBUTION_LIST_LIMITS.address)}; they replace the list's addresses.`,
  })
  addresses: string[];
}

@InputType({ description: 'Send a communication about an incident to an audience.' })
export class SendCommunicationInput {
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
  @Field(() => Audience, {
    description:
      "INTERNAL: the internal distribution lists; EXTERNAL: each affected client's lists, naming only its own sites.",
  })
  audience: Audience;
  @Field({
    nullable: true,
    description: `The text, at most ${COMMUNICATION_TEXT_MAX} characters; absent: the final communication drafted at MITIGATED for this audience. An EXTERNAL text may name no client or site but the one affected client's own.`,
  })
  text?: string;
}

@InputType({ description: 'Which monitoring alerts to return; every condition given must hold.' })
export class AlertFilter {
  @Field(() => AlertStatus, { nullable: true, description: 'Only FIRING or only RESOLVED alerts.' })
  status?: AlertStatus;
  @Field({
    nullable: true,
    description: 'true: only alerts attached to an incident; false: only unattached ones.',
  })
  attached?: boolean;
  @Field(() => AlertSource, { nullable: true, description: 'Only alerts from this source.' })
  source?: AlertSource;
  @Field(() => ID, { nullable: true, description: 'Only alerts naming this catalogue service.' })
  serviceId?: string;
  @Field({ nullable: true, description: 'Only alerts naming this site (its siteId, e.g. "wf0001").' })
  siteId?: string;
}

@InputType({ description: 'Attach a monitoring alert to an incident.' })
export class AttachAlertInput {
  @Field(() => ID, { description: 'The alert.' })
  alertId: string;
  @Field({ description: INCIDENT_KEY })
  incidentKey: string;
}

@InputType({
  description:
    "Declare an incident from a monitoring alert: what is not given comes from the alert, and detectedAt is the alert's first firing.",
})
export class DeclareFromAlertInput {
  @Field(() => ID, { description: 'The alert; it is attached to the new incident.' })
  alertId: string;
  @Field({
    nullable: true,
    description: `One-line summary, at most ${TEXT_LIMITS.summary} characters; default: the alert's name and summary.`,
  })
  summary?: string;
  @Field({
    nullable: true,
    description: `Longer description, at most ${TEXT_LIMITS.description} characters; default: the alert's summary.`,
  })
  description?: string;
  @Field(() => ImpactLevel, { description: 'Graded client impact.' })
  clientImpactLevel: ImpactLevel;
  @Field(() => UrgencyLevel, { description: 'Graded client urgency.' })
  clientUrgencyLevel: UrgencyLevel;
  @Field(() => [String], {
    nullable: true,
    description: `Affected clients by slug, at most ${INPUT_LIMITS.affectedClients}; default: the client its site or client label names.`,
  })
  affectedClientSlugs?: string[];
  @Field(() => [String], {
    nullable: true,
    description: `Affected sites by siteId, at most ${INPUT_LIMITS.affectedSites}; default: the site its label names.`,
  })
  affectedSiteIds?: string[];
  @Field(() => ID, {
    nullable: true,
    description: 'The faulty service; default: the service its label names.',
  })
  faultyServiceId?: string;
  @Field({ nullable: true, description: "Start of impact; default: the alert's first firing." })
  impactStartedAt?: Date;
  @Field({
    nullable: true,
    description:
      'true: run Incident Flow whatever the priority; false: do not; absent: the priority decides.',
  })
  incidentFlow?: boolean;
}
