// The domain's vocabulary. Pure: no framework imports, so the lifecycle and priority modules
// (and their unit tests) depend on nothing but this file.

export enum Stage {
  ACKNOWLEDGED = 'ACKNOWLEDGED',
  INVESTIGATING = 'INVESTIGATING',
  IDENTIFIED = 'IDENTIFIED',
  MITIGATED = 'MITIGATED',
  POSTMORTEM = 'POSTMORTEM',
  CLOSED = 'CLOSED',
  CANCELLED = 'CANCELLED',
}

export enum Priority {
  P1 = 'P1',
  P2 = 'P2',
  P3 = 'P3',
  P4 = 'P4',
}

export enum ImpactLevel {
  EXTENSIVE = 'EXTENSIVE',
  SIGNIFICANT = 'SIGNIFICANT',
  MODERATE = 'MODERATE',
  MINOR = 'MINOR',
}

export enum UrgencyLevel {
  CRITICAL = 'CRITICAL',
  HIGH = 'HIGH',
  MEDIUM = 'MEDIUM',
  LOW = 'LOW',
}

export enum IncidentRole {
  SOFTWARE_INCIDENT_MANAGER = 'SOFTWARE_INCIDENT_MANAGER',
  HARDWARE_INCIDENT_MANAGER = 'HARDWARE_INCIDENT_MANAGER',
  BACKUP_INCIDENT_MANAGER = 'BACKUP_INCIDENT_MANAGER',
  ONSITE_TECHNICIAN = 'ONSITE_TECHNICIAN',
  DOMAIN_EXPERT = 'DOMAIN_EXPERT',
  ACCOUNT_TEAM = 'ACCOUNT_TEAM',
  SUPPORT_TEAM = 'SUPPORT_TEAM',
  TAM = 'TAM',
  CUSTOM = 'CUSTOM',
}

export enum TimelineKind {
  DECLARED = 'DECLARED',
  STAGE_CHANGED = 'STAGE_CHANGED',
  PRIORITY_CHANGED = 'PRIORITY_CHANGED',
  DETAILS_CHANGED = 'DETAILS_CHANGED',
  TIMESTAMP_CORRECTED = 'TIMESTAMP_CORRECTED',
  ROLE_ASSIGNED = 'ROLE_ASSIGNED',
  ROLE_RELIEVED = 'ROLE_RELIEVED',
  NOTE = 'NOTE',
  STARRED_MESSAGE = 'STARRED_MESSAGE',
  STATUS_UPDATE = 'STATUS_UPDATE',
  ESCALATION = 'ESCALATION',
  ACTION_ITEM = 'ACTION_ITEM',
  INTEGRATION = 'INTEGRATION',
  RECONCILIATION = 'RECONCILIATION',
  COMMUNICATION = 'COMMUNICATION',
  /** The hub reminded the incident managers of an overdue status update. */
  REMINDER = 'REMINDER',
  /** A monitoring alert was attached to the incident. */
  ALERT_ATTACHED = 'ALERT_ATTACHED',
  /** A monitoring alert attached to the incident resolved. */
  ALERT_RESOLVED = 'ALERT_RESOLVED',
}

export enum Audience {
  INTERNAL = 'INTERNAL',
  EXTERNAL = 'EXTERNAL',
}

export enum ActionItemKind {
  CLEANUP = 'CLEANUP',
  MITIGATION = 'MITIGATION',
  PREVENTION = 'PREVENTION',
  FOLLOW_UP = 'FOLLOW_UP',
}

export enum ActionItemStatus {
  OPEN = 'OPEN',
  IN_PROGRESS = 'IN_PROGRESS',
  DONE = 'DONE',
  WONT_DO = 'WONT_DO',
}

export enum ExternalSystem {
  ZENDESK = 'ZENDESK',
  SLACK = 'SLACK',
  JIRA = 'JIRA',
  OPSGENIE = 'OPSGENIE',
  MEET = 'MEET',
  STATUSPAGE = 'STATUSPAGE',
  /** Email over SMTP to distribution lists. */
  EMAIL = 'EMAIL',
  /** Prometheus Alertmanager: inbound only (its webhook deliveries, in integrationHealth). */
  ALERTMANAGER = 'ALERTMANAGER',
}

export enum AccessRole {
  VIEWER = 'VIEWER',
  RESPONDER = 'RESPONDER',
  INCIDENT_MANAGER = 'INCIDENT_MANAGER',
  ADMIN = 'ADMIN',
}

export enum CorrectableTimestamp {
  IMPACT_STARTED = 'IMPACT_STARTED',
  DETECTED = 'DETECTED',
  /** When the cause was identified; set later when the incident was mitigated before that. */
  IDENTIFIED = 'IDENTIFIED',
}

/** Who or what put an incident in (or kept it out of) Incident Flow. */
export enum IncidentFlowDecider {
  /** The declarer said so explicitly (`incidentFlow` on declareIncident). */
  DECLARER = 'DECLARER',
  /** The priority decided: the incident's priority is (or became) one of the flow priorities. */
  PRIORITY = 'PRIORITY',
}

/** Where an effect (something the hub does at a vendor because of a change) is in its life. */
export enum EffectState {
  /** Planned; its job will carry it out. */
  PENDING = 'PENDING',
  /** Carried out (or complete as planned, e.g. a templated link). */
  DONE = 'DONE',
  /** The last attempt failed; it will be retried. */
  FAILED = 'FAILED',
  /** Given up on after the configured attempts, or refused by the vendor; retryIntegration re-runs it. */
  DEAD = 'DEAD',
  /** The vendor is not configured: recorded so what would have been sent is visible. */
  DISABLED = 'DISABLED',
}

/** The state of an incident's record at a vendor. */
export enum SyncState {
  /** Its first effect is waiting to run. */
  PENDING = 'PENDING',
  /** The last effect succeeded. */
  SYNCED = 'SYNCED',
  /** The last effect failed and will be retried. */
  FAILED = 'FAILED',
  /** An effect was given up on. */
  DEAD = 'DEAD',
  /** The vendor is not configured. */
  DISABLED = 'DISABLED',
}

/** Where a received webhook delivery is in its life. */
export enum DeliveryState {
  /** Stored; its job will process it. */
  PENDING = 'PENDING',
  /** Processed: it changed the incident. */
  PROCESSED = 'PROCESSED',
  /** Processed: it called for no change (the outcome says why). */
  IGNORED = 'IGNORED',
  /** The last attempt failed; it will be retried. */
  FAILED = 'FAILED',
  /** Given up on after the configured attempts; retryInboundDeliveries puts it back in line. */
  DEAD = 'DEAD',
}

/** An integration's health, from its outbound effects and inbound deliveries. */
export enum IntegrationState {
  /** Neither its credentials nor its webhook secret are set. */
  DISABLED = 'DISABLED',
  /** Nothing failing. */
  OK = 'OK',
  /** Failures being retried. */
  DEGRADED = 'DEGRADED',
  /** Dead-lettered work waiting for a retry. */
  FAILING = 'FAILING',
}

/** Where a monitoring alert came from. */
export enum AlertSource {
  /** Prometheus Alertmanager's webhook. */
  ALERTMANAGER = 'ALERTMANAGER',
  /** An Opsgenie alert the hub did not create. */
  OPSGENIE = 'OPSGENIE',
}

/** Whether a monitoring alert is firing or resolved, as its source last said. */
export enum AlertStatus {
  FIRING = 'FIRING',
  RESOLVED = 'RESOLVED',
}
