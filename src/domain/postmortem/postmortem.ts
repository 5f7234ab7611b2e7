// The postmortem draft, purely: the facts a template needs, built from an incident's record as
// loaded (postmortem-record.ts). Nothing is invented: a fact without data says so. Times are UTC in
// one fixed format, so the same record always gives the same text.
import { ActionItemKind, ActionItemStatus, Audience, CorrectableTimestamp, Stage } from '../enums';
import type { EventPayloads, StarredMessageData, TimelineData } from '../events';
import { formatDuration, formatUtc, impactStatement } from '../incident/final-communication';
import {
  timeToAcknowledgeSeconds,
  timeToDetectSeconds,
  timeToRecoverSeconds,
  type IncidentTimes,
} from '../incident/timestamps';
import { impactLabel, priorityLabel, roleLabel, stageLabel, urgencyLabel } from '../labels';

/** What the postmortem is drawn from: one incident's rows, each list in the order it happened. */
export interface PostmortemRecord {
  incident: IncidentTimes & {
    key: string;
    summary: string;
    description: string | null;
    priority: string;
    stage: Stage;
    clientImpact: string | null;
    clientImpactLevel: string;
    clientUrgency: string | null;
    clientUrgencyLevel: string;
    closedAt: Date | null;
  };
  faultyService: string | null;
  clients: string[];
  sites: { siteId: string; location: string }[];
  supportTickets: { ticketId: string; subject: string | null }[];
  /** Every assignment, relieved ones too, in order of assignment. */
  roles: {
    role: string;
    title: string | null;
    personName: string;
    assignedAt: Date;
    relievedAt: Date | null;
  }[];
  /** Timeline entries of the kinds the postmortem reads, oldest first (then by sequence). */
  entries: {
    kind: string;
    occurredAt: Date;
    actorName: string | null;
    text: string;
    data: TimelineData | null;
  }[];
  /** Oldest first. */
  statusUpdates: {
    audience: Audience;
    postedAt: Date;
    authorName: string;
    clientImpact: string;
    knownProblem: string;
    attempted: string;
    nextSteps: string;
  }[];
  /** Earliest due first. */
  actionItems: {
    title: string;
    kind: ActionItemKind;
    status: ActionItemStatus;
    ownerName: string;
    dueDate: Date;
  }[];
}

/** The facts the template (templates/postmortem.md.hbs) is given. */
export interface PostmortemFacts {
  key: string;
  summary: string;
  generatedAt: string;
  priority: string;
  stage: string;
  faultyService: string;
  description: string;
  clientImpact: string;
  impactLevel: string;
  urgency: string;
  affectedClients: string;
  affectedSites: string;
  /** How many support tickets are linked: the support cases raised. */
  supportCases: string;
  supportTickets: string[];
  times: { label: string; at: string }[];
  stageChanges: { at: string; from: string; to: string; by: string; note: string | null }[];
  ttd: string;
  tta: string;
  ttr: string;
  roles: { role: string; person: string; from: string; until: string }[];
  /** Starred messages and notes, merged in the order they happened. */
  record: { at: string; what: string; by: string; text: string }[];
  statusUpdates: {
    at: string;
    audience: string;
    by: string;
    clientImpact: string;
    knownProblem: string;
    attempted: string;
    nextSteps: string;
  }[];
  escalations: { at: string; by: string; text: string }[];
  corrections: { at: string; by: string; field: string; from: string; to: string; reason: string }[];
  actionItems: { title: string; kind: string; status: string; owner: string; due: string }[];
}

const NOT_RECORDED = 'not recorded';
const HUB = 'the hub';

/** A multi-line text inside a list item: continuation lines indented under it. */
const inItem = (text: string) => text.trim().replace(/\r?\n/g, '\n  ');
/** A text inside a table cell: one line, pipes escaped. */
const inCell = (text: string) =>
  text
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\s*\r?\n\s*/g, ' ');
const at = (d: Date | string | null): string => (d === null ? NOT_RECORDED : formatUtc(new Date(d)));
const duration = (seconds: number | null) => (seconds === null ? NOT_RECORDED : formatDuration(seconds));
const words = (value: string) => value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, ' ');

const STATUS_WORDS: Readonly<Record<ActionItemStatus, string>> = {
  [ActionItemStatus.OPEN]: 'Open',
  [ActionItemStatus.IN_PROGRESS]: 'In progress',
  [ActionItemStatus.DONE]: 'Done',
  [ActionItemStatus.WONT_DO]: "Won't do",
};

const TIMESTAMP_NAMES: Readonly<Record<CorrectableTimestamp, string>> = {
  [CorrectableTimestamp.IMPACT_STARTED]: 'Impact started',
  [CorrectableTimestamp.DETECTED]: 'Detected',
  [CorrectableTimestamp.IDENTIFIED]: 'Identified',
};

/** The facts of one incident's postmortem, as of `generatedAt`. */
export function postmortemFacts(record: PostmortemRecord, generatedAt: Date): PostmortemFacts {
  return { ...incidentFacts(record, generatedAt), ...timelineFacts(record), ...listFacts(record) };
}

type IncidentFacts = Omit<
  PostmortemFacts,
  keyof ReturnType<typeof timelineFacts> | keyof ReturnType<typeof listFacts>
>;

/** What the incident row and its links say: summary, impact, times and the metrics. */
function incidentFacts(record: PostmortemRecord, generatedAt: Date): IncidentFacts {
  const { incident } = record;
  return {
    key: incident.key,
    summary: incident.summary,
    generatedAt: at(generatedAt),
    priority: priorityLabel(incident.priority),
    stage: stageLabel(incident.stage),
    faultyService: record.faultyService ?? 'Unknown',
    description: incident.description?.trim() ? inItem(incident.description) : NOT_RECORDED,
    clientImpact: inItem(impactStatement(incident.clientImpact) ?? NOT_RECORDED),
    impactLevel: impactLabel(incident.clientImpactLevel),
    urgency: `${urgencyLabel(incident.clientUrgencyLevel)}${
      incident.clientUrgency?.trim() ? ` (${inItem(incident.clientUrgency)})` : ''
    }`,
    affectedClients: record.clients.length ? record.clients.join(', ') : 'none recorded',
    affectedSites: record.sites.length
      ? record.sites.map((s) => `${s.siteId} (${s.location})`).join(', ')
      : 'none recorded',
    supportCases: String(record.supportTickets.length),
    supportTickets: record.supportTickets.map((t) =>
      t.subject ? `Ticket ${t.ticketId}: ${inItem(t.subject)}` : `Ticket ${t.ticketId}`,
    ),
    times: [
      { label: 'Impact started', at: at(incident.impactStartedAt) },
      { label: 'Detected', at: at(incident.detectedAt) },
      { label: 'Acknowledged (declared)', at: at(incident.acknowledgedAt) },
      { label: 'Identified', at: at(incident.identifiedAt) },
      { label: 'Mitigated', at: at(incident.mitigatedAt) },
      { label: incident.stage === Stage.CANCELLED ? 'Cancelled' : 'Closed', at: at(incident.closedAt) },
    ],
    ttd: duration(timeToDetectSeconds(incident)),
    tta: duration(timeToAcknowledgeSeconds(incident)),
    ttr: duration(timeToRecoverSeconds(incident)),
  };
}

const by = (name: string | null) => name ?? HUB;

/** What the timeline says: stage changes, starred messages and notes, escalations, corrections. */
function timelineFacts(record: PostmortemRecord) {
  const entriesOf = (kind: string) => record.entries.filter((e) => e.kind === kind);
  const stageChanges = entriesOf('STAGE_CHANGED').map((e) => {
    const data = e.data as EventPayloads['StageChanged'];
    return {
      at: at(e.occurredAt),
      from: stageLabel(data.from),
      to: stageLabel(data.to),
      by: by(e.actorName),
      note: data.note ? inItem(data.note) : null,
    };
  });
  // Starred messages still starred (a deleted one keeps its words, marked so) and notes, in order.
  const messagesAndNotes = record.entries.flatMap((e) => {
    if (e.kind === 'NOTE')
      return [{ at: at(e.occurredAt), what: 'Note', by: by(e.actorName), text: inItem(e.text) }];
    if (e.kind !== 'STARRED_MESSAGE') return [];
    const m = e.data as StarredMessageData;
    if (!m.starred) return [];
    const flags = [m.edited ? 'edited' : null, m.deleted ? 'deleted in chat' : null].filter(Boolean);
    const text = `${inItem(m.text || '(no text)')}${flags.length ? ` _(${flags.join(', ')})_` : ''}`;
    return [{ at: at(e.occurredAt), what: 'Starred message', by: m.author, text }];
  });
  const corrections = entriesOf('TIMESTAMP_CORRECTED').map((e) => {
    const data = e.data as EventPayloads['TimestampCorrected'];
    return {
      at: at(e.occurredAt),
      by: by(e.actorName),
      field: TIMESTAMP_NAMES[data.field] ?? data.field,
      from: data.from === null ? 'unset' : at(data.from),
      to: at(data.to),
      reason: inItem(data.reason),
    };
  });
  const escalations = entriesOf('ESCALATION').map((e) => ({
    at: at(e.occurredAt),
    by: by(e.actorName),
    text: inItem(e.text),
  }));
  return { stageChanges, record: messagesAndNotes, escalations, corrections };
}

/** The roles, status updates and action items. */
function listFacts(record: PostmortemRecord) {
  return {
    roles: record.roles.map((r) => ({
      role: inCell(roleLabel(r.role, r.title)),
      person: inCell(r.personName),
      from: at(r.assignedAt),
      until: r.relievedAt ? at(r.relievedAt) : 'still holds it',
    })),
    statusUpdates: record.statusUpdates.map((u) => ({
      at: at(u.postedAt),
      audience: u.audience === Audience.EXTERNAL ? 'External' : 'Internal',
      by: u.authorName,
      clientImpact: inItem(u.clientImpact),
      knownProblem: inItem(u.knownProblem),
      attempted: inItem(u.attempted),
      nextSteps: inItem(u.nextSteps),
    })),
    actionItems: record.actionItems.map((a) => ({
      title: inCell(a.title),
      kind: words(a.kind),
      status: STATUS_WORDS[a.status] ?? a.status,
      owner: inCell(a.ownerName),
      due: at(a.dueDate),
    })),
  };
}
