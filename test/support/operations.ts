// Every GraphQL document the tests send, named once. Keys, ids and values always travel as
// variables, never spliced into the text. A document carries the shapes of its result and its
// variables, so `t.ok(DOCUMENT, variables)` returns typed data and checks the variables.
// Documents that are themselves the input under test (a depth bomb, an alias flood, a syntax error)
// stay next to their test.

/** A GraphQL document with the types of its result (`TData`) and its variables (`TVariables`). */
export type Operation<TData = Record<string, unknown>, TVariables = Record<string, unknown>> = string & {
  /** Never set: only carries the types. */
  readonly __types?: (variables: TVariables) => TData;
};

/** A document from its text and the fragments it spreads (appended, each once). */
function operation<TData = Record<string, unknown>, TVariables = Record<string, unknown>>(
  text: string,
  ...fragments: string[]
): Operation<TData, TVariables> {
  return [text, ...new Set(fragments)].join('\n') as Operation<TData, TVariables>;
}

type Input = Record<string, unknown>;
type NoVariables = Record<string, never>;
type KeyVariables = { key: string };
type InputVariables = { input: Input };

// ---------------------------------------------------------------- fragments

/** The incident fields most tests read back after a change. */
const INCIDENT_FIELDS = /* GraphQL */ `
  fragment IncidentFields on Incident {
    id
    key
    summary
    stage
    priority
    nextStages
    clientImpactLevel
    clientUrgencyLevel
    impactStartedAt
    detectedAt
    acknowledgedAt
    identifiedAt
    mitigatedAt
    closedAt
    timeToDetectSeconds
    timeToAcknowledgeSeconds
    timeToRecoverSeconds
    faultyService {
      name
    }
    affectedClients {
      slug
    }
    affectedSites {
      siteId
    }
  }
`;

export interface IncidentFields {
  id: string;
  key: string;
  summary: string;
  stage: string;
  priority: string;
  nextStages: string[];
  clientImpactLevel: string;
  clientUrgencyLevel: string;
  impactStartedAt: string;
  detectedAt: string;
  acknowledgedAt: string;
  identifiedAt: string | null;
  mitigatedAt: string | null;
  closedAt: string | null;
  timeToDetectSeconds: number | null;
  timeToAcknowledgeSeconds: number | null;
  timeToRecoverSeconds: number | null;
  faultyService: { name: string };
  affectedClients: { slug: string }[];
  affectedSites: { siteId: string }[];
}

const ROLE_ASSIGNMENT_FIELDS = /* GraphQL */ `
  fragment RoleAssignmentFields on RoleAssignment {
    id
    role
    title
    person {
      id
    }
    assignedAt
    relievedAt
    assignedBy {
      id
    }
  }
`;

export interface RoleAssignmentFields {
  id: string;
  role: string;
  title: string | null;
  person: { id: string };
  assignedAt: string;
  relievedAt: string | null;
  assignedBy: { id: string } | null;
}

const ACTION_ITEM_FIELDS = /* GraphQL */ `
  fragment ActionItemFields on ActionItem {
    id
    title
    description
    kind
    status
    owner {
      id
    }
    dueDate
    jiraIssueKey
    jiraUrl
    incident {
      key
    }
  }
`;

export interface ActionItemFields {
  id: string;
  title: string;
  description: string | null;
  kind: string;
  status: string;
  owner: { id: string };
  dueDate: string;
  jiraIssueKey: string | null;
  jiraUrl: string | null;
  incident: { key: string };
}

const TIMELINE_ENTRY_FIELDS = /* GraphQL */ `
  fragment TimelineEntryFields on TimelineEntry {
    id
    kind
    text
    occurredAt
    data
    actor {
      id
    }
    incident {
      key
    }
  }
`;

export interface TimelineEntryFields {
  id: string;
  kind: string;
  text: string;
  occurredAt: string;
  data: Record<string, unknown> | null;
  actor: { id: string } | null;
  incident: { key: string };
}

type TimelineEntryWithActorName = Omit<TimelineEntryFields, 'actor'> & {
  actor: { id: string; name: string } | null;
};

// ---------------------------------------------------------------- incidents

export const DECLARE_INCIDENT = operation<{ declareIncident: IncidentFields }, InputVariables>(
  /* GraphQL */ `
    mutation DeclareIncident($input: DeclareIncidentInput!) {
      declareIncident(input: $input) {
        ...IncidentFields
      }
    }
  `,
  INCIDENT_FIELDS,
);

export const CHANGE_STAGE = operation<{ changeStage: IncidentFields }, InputVariables>(
  /* GraphQL */ `
    mutation ChangeStage($input: ChangeStageInput!) {
      changeStage(input: $input) {
        ...IncidentFields
      }
    }
  `,
  INCIDENT_FIELDS,
);

export const UPDATE_INCIDENT_DETAILS = operation<{ updateIncidentDetails: IncidentFields }, InputVariables>(
  /* GraphQL */ `
    mutation UpdateIncidentDetails($input: UpdateIncidentDetailsInput!) {
      updateIncidentDetails(input: $input) {
        ...IncidentFields
      }
    }
  `,
  INCIDENT_FIELDS,
);

export const CORRECT_TIMESTAMP = operation<{ correctTimestamp: IncidentFields }, InputVariables>(
  /* GraphQL */ `
    mutation CorrectTimestamp($input: CorrectTimestampInput!) {
      correctTimestamp(input: $input) {
        ...IncidentFields
      }
    }
  `,
  INCIDENT_FIELDS,
);

/** The incident after the reassessment, with whether it is in Incident Flow and who decided. */
export const REASSESS_PRIORITY = operation<
  { reassessPriority: IncidentFields & { incidentFlow: boolean; incidentFlowDecidedBy: string } },
  InputVariables
>(
  /* GraphQL */ `
    mutation ReassessPriority($input: ReassessPriorityInput!) {
      reassessPriority(input: $input) {
        ...IncidentFields
        incidentFlow
        incidentFlowDecidedBy
      }
    }
  `,
  INCIDENT_FIELDS,
);

/** Exactly the new priority and impact level, for a test that compares the whole answer. */
export const REASSESS_PRIORITY_LEVELS = operation<
  { reassessPriority: { priority: string; clientImpactLevel: string } },
  InputVariables
>(/* GraphQL */ `
  mutation ReassessPriorityLevels($input: ReassessPriorityInput!) {
    reassessPriority(input: $input) {
      priority
      clientImpactLevel
    }
  }
`);

export const INCIDENT = operation<{ incident: IncidentFields | null }, KeyVariables>(
  /* GraphQL */ `
    query Incident($key: String!) {
      incident(key: $key) {
        ...IncidentFields
      }
    }
  `,
  INCIDENT_FIELDS,
);

/** Only the key, for tests that compare the whole answer. */
export const INCIDENT_KEY = operation<{ incident: { key: string } | null }, KeyVariables>(/* GraphQL */ `
  query IncidentKey($key: String!) {
    incident(key: $key) {
      key
    }
  }
`);

/** Only the key and summary, for tests that compare the whole answer. */
export const INCIDENT_SUMMARY = operation<
  { incident: { key: string; summary: string } | null },
  KeyVariables
>(/* GraphQL */ `
  query IncidentSummary($key: String!) {
    incident(key: $key) {
      key
      summary
    }
  }
`);

/** Whether an incident is in Incident Flow, who decided, and what that planned at the vendors. */
export const INCIDENT_FLOW = operation<
  {
    incident:
      | (IncidentFields & {
          incidentFlow: boolean;
          incidentFlowDecidedBy: string;
          integrationEffects: { id: string; system: string; action: string; state: string }[];
        })
      | null;
  },
  KeyVariables
>(
  /* GraphQL */ `
    query IncidentFlow($key: String!) {
      incident(key: $key) {
        ...IncidentFields
        incidentFlow
        incidentFlowDecidedBy
        integrationEffects {
          id
          system
          action
          state
        }
      }
    }
  `,
  INCIDENT_FIELDS,
);

export const INCIDENT_COUNT = operation<{ incidents: { totalCount: number } }, NoVariables>(/* GraphQL */ `
  query IncidentCount {
    incidents {
      totalCount
    }
  }
`);

/** A page of an incident's timeline, filtered and ordered as asked. */
export const INCIDENT_TIMELINE = operation<
  {
    incident: {
      timeline: {
        totalCount: number;
        nodes: TimelineEntryWithActorName[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    } | null;
  },
  { key: string; first?: number; after?: string | null; kinds?: string[]; newestFirst?: boolean }
>(
  /* GraphQL */ `
    query IncidentTimeline(
      $key: String!
      $first: Int
      $after: String
      $kinds: [TimelineKind!]
      $newestFirst: Boolean
    ) {
      incident(key: $key) {
        timeline(first: $first, after: $after, kinds: $kinds, newestFirst: $newestFirst) {
          totalCount
          nodes {
            ...TimelineEntryFields
            actor {
              name
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  `,
  TIMELINE_ENTRY_FIELDS,
);

/** What the final communication on MITIGATED reads: tickets, drafts and the last stage change. */
export const INCIDENT_FINAL_COMMUNICATION = operation<Record<string, unknown>, KeyVariables>(/* GraphQL */ `
  query IncidentFinalCommunication($key: String!) {
    incident(key: $key) {
      stage
      impactStartedAt
      mitigatedAt
      timeToRecoverSeconds
      supportTicketCount
      supportTickets {
        ticketId
        subject
        status
        origin
        linkedAt
      }
      communications: timeline(kinds: [COMMUNICATION]) {
        totalCount
        nodes {
          id
          kind
          text
          occurredAt
          actor {
            name
          }
          data
        }
      }
      stageChanges: timeline(kinds: [STAGE_CHANGED], newestFirst: true, first: 1) {
        nodes {
          occurredAt
          actor {
            name
          }
        }
      }
    }
  }
`);

/**
 * Support tickets of a page of incidents found by text; exactly these fields, as the test counts
 * the SQL statements they cost.
 */
export const INCIDENTS_SUPPORT_TICKETS = operation<
  {
    incidents: {
      nodes: { summary: string; supportTicketCount: number; supportTickets: { ticketId: string }[] }[];
    };
  },
  { first: number; text: string }
>(/* GraphQL */ `
  query IncidentsSupportTickets($first: Int!, $text: String!) {
    incidents(first: $first, filter: { text: $text }) {
      nodes {
        summary
        supportTicketCount
        supportTickets {
          ticketId
        }
      }
    }
  }
`);

/** Status updates, action items and notes of an incident, with the update cadence. */
export const INCIDENT_WORK = operation<Record<string, unknown>, KeyVariables>(
  /* GraphQL */ `
    query IncidentWork($key: String!) {
      incident(key: $key) {
        priority
        stage
        acknowledgedAt
        lastStatusUpdateAt
        nextStatusUpdateDueAt
        statusUpdates {
          id
          audience
          clientImpact
          postedAt
          author {
            id
          }
        }
        actionItems {
          ...ActionItemFields
        }
        notes: timeline(kinds: [NOTE]) {
          totalCount
          nodes {
            id
            text
            actor {
              id
            }
          }
        }
      }
    }
  `,
  ACTION_ITEM_FIELDS,
);

// ---------------------------------------------------------------- work on an incident

export const ADD_NOTE = operation<{ addNote: TimelineEntryFields }, InputVariables>(
  /* GraphQL */ `
    mutation AddNote($input: AddNoteInput!) {
      addNote(input: $input) {
        ...TimelineEntryFields
      }
    }
  `,
  TIMELINE_ENTRY_FIELDS,
);

export const ESCALATE = operation<{ escalate: TimelineEntryWithActorName }, InputVariables>(
  /* GraphQL */ `
    mutation Escalate($input: EscalateInput!) {
      escalate(input: $input) {
        ...TimelineEntryFields
        actor {
          name
        }
      }
    }
  `,
  TIMELINE_ENTRY_FIELDS,
);

export interface StatusUpdateFields {
  id: string;
  audience: string;
  clientImpact: string;
  knownProblem: string;
  attempted: string;
  nextSteps: string;
  postedAt: string;
  author: { id: string };
}

export const POST_STATUS_UPDATE = operation<{ postStatusUpdate: StatusUpdateFields }, InputVariables>(
  /* GraphQL */ `
    mutation PostStatusUpdate($input: PostStatusUpdateInput!) {
      postStatusUpdate(input: $input) {
        id
        audience
        clientImpact
        knownProblem
        attempted
        nextSteps
        postedAt
        author {
          id
        }
      }
    }
  `,
);

export const CREATE_ACTION_ITEM = operation<{ createActionItem: ActionItemFields }, InputVariables>(
  /* GraphQL */ `
    mutation CreateActionItem($input: CreateActionItemInput!) {
      createActionItem(input: $input) {
        ...ActionItemFields
      }
    }
  `,
  ACTION_ITEM_FIELDS,
);

export const UPDATE_ACTION_ITEM = operation<{ updateActionItem: ActionItemFields }, InputVariables>(
  /* GraphQL */ `
    mutation UpdateActionItem($input: UpdateActionItemInput!) {
      updateActionItem(input: $input) {
        ...ActionItemFields
      }
    }
  `,
  ACTION_ITEM_FIELDS,
);

// ---------------------------------------------------------------- roles

export const ASSIGN_ROLE = operation<{ assignRole: RoleAssignmentFields }, InputVariables>(
  /* GraphQL */ `
    mutation AssignRole($input: AssignRoleInput!) {
      assignRole(input: $input) {
        ...RoleAssignmentFields
      }
    }
  `,
  ROLE_ASSIGNMENT_FIELDS,
);

export const RELIEVE_ROLE = operation<{ relieveRole: RoleAssignmentFields }, InputVariables>(
  /* GraphQL */ `
    mutation RelieveRole($input: RelieveRoleInput!) {
      relieveRole(input: $input) {
        ...RoleAssignmentFields
      }
    }
  `,
  ROLE_ASSIGNMENT_FIELDS,
);

export const HAND_OVER_ROLE = operation<{ handOverRole: RoleAssignmentFields }, InputVariables>(
  /* GraphQL */ `
    mutation HandOverRole($input: HandOverRoleInput!) {
      handOverRole(input: $input) {
        ...RoleAssignmentFields
      }
    }
  `,
  ROLE_ASSIGNMENT_FIELDS,
);

/** The incident manager, the active assignments and the whole history. */
export const INCIDENT_ROLES = operation<
  {
    incident: {
      incidentManager: { id: string } | null;
      active: RoleAssignmentFields[];
      history: RoleAssignmentFields[];
    } | null;
  },
  KeyVariables
>(
  /* GraphQL */ `
    query IncidentRoles($key: String!) {
      incident(key: $key) {
        incidentManager {
          id
        }
        active: roles {
          ...RoleAssignmentFields
        }
        history: roles(activeOnly: false) {
          ...RoleAssignmentFields
        }
      }
    }
  `,
  ROLE_ASSIGNMENT_FIELDS,
);

// ---------------------------------------------------------------- subscriptions

export const INCIDENT_CHANGED = operation<
  {
    incidentChanged: {
      key: string;
      stage: string;
      priority: string;
      affectedClients: { slug: string }[];
      incidentManager: { name: string } | null;
      timeline: { nodes: { kind: string }[] };
    };
  },
  { filter?: Input }
>(/* GraphQL */ `
  subscription IncidentChanged($filter: IncidentFilter) {
    incidentChanged(filter: $filter) {
      key
      stage
      priority
      affectedClients {
        slug
      }
      incidentManager {
        name
      }
      timeline(first: 1, newestFirst: true) {
        nodes {
          kind
        }
      }
    }
  }
`);

export const TIMELINE_ENTRY_ADDED = operation<
  {
    timelineEntryAdded: {
      kind: string;
      text: string;
      actor: { name: string } | null;
      incident: { key: string };
    };
  },
  KeyVariables
>(/* GraphQL */ `
  subscription TimelineEntryAdded($key: String!) {
    timelineEntryAdded(incidentKey: $key) {
      kind
      text
      actor {
        name
      }
      incident {
        key
      }
    }
  }
`);

// ---------------------------------------------------------------- catalogue, people and tokens

export const ME = operation<{ me: { id: string; email: string; accessRole: string } }, NoVariables>(
  /* GraphQL */ `
    query Me {
      me {
        id
        email
        accessRole
      }
    }
  `,
);

/** What a VIEWER reads: themself, the incidents, the clients and the people. */
export const READ_EVERYTHING = operation<
  {
    me: { name: string; accessRole: string };
    incidents: { totalCount: number };
    clients: { slug: string }[];
    people: { name: string }[];
  },
  NoVariables
>(/* GraphQL */ `
  query ReadEverything {
    me {
      name
      accessRole
    }
    incidents {
      totalCount
    }
    clients {
      slug
    }
    people {
      name
    }
  }
`);

/** The whole catalogue, with the sites of one client. */
export const CATALOGUE = operation<
  {
    clients: { slug: string; sites: { siteId: string }[] }[];
    clientSites: { siteId: string; location: string; client: { slug: string } }[];
    services: { name: string; team: { name: string } | null }[];
    teams: { name: string; services: { name: string }[]; members: { email: string }[] }[];
    people: { email: string; team: { name: string } | null }[];
  },
  { clientSlug: string }
>(/* GraphQL */ `
  query Catalogue($clientSlug: String!) {
    clients {
      slug
      sites {
        siteId
      }
    }
    clientSites: sites(clientSlug: $clientSlug) {
      siteId
      location
      client {
        slug
      }
    }
    services {
      name
      team {
        name
      }
    }
    teams {
      name
      services {
        name
      }
      members {
        email
      }
    }
    people {
      email
      team {
        name
      }
    }
  }
`);

export const SITE_IDS = operation<{ sites: { siteId: string }[] }, { clientSlug?: string }>(/* GraphQL */ `
  query SiteIds($clientSlug: String) {
    sites(clientSlug: $clientSlug) {
      siteId
    }
  }
`);

export const UPSERT_CLIENT = operation<
  { upsertClient: { id: string; slug: string; name: string; slackChannel: string | null } },
  InputVariables
>(/* GraphQL */ `
  mutation UpsertClient($input: UpsertClientInput!) {
    upsertClient(input: $input) {
      id
      slug
      name
      slackChannel
    }
  }
`);

/** Only the slug, for a test that compares the whole answer. */
export const UPSERT_CLIENT_SLUG = operation<{ upsertClient: { slug: string } }, InputVariables>(
  /* GraphQL */ `
    mutation UpsertClientSlug($input: UpsertClientInput!) {
      upsertClient(input: $input) {
        slug
      }
    }
  `,
);

export const UPSERT_SITE = operation<
  { upsertSite: { id: string; siteId: string; location: string; client: { slug: string } } },
  InputVariables
>(/* GraphQL */ `
  mutation UpsertSite($input: UpsertSiteInput!) {
    upsertSite(input: $input) {
      id
      siteId
      location
      client {
        slug
      }
    }
  }
`);

export const UPSERT_SERVICE = operation<
  { upsertService: { id: string; name: string; team: { id: string } | null } },
  InputVariables
>(/* GraphQL */ `
  mutation UpsertService($input: UpsertServiceInput!) {
    upsertService(input: $input) {
      id
      name
      team {
        id
      }
    }
  }
`);

export const UPSERT_TEAM = operation<
  { upsertTeam: { id: string; name: string; opsgenieTeam: string | null; opsgenieSchedule: string | null } },
  InputVariables
>(/* GraphQL */ `
  mutation UpsertTeam($input: UpsertTeamInput!) {
    upsertTeam(input: $input) {
      id
      name
      opsgenieTeam
      opsgenieSchedule
    }
  }
`);

export const UPSERT_PERSON = operation<
  {
    upsertPerson: {
      id: string;
      name: string;
      email: string;
      slackUserId: string | null;
      accessRole: string;
      team: { id: string } | null;
    };
  },
  InputVariables
>(/* GraphQL */ `
  mutation UpsertPerson($input: UpsertPersonInput!) {
    upsertPerson(input: $input) {
      id
      name
      email
      slackUserId
      accessRole
      team {
        id
      }
    }
  }
`);

export interface CreatedApiToken {
  secret: string;
  token: { id: string; name: string; accessRole: string; person: { id: string } };
}

export const CREATE_API_TOKEN = operation<{ createApiToken: CreatedApiToken }, InputVariables>(/* GraphQL */ `
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      secret
      token {
        id
        name
        accessRole
        person {
          id
        }
      }
    }
  }
`);

export const REVOKE_API_TOKEN = operation<{ revokeApiToken: boolean }, { id: string }>(/* GraphQL */ `
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`);

// ---------------------------------------------------------------- integrations

export interface IntegrationEffectFields {
  id: string;
  system: string;
  action: string;
  state: string;
  attempts: number;
  lastError: string | null;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
}

export interface ExternalRecordFields {
  system: string;
  externalId: string | null;
  url: string | null;
  state: string;
  attempts: number;
  lastError: string | null;
}

/** What the hub did at the vendors for an incident (all vendors, or one), and its records there. */
export const INCIDENT_INTEGRATION = operation<
  {
    incident: {
      key: string;
      integrationEffects: IntegrationEffectFields[];
      externalRecords: ExternalRecordFields[];
    } | null;
  },
  { key: string; system?: string }
>(/* GraphQL */ `
  query IncidentIntegration($key: String!, $system: ExternalSystem) {
    incident(key: $key) {
      key
      integrationEffects(system: $system) {
        id
        system
        action
        state
        attempts
        lastError
        payload
        result
      }
      externalRecords {
        system
        externalId
        url
        state
        attempts
        lastError
      }
    }
  }
`);

/** Only action and state of one vendor's effects, for tests that compare them whole. */
export const INCIDENT_EFFECT_STATES = operation<
  { incident: { integrationEffects: { action: string; state: string }[] } | null },
  { key: string; system: string }
>(/* GraphQL */ `
  query IncidentEffectStates($key: String!, $system: ExternalSystem!) {
    incident(key: $key) {
      integrationEffects(system: $system) {
        action
        state
      }
    }
  }
`);

/** Every vendor's effects of an incident: system, action and state. */
export const INCIDENT_EFFECTS = operation<
  { incident: { integrationEffects: { system: string; action: string; state: string }[] } | null },
  KeyVariables
>(/* GraphQL */ `
  query IncidentEffects($key: String!) {
    incident(key: $key) {
      integrationEffects {
        system
        action
        state
      }
    }
  }
`);

/** Action, state and last error of one vendor's effects, for tests that compare them whole. */
export const INCIDENT_EFFECT_OUTCOMES = operation<
  { incident: { integrationEffects: { action: string; state: string; lastError: string | null }[] } | null },
  { key: string; system: string }
>(/* GraphQL */ `
  query IncidentEffectOutcomes($key: String!, $system: ExternalSystem!) {
    incident(key: $key) {
      integrationEffects(system: $system) {
        action
        state
        lastError
      }
    }
  }
`);

/** External records as system, id and link only, for tests that compare them whole. */
export const INCIDENT_RECORD_LINKS = operation<
  {
    incident: { externalRecords: { system: string; externalId: string | null; url: string | null }[] } | null;
  },
  KeyVariables
>(/* GraphQL */ `
  query IncidentRecordLinks($key: String!) {
    incident(key: $key) {
      externalRecords {
        system
        externalId
        url
      }
    }
  }
`);

/** External records as system, id and state only, for tests that compare them whole. */
export const INCIDENT_RECORD_IDS = operation<
  { incident: { externalRecords: { system: string; externalId: string | null; state: string }[] } | null },
  KeyVariables
>(/* GraphQL */ `
  query IncidentRecordIds($key: String!) {
    incident(key: $key) {
      externalRecords {
        system
        externalId
        state
      }
    }
  }
`);

/** External records as system, link and state only, for tests that compare them whole. */
export const INCIDENT_RECORD_URLS = operation<
  { incident: { externalRecords: { system: string; url: string | null; state: string }[] } | null },
  KeyVariables
>(/* GraphQL */ `
  query IncidentRecordUrls($key: String!) {
    incident(key: $key) {
      externalRecords {
        system
        url
        state
      }
    }
  }
`);

/** External records as system and state only, for tests that compare them whole. */
export const INCIDENT_RECORD_STATES = operation<
  { incident: { externalRecords: { system: string; state: string }[] } | null },
  KeyVariables
>(/* GraphQL */ `
  query IncidentRecordStates($key: String!) {
    incident(key: $key) {
      externalRecords {
        system
        state
      }
    }
  }
`);

export interface IntegrationHealthFields {
  system: string;
  enabled: boolean;
  state: string;
  backlog: number;
  deadLettered: number;
  lastError: string | null;
  lastFailedAction: string | null;
  webhookEnabled: boolean;
  inboundBacklog: number;
  inboundDeadLettered: number;
  lastInboundError: string | null;
}

export const INTEGRATION_HEALTH = operation<{ integrationHealth: IntegrationHealthFields[] }, NoVariables>(
  /* GraphQL */ `
    query IntegrationHealth {
      integrationHealth {
        system
        enabled
        state
        backlog
        deadLettered
        lastError
        lastFailedAction
        webhookEnabled
        inboundBacklog
        inboundDeadLettered
        lastInboundError
      }
    }
  `,
);

/** The webhook side of integration health only, for a test that compares it whole. */
export const INBOUND_HEALTH = operation<
  {
    integrationHealth: {
      system: string;
      state: string;
      webhookEnabled: boolean;
      inboundBacklog: number;
      inboundDeadLettered: number;
      lastInboundError: string | null;
    }[];
  },
  NoVariables
>(/* GraphQL */ `
  query InboundHealth {
    integrationHealth {
      system
      state
      webhookEnabled
      inboundBacklog
      inboundDeadLettered
      lastInboundError
    }
  }
`);

export const RETRY_INTEGRATION = operation<
  { retryIntegration: { id: string; action: string; state: string; attempts: number }[] },
  { system: string; incidentKey: string }
>(/* GraphQL */ `
  mutation RetryIntegration($system: ExternalSystem!, $incidentKey: String!) {
    retryIntegration(system: $system, incidentKey: $incidentKey) {
      id
      action
      state
      attempts
    }
  }
`);

export const RETRY_INBOUND_DELIVERIES = operation<{ retryInboundDeliveries: number }, { system: string }>(
  /* GraphQL */ `
    mutation RetryInboundDeliveries($system: ExternalSystem!) {
      retryInboundDeliveries(system: $system)
    }
  `,
);

// ---------------------------------------------------------------- what inbound webhooks leave behind

/** Timeline entries as kind, time and actor only, for tests that compare them whole. */
export const INCIDENT_TIMELINE_WHEN = operation<
  {
    incident: {
      timeline: { nodes: { kind: string; occurredAt: string; actor: { name: string } | null }[] };
    } | null;
  },
  { key: string; kinds: string[] }
>(/* GraphQL */ `
  query IncidentTimelineWhen($key: String!, $kinds: [TimelineKind!]) {
    incident(key: $key) {
      timeline(kinds: $kinds) {
        nodes {
          kind
          occurredAt
          actor {
            name
          }
        }
      }
    }
  }
`);

/** Timeline entries as text and time only, for tests that compare them whole. */
export const INCIDENT_TIMELINE_TEXTS = operation<
  { incident: { timeline: { nodes: { text: string; occurredAt: string }[] } } | null },
  { key: string; kinds: string[] }
>(/* GraphQL */ `
  query IncidentTimelineTexts($key: String!, $kinds: [TimelineKind!]) {
    incident(key: $key) {
      timeline(kinds: $kinds) {
        nodes {
          text
          occurredAt
        }
      }
    }
  }
`);

/** Timeline entries as kind, text and actor only, for tests that compare them whole. */
export const INCIDENT_TIMELINE_WHO = operation<
  {
    incident: {
      timeline: { nodes: { kind: string; text: string; actor: { name: string } | null }[] };
    } | null;
  },
  { key: string; kinds: string[] }
>(/* GraphQL */ `
  query IncidentTimelineWho($key: String!, $kinds: [TimelineKind!]) {
    incident(key: $key) {
      timeline(kinds: $kinds) {
        nodes {
          kind
          text
          actor {
            name
          }
        }
      }
    }
  }
`);

/** Action items as id and status only, for tests that compare them whole. */
export const INCIDENT_ACTION_ITEM_STATUSES = operation<
  { incident: { actionItems: { id: string; status: string }[] } | null },
  KeyVariables
>(/* GraphQL */ `
  query IncidentActionItemStatuses($key: String!) {
    incident(key: $key) {
      actionItems {
        id
        status
      }
    }
  }
`);

/** Active roles as role, holder's email and who assigned them, for tests that compare them whole. */
export const INCIDENT_ROLE_HOLDERS = operation<
  {
    incident: {
      roles: { role: string; person: { email: string }; assignedBy: { name: string } | null }[];
    } | null;
  },
  KeyVariables
>(/* GraphQL */ `
  query IncidentRoleHolders($key: String!) {
    incident(key: $key) {
      roles {
        role
        person {
          email
        }
        assignedBy {
          name
        }
      }
    }
  }
`);

/** What Slack commands leave on an incident: stage, roles, status updates and the timeline. */
export const INCIDENT_FROM_SLACK = operation<
  {
    incident: {
      key: string;
      stage: string;
      priority: string;
      roles: { role: string; person: { name: string } }[];
      statusUpdates: { audience: string; clientImpact: string; author: { name: string } }[];
      timeline: { nodes: { kind: string; text: string; actor: { name: string } | null }[] };
    } | null;
  },
  KeyVariables
>(/* GraphQL */ `
  query IncidentFromSlack($key: String!) {
    incident(key: $key) {
      key
      stage
      priority
      roles {
        role
        person {
          name
        }
      }
      statusUpdates {
        audience
        clientImpact
        author {
          name
        }
      }
      timeline(first: 100) {
        nodes {
          kind
          text
          actor {
            name
          }
        }
      }
    }
  }
`);

/** Starred Slack messages of an incident. */
export const INCIDENT_STARRED_MESSAGES = operation<
  {
    incident: {
      timeline: {
        nodes: {
          id: string;
          text: string;
          occurredAt: string;
          actor: { name: string } | null;
          data: Record<string, unknown> | null;
        }[];
      };
    } | null;
  },
  KeyVariables
>(/* GraphQL */ `
  query IncidentStarredMessages($key: String!) {
    incident(key: $key) {
      timeline(kinds: [STARRED_MESSAGE]) {
        nodes {
          id
          text
          occurredAt
          actor {
            name
          }
          data
        }
      }
    }
  }
`);

/** What Zendesk tickets leave on an incident: the support tickets and the timeline. */
export const INCIDENT_FROM_ZENDESK = operation<
  {
    incident: {
      key: string;
      priority: string;
      stage: string;
      summary: string;
      supportTicketCount: number;
      supportTickets: { ticketId: string; origin: boolean; status: string }[];
      timeline: {
        nodes: {
          kind: string;
          text: string;
          actor: { name: string } | null;
          data: Record<string, unknown> | null;
        }[];
      };
    } | null;
  },
  KeyVariables
>(/* GraphQL */ `
  query IncidentFromZendesk($key: String!) {
    incident(key: $key) {
      key
      priority
      stage
      summary
      supportTicketCount
      supportTickets {
        ticketId
        origin
        status
      }
      timeline(first: 100) {
        nodes {
          kind
          text
          actor {
            name
          }
          data
        }
      }
    }
  }
`);

// ---------------------------------------------------------------- processes and browsers

/** The demo data a first start seeds. */
export const DEMO_DATA = operation<
  {
    clients: { slug: string }[];
    sites: { siteId: string; location: string }[];
    services: { name: string }[];
    incidents: { totalCount: number; nodes: { stage: string; roles: { role: string }[] }[] };
  },
  NoVariables
>(/* GraphQL */ `
  query DemoData {
    clients {
      slug
    }
    sites {
      siteId
      location
    }
    services {
      name
    }
    incidents {
      totalCount
      nodes {
        stage
        roles {
          role
        }
      }
    }
  }
`);

// The next two are typed into GraphiQL's editor as they are, so they stay on one line, and they
// stay anonymous: a test runs a document straight after typing it, before GraphiQL re-parses the
// editor, and GraphiQL would send the name of the operation it parsed before.

/** The first incidents' keys (GraphiQL). */
export const INCIDENT_KEYS = operation<
  { incidents: { totalCount: number; nodes: { key: string }[] } },
  NoVariables
>('{ incidents(first: 5) { totalCount nodes { key } } }');

/** Each change's key and stage only (GraphiQL, and tests that compare events whole). */
export const INCIDENT_STAGE_CHANGED = operation<
  { incidentChanged: { key: string; stage: string } },
  NoVariables
>('subscription { incidentChanged { key stage } }');

// ---------------------------------------------------------------- status-update rhythm

export const OVERDUE_INCIDENTS = operation<
  { overdueIncidents: { key: string; statusUpdateOverdueSince: string | null }[] },
  NoVariables
>(/* GraphQL */ `
  query OverdueIncidents {
    overdueIncidents {
      key
      statusUpdateOverdueSince
    }
  }
`);

export const REMINDER_SENT = operation<
  {
    reminderSent: {
      incident: { key: string };
      timelineEntry: { kind: string };
      incidentManagers: { name: string }[];
      dueAt: string;
      period: number;
      escalated: boolean;
    };
  },
  { filter?: Input }
>(/* GraphQL */ `
  subscription ReminderSent($filter: IncidentFilter) {
    reminderSent(filter: $filter) {
      incident {
        key
      }
      timelineEntry {
        kind
      }
      incidentManagers {
        name
      }
      dueAt
      period
      escalated
    }
  }
`);

// ---------------------------------------------------------------- postmortem

export interface PostmortemFields {
  markdown: string;
  generatedAt: string;
  publishedAt: string | null;
  publishedMarkdown: string | null;
  revision: number | null;
  url: string | null;
  publishedBy: { name: string } | null;
}

const POSTMORTEM_FIELDS = /* GraphQL */ `
  fragment PostmortemFields on Postmortem {
    markdown
    generatedAt
    publishedAt
    publishedMarkdown
    revision
    url
    publishedBy {
      name
    }
  }
`;

export const INCIDENT_POSTMORTEM = operation<
  { incident: { postmortem: PostmortemFields } | null },
  KeyVariables
>(
  /* GraphQL */ `
    query IncidentPostmortem($key: String!) {
      incident(key: $key) {
        postmortem {
          ...PostmortemFields
        }
      }
    }
  `,
  POSTMORTEM_FIELDS,
);

export const PUBLISH_POSTMORTEM = operation<
  { publishPostmortem: PostmortemFields },
  { incidentKey: string; markdown?: string | null }
>(
  /* GraphQL */ `
    mutation PublishPostmortem($incidentKey: String!, $markdown: String) {
      publishPostmortem(incidentKey: $incidentKey, markdown: $markdown) {
        ...PostmortemFields
      }
    }
  `,
  POSTMORTEM_FIELDS,
);
