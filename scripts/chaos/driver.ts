// The chaos run's client: declares incidents and changes them through the GraphQL API as a real
// client would while the hub is killed under it. A mutation whose answer did not come back is
// retried: with its idempotency key where the API takes one (declareIncident, escalate), else only
// after reading the incident shows it was not done (a note, a status update, an action item, a
// role, a stage). Every mutation it got an answer for (or found done) is recorded as acknowledged.

/** A seeded generator of numbers in [0, 1) (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Outcome<T> =
  | { kind: 'ok'; data: T }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'lost'; reason: string };

/** Error codes after which a retry may succeed (the hub or its database was away, or busy). */
const TRANSIENT = new Set([
  'HUB_DOWN',
  'SERVICE_UNAVAILABLE',
  'RATE_LIMITED',
  'CONFLICT',
  'INTERNAL_SERVER_ERROR',
]);

export class Api {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(query: string, variables: Record<string, unknown>): Promise<Outcome<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
      // refused: the hub is down and the request never reached it
      if (cause?.code === 'ECONNREFUSED') return { kind: 'error', code: 'HUB_DOWN', message: cause.message };
      return { kind: 'lost', reason: cause?.message ?? (err instanceof Error ? err.message : String(err)) };
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = (await res.json()) as typeof body;
    } catch (err) {
      return { kind: 'lost', reason: `HTTP ${res.status}, body unread: ${String(err)}` };
    }
    const error = body.errors?.[0];
    if (error)
      return { kind: 'error', code: error.extensions?.code ?? `HTTP_${res.status}`, message: error.message };
    if (!body.data) return { kind: 'lost', reason: `HTTP ${res.status} without data` };
    return { kind: 'ok', data: body.data };
  }

  /** A read, retried until it answers (the hub may be down for seconds). */
  async read<T>(query: string, variables: Record<string, unknown>, stats: DriverStats): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const out = await this.call<T>(query, variables);
      if (out.kind === 'ok') return out.data;
      if (out.kind === 'error' && !TRANSIENT.has(out.code)) {
        throw new Error(`read refused: ${out.code}: ${out.message}`);
      }
      stats.readRetries += 1;
      if (attempt > 600) throw new Error(`read never answered: ${JSON.stringify(out)}`);
      await sleep(250);
    }
  }
}

export interface DriverStats {
  mutations: number;
  acknowledged: number;
  /** Answers that did not come back (connection lost, 5xx, timeout). */
  lostAnswers: number;
  /** Of those, found done when read back (so not sent again). */
  foundDone: number;
  retried: number;
  readRetries: number;
  /** Errors by code. */
  errors: Record<string, number>;
  failures: string[];
}

export function newStats(): DriverStats {
  return {
    mutations: 0,
    acknowledged: 0,
    lostAnswers: 0,
    foundDone: 0,
    retried: 0,
    readRetries: 0,
    errors: {},
    failures: [],
  };
}

/** What the driver was told is done: each must exist exactly once afterwards. */
export interface Acknowledged {
  incidents: { index: number; key: string; idempotencyKey: string; summary: string }[];
  notes: { key: string; text: string }[];
  statusUpdates: { key: string; clientImpact: string }[];
  actionItems: { key: string; id: string; title: string; status: string }[];
  roles: { key: string; role: string; personId: string }[];
  stages: { key: string; stage: string }[];
  escalations: { key: string; idempotencyKey: string; entryId: string }[];
}

export interface Catalogue {
  clients: string[];
  people: string[];
  teams: string[];
  services: string[];
}

const DECLARE = `mutation($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }`;
const ADD_NOTE = `mutation($input: AddNoteInput!) { addNote(input: $input) { id } }`;
const ASSIGN = `mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }`;
const STAGE = `mutation($input: ChangeStageInput!) { changeStage(input: $input) { stage } }`;
const STATUS = `mutation($input: PostStatusUpdateInput!) { postStatusUpdate(input: $input) { id } }`;
const CREATE_ITEM = `mutation($input: CreateActionItemInput!) { createActionItem(input: $input) { id } }`;
const UPDATE_ITEM = `mutation($input: UpdateActionItemInput!) { updateActionItem(input: $input) { id status } }`;
const ESCALATE = `mutation($input: EscalateInput!) { escalate(input: $input) { id } }`;
const STATE = `query($key: String!) { incident(key: $key) {
  stage
  roles { role person { id } }
  statusUpdates { clientImpact }
  actionItems { id title status }
  timeline(first: 100, kinds: [NOTE]) { nodes { text } }
} }`;

interface IncidentState {
  incident: {
    stage: string;
    roles: { role: string; person: { id: string } }[];
    statusUpdates: { clientImpact: string }[];
    actionItems: { id: string; title: string; status: string }[];
    timeline: { nodes: { text: string }[] };
  } | null;
}

const STAGE_ORDER = ['ACKNOWLEDGED', 'INVESTIGATING', 'IDENTIFIED', 'MITIGATED', 'POSTMORTEM', 'CLOSED'];

export class Driver {
  readonly stats = newStats();
  readonly acked: Acknowledged = {
    incidents: [],
    notes: [],
    statusUpdates: [],
    actionItems: [],
    roles: [],
    stages: [],
    escalations: [],
  };

  constructor(
    private readonly api: Api,
    private readonly seed: number,
    private readonly catalogue: Catalogue,
  ) {}

  /**
   * Sends a mutation until it is done. `done` reads the incident and says whether an earlier,
   * unanswered try took effect (undefined: the mutation carries its own idempotency key, so it is
   * simply sent again). Returns the answer, or what `done` found.
   */
  private async mutate<T>(
    label: string,
    query: string,
    input: Record<string, unknown>,
    done?: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    let unanswered = false;
    let refusals = 0;
    // a client keeps trying for ten minutes (a hub start can take a minute on a busy machine,
    // and kills can follow one another)
    const giveUpAt = Date.now() + 600_000;
    for (let attempt = 1; Date.now() < giveUpAt; attempt++) {
      if (unanswered && done) {
        const found = await done();
        if (found !== undefined) {
          this.stats.foundDone += 1;
          this.stats.acknowledged += 1;
          return found;
        }
      }
      if (attempt > 1) this.stats.retried += 1;
      this.stats.mutations += 1;
      const out = await this.api.call<T>(query, { input });
      if (out.kind === 'ok') {
        this.stats.acknowledged += 1;
        return out.data;
      }
      if (out.kind === 'lost') {
        this.stats.lostAnswers += 1;
        unanswered = true;
      } else {
        this.stats.errors[out.code] = (this.stats.errors[out.code] ?? 0) + 1;
        if (!TRANSIENT.has(out.code)) {
          // after a lost answer, a refusal may mean the first try went through (a stage already
          // moved): `done` decides on the next turn; three refusals in a row are a failure
          refusals += 1;
          if (refusals >= 3 || !done) {
            this.stats.failures.push(`${label}: refused ${out.code}: ${out.message}`);
            return undefined;
          }
        } else {
          refusals = 0;
        }
        // a refused connection or a rate limit did nothing; anything else (a 503, an internal
        // error, a conflict) may have come after the transaction committed
        if (out.code !== 'HUB_DOWN' && out.code !== 'RATE_LIMITED') unanswered = true;
      }
      await sleep(150 + Math.floor(Math.random() * 250));
    }
    this.stats.failures.push(`${label}: not done after trying for ten minutes`);
    return undefined;
  }

  private state(key: string) {
    return this.api.read<IncidentState>(STATE, { key }, this.stats).then((s) => s.incident);
  }

  /** One incident's life: declared, then a seeded mix of changes. */
  async incident(index: number): Promise<void> {
    const r = prng(this.seed * 1000 + index);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const think = () => sleep(20 + Math.floor(r() * 200));
    const { clients, people, teams, services } = this.catalogue;
    const idempotencyKey = `chaos-${this.seed}-${index}`;
    const summary = `Chaos ${this.seed} #${index}: ${pick(['orders stuck', 'robots stalled', 'pick lists late', 'sync lag'])}`;
    const declared = await this.mutate<{ declareIncident: { key: string } }>(`declare #${index}`, DECLARE, {
      summary,
      clientImpactLevel: pick(['EXTENSIVE', 'SIGNIFICANT', 'MODERATE', 'MINOR']),
      clientUrgencyLevel: pick(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']),
      affectedClientSlugs: [pick(clients)],
      faultyServiceId: pick(services),
      idempotencyKey,
    });
    if (!declared) return;
    const key = declared.declareIncident.key;
    this.acked.incidents.push({ index, key, idempotencyKey, summary });

    type Step = () => Promise<void>;
    const steps: Step[] = [];
    const notes = 1 + Math.floor(r() * 3);
    let noteNo = 0;
    const note: Step = async () => {
      const text = `chaos note ${this.seed}/${index}/${++noteNo}`;
      const ok = await this.mutate(`addNote ${key}`, ADD_NOTE, { incidentKey: key, text }, async () =>
        (await this.state(key))?.timeline.nodes.some((n) => n.text === text) ? true : undefined,
      );
      if (ok) this.acked.notes.push({ key, text });
    };
    const stage =
      (to: string): Step =>
      async () => {
        const ok = await this.mutate(
          `changeStage ${key} ${to}`,
          STAGE,
          { incidentKey: key, stage: to },
          async () => {
            const s = await this.state(key);
            return s && STAGE_ORDER.indexOf(s.stage) >= STAGE_ORDER.indexOf(to) ? true : undefined;
          },
        );
        if (ok) this.acked.stages.push({ key, stage: to });
      };
    const ordered: Step[] = [];
    if (r() < 0.7) {
      const personId = pick(people);
      ordered.push(async () => {
        const role = 'SOFTWARE_INCIDENT_MANAGER';
        const ok = await this.mutate(
          `assignRole ${key}`,
          ASSIGN,
          { incidentKey: key, role, personId },
          async () =>
            (await this.state(key))?.roles.some((x) => x.role === role && x.person.id === personId)
              ? true
              : undefined,
        );
        if (ok) this.acked.roles.push({ key, role, personId });
      });
    }
    if (r() < 0.8) ordered.push(stage('INVESTIGATING'));
    if (r() < 0.6) {
      const audience = r() < 0.3 ? 'EXTERNAL' : 'INTERNAL';
      ordered.push(async () => {
        const clientImpact = `chaos impact ${this.seed}/${index}`;
        const input = {
          incidentKey: key,
          audience,
          clientImpact,
          knownProblem: 'A queue consumer stopped.',
          attempted: 'Restarted the consumer.',
          nextSteps: 'Watch the backlog drain.',
        };
        const ok = await this.mutate(`postStatusUpdate ${key}`, STATUS, input, async () =>
          (await this.state(key))?.statusUpdates.some((u) => u.clientImpact === clientImpact)
            ? true
            : undefined,
        );
        if (ok) this.acked.statusUpdates.push({ key, clientImpact });
      });
    }
    if (r() < 0.5) {
      const title = `chaos item ${this.seed}/${index}`;
      const ownerId = pick(people);
      const update = r() < 0.5 ? pick(['IN_PROGRESS', 'DONE']) : undefined;
      ordered.push(async () => {
        const findItem = async () => (await this.state(key))?.actionItems.find((a) => a.title === title);
        const created = await this.mutate(
          `createActionItem ${key}`,
          CREATE_ITEM,
          {
            incidentKey: key,
            title,
            kind: pick(['CLEANUP', 'MITIGATION', 'PREVENTION', 'FOLLOW_UP']),
            ownerId,
            dueDate: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          },
          async () => {
            const item = await findItem();
            return item ? { createActionItem: { id: item.id } } : undefined;
          },
        );
        if (!created) return;
        const id = created.createActionItem.id;
        let status = 'OPEN';
        if (update) {
          await think();
          const ok = await this.mutate(
            `updateActionItem ${key}`,
            UPDATE_ITEM,
            { id, status: update },
            async () => ((await findItem())?.status === update ? true : undefined),
          );
          if (ok) status = update;
        }
        this.acked.actionItems.push({ key, id, title, status });
      });
    }
    if (r() < 0.3) {
      const escalationKey = `chaos-escalation-${this.seed}-${index}`;
      const teamId = pick(teams);
      ordered.push(async () => {
        const out = await this.mutate<{ escalate: { id: string } }>(`escalate ${key}`, ESCALATE, {
          incidentKey: key,
          teamId,
          reason: `chaos escalation ${this.seed}/${index}`,
          idempotencyKey: escalationKey,
        });
        if (out)
          this.acked.escalations.push({ key, idempotencyKey: escalationKey, entryId: out.escalate.id });
      });
    }
    if (r() < 0.3) ordered.push(stage('MITIGATED'));
    // the notes fall anywhere among the ordered steps
    let planned = 0;
    for (const step of ordered) {
      steps.push(step);
      if (planned < notes && r() < 0.5) {
        steps.push(note);
        planned += 1;
      }
    }
    for (; planned < notes; planned++) steps.push(note);
    for (const step of steps) {
      await think();
      await step();
    }
  }

  /** Runs `count` incidents, `concurrency` at a time. */
  async run(count: number, concurrency: number): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const index = next++;
          try {
            await this.incident(index);
          } catch (err) {
            this.stats.failures.push(
              `incident #${index}: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
      }),
    );
  }
}
