// In-process fakes of the vendor ports (src/integrations/*/*.port.ts): no HTTP, no vendor. Each
// records its calls in order and keeps just enough state to answer like the vendor (a channel made
// once per incident, an issue per key). Hand them to createHub({ ports }) or to a module's handler.
import type { ChatMessage } from '../../src/domain/incident/starred-messages';
import type { MailMessage, Mailer, MailReceipt } from '../../src/integrations/email/email.port';
import type {
  ActionItemIssue,
  ActionItemIssueRequest,
  ActionItemIssueUpdate,
  IssueComment,
  IssueTracker,
  TrackedIssue,
} from '../../src/integrations/jira/jira.port';
import type { ConferenceBridge } from '../../src/integrations/meet/meet.port';
import type { OnCallPager } from '../../src/integrations/opsgenie/opsgenie.port';
import type { ChatChannel, ChatChannelRef } from '../../src/integrations/slack/slack.port';
import type { StatusPage } from '../../src/integrations/statuspage/statuspage.port';
import type { VendorPorts } from '../../src/integrations/vendor-module';
import type { SupportDesk, SupportTicketState } from '../../src/integrations/zendesk/zendesk.port';

export interface PortCall {
  method: string;
  args: unknown[];
}

class Recorder {
  readonly calls: PortCall[] = [];

  protected record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  /** The arguments of every call of `method`, in order. */
  argsOf(method: string): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** The methods called, in order. */
  get methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

export class FakeChatChannel extends Recorder implements ChatChannel {
  readonly channels = new Map<string, ChatChannelRef>();
  readonly messages: { channel: string; text: string; dedupeKey: string; messageId: string }[] = [];
  readonly stored = new Map<string, ChatMessage>();

  async ensureChannel(request: { incidentKey: string; name: string }): Promise<ChatChannelRef> {
    this.record('ensureChannel', request);
    let channel = this.channels.get(request.incidentKey);
    if (!channel) {
      const channelId = `C${String(this.channels.size + 1).padStart(8, '0')}`;
      channel = { channelId, name: request.name, url: `https://chat.test/archives/${channelId}` };
      this.channels.set(request.incidentKey, channel);
    }
    return channel;
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    this.record('setTopic', channelId, topic);
  }

  async invite(channelId: string, userIds: readonly string[]): Promise<void> {
    this.record('invite', channelId, [...userIds]);
  }

  async openView(triggerId: string, view: Readonly<Record<string, unknown>>): Promise<void> {
    this.record('openView', triggerId, view);
  }

  async postMessage(request: {
    channel: string;
    text: string;
    dedupeKey: string;
    blocks?: readonly Record<string, unknown>[];
  }): Promise<{ messageId: string }> {
    this.record('postMessage', request);
    const earlier = this.messages.find(
      (m) => m.channel === request.channel && m.dedupeKey === request.dedupeKey,
    );
    if (earlier) return { messageId: earlier.messageId };
    const messageId = `${1_700_000_000 + this.messages.length}.000100`;
    this.messages.push({ ...request, messageId });
    return { messageId };
  }

  /** The pinned message of each channel by marker, as its latest text. */
  readonly pinned = new Map<string, { messageId: string; text: string }>();

  async upsertPinned(request: {
    channel: string;
    text: string;
    marker: string;
  }): Promise<{ messageId: string }> {
    this.record('upsertPinned', request);
    const key = `${request.channel}/${request.marker}`;
    const messageId = this.pinned.get(key)?.messageId ?? `${1_800_000_000 + this.pinned.size}.000100`;
    this.pinned.set(key, { messageId, text: request.text });
    return { messageId };
  }

  async getMessage(channelId: string, ts: string): Promise<ChatMessage | null> {
    this.record('getMessage', channelId, ts);
    return this.stored.get(`${channelId}/${ts}`) ?? null;
  }

  async postEphemeral(channelId: string, userId: string, text: string): Promise<void> {
    this.record('postEphemeral', channelId, userId, text);
  }
}

export class FakeOnCallPager extends Recorder implements OnCallPager {
  /** Open alerts by alias. */
  readonly open = new Map<string, string>();

  async page(...args: Parameters<OnCallPager['page']>): Promise<{ alertId: string }> {
    const [request] = args;
    this.record('page', ...args); // with `earlier` only when the handler passed it
    let alertId = this.open.get(request.alias);
    if (!alertId) {
      alertId = `alert-${this.made.length + 1}`;
      this.open.set(request.alias, alertId);
      this.made.push({ alias: request.alias, alertId, createdAt: new Date() });
    }
    return { alertId };
  }

  /** Every alert made, open or closed, oldest first. */
  readonly made: { alias: string; alertId: string; createdAt: Date }[] = [];

  async earlierAlert(alias: string, since: Date): Promise<string | null> {
    this.record('earlierAlert', alias, since);
    const latest = this.made.findLast((a) => a.alias === alias);
    return this.open.get(alias) ?? (latest && latest.createdAt >= since ? latest.alertId : null);
  }

  async close(alias: string, note: string): Promise<void> {
    this.record('close', alias, note);
    this.open.delete(alias);
  }

  /** Each schedule's next on-call usernames, set by a test. */
  readonly nextOnCalls = new Map<string, string[]>();

  async nextOnCall(schedule: string): Promise<string[]> {
    this.record('nextOnCall', schedule);
    return this.nextOnCalls.get(schedule) ?? [];
  }
}

export class FakeIssueTracker extends Recorder implements IssueTracker {
  /** Issues by incident key, and each issue's status and priority. */
  readonly issues = new Map<string, TrackedIssue>();
  readonly statuses = new Map<string, string>();
  readonly priorities = new Map<string, string>();

  async ensureIncidentIssue(request: {
    incidentKey: string;
    summary: string;
    description: string;
    priority?: string;
  }): Promise<TrackedIssue> {
    this.record('ensureIncidentIssue', request);
    let issue = this.issues.get(request.incidentKey);
    if (!issue) {
      const issueKey = `INC-${this.issues.size + 1}`;
      issue = { issueKey, url: `https://jira.test/browse/${issueKey}` };
      this.issues.set(request.incidentKey, issue);
    }
    return issue;
  }

  async transitionTo(issueKey: string, statusName: string): Promise<void> {
    this.record('transitionTo', issueKey, statusName);
    this.statuses.set(issueKey, statusName);
  }

  async setPriority(issueKey: string, priorityName: string): Promise<void> {
    this.record('setPriority', issueKey, priorityName);
    this.priorities.set(issueKey, priorityName);
  }

  /** Each issue's description (ADF), as last set. */
  readonly descriptions = new Map<string, unknown>();

  async setDescription(issueKey: string, description: unknown): Promise<void> {
    this.record('setDescription', issueKey, description);
    this.descriptions.set(issueKey, description);
  }

  /** Action items' issues by action item id; owners' emails that have no Jira user. */
  readonly actionItemIssues = new Map<string, ActionItemIssue & ActionItemIssueUpdate>();
  readonly unknownEmails = new Set<string>();

  async ensureActionItemIssue(request: ActionItemIssueRequest): Promise<ActionItemIssue> {
    this.record('ensureActionItemIssue', request);
    let issue = this.actionItemIssues.get(request.actionItemId);
    if (!issue) {
      const issueKey = `TASK-${this.actionItemIssues.size + 1}`;
      issue = {
        ...request,
        issueKey,
        url: `https://jira.test/browse/${issueKey}`,
        assigned: !this.unknownEmails.has(request.ownerEmail),
      };
      this.actionItemIssues.set(request.actionItemId, issue);
    }
    return { issueKey: issue.issueKey, url: issue.url, assigned: issue.assigned };
  }

  async updateActionItemIssue(request: ActionItemIssueUpdate): Promise<ActionItemIssue | null> {
    this.record('updateActionItemIssue', request);
    const issue = this.actionItemIssues.get(request.actionItemId);
    if (!issue) return null;
    Object.assign(issue, request, { assigned: !this.unknownEmails.has(request.ownerEmail) });
    return { issueKey: issue.issueKey, url: issue.url, assigned: issue.assigned };
  }

  /** Comments by id, in the order posted. */
  readonly comments = new Map<string, { issueKey: string; comment: IssueComment }>();

  async commentOnce(issueKey: string, comment: IssueComment): Promise<{ commentId: string }> {
    this.record('commentOnce', issueKey, comment);
    const earlier = [...this.comments].find(
      ([, c]) => c.issueKey === issueKey && c.comment.paragraphs.some((p) => p.includes(comment.ref)),
    );
    if (earlier) return { commentId: earlier[0] };
    const commentId = String(10000 + this.comments.size);
    this.comments.set(commentId, { issueKey, comment });
    return { commentId };
  }
}

export class FakeSupportDesk extends Recorder implements SupportDesk {
  readonly tickets = new Map<string, SupportTicketState>();
  readonly comments: { ticketId: string; body: string; public: boolean; dedupeKey: string }[] = [];
  private created = 0;

  async ensureTicket(request: {
    incidentKey: string;
    subject: string;
    body: string;
  }): Promise<{ ticketId: string; url: string }> {
    this.record('ensureTicket', request);
    let ticket = [...this.tickets.values()].find((t) => t.tags.includes(request.incidentKey));
    if (!ticket) {
      this.created += 1;
      ticket = {
        ticketId: String(90_000 + this.created),
        subject: request.subject,
        description: request.body,
        status: 'new',
        priority: null,
        tags: [request.incidentKey],
        problemId: null,
        customFields: [],
        updatedAt: null,
      };
      this.tickets.set(ticket.ticketId, ticket);
    }
    return { ticketId: ticket.ticketId, url: `https://desk.test/agent/tickets/${ticket.ticketId}` };
  }

  async comment(request: {
    ticketId: string;
    body: string;
    public: boolean;
    dedupeKey: string;
  }): Promise<void> {
    this.record('comment', request);
    if (!this.comments.some((c) => c.dedupeKey === request.dedupeKey)) this.comments.push(request);
  }

  async getTicket(ticketId: string): Promise<SupportTicketState | null> {
    this.record('getTicket', ticketId);
    return this.tickets.get(ticketId) ?? null;
  }
}

export class FakeStatusPage extends Recorder implements StatusPage {
  /** Page incidents by reference. */
  readonly incidents = new Map<string, { incidentId: string; status: string }>();

  async ensureIncident(request: {
    reference: string;
    name: string;
    status: string;
    body: string;
  }): Promise<{ incidentId: string; url: string }> {
    this.record('ensureIncident', request);
    let incident = this.incidents.get(request.reference);
    if (!incident) {
      incident = { incidentId: `sp-${this.incidents.size + 1}`, status: request.status };
      this.incidents.set(request.reference, incident);
    }
    return { incidentId: incident.incidentId, url: `https://status.test/incidents/${incident.incidentId}` };
  }

  async update(request: { incidentId: string; status: string; body: string }): Promise<void> {
    this.record('update', request);
    for (const incident of this.incidents.values()) {
      if (incident.incidentId === request.incidentId) incident.status = request.status;
    }
  }
}

export class FakeBridge extends Recorder implements ConferenceBridge {
  linkFor(incidentKey: string): string {
    this.record('linkFor', incidentKey);
    return `https://meet.test/${incidentKey}`;
  }
}

export class FakeMailer extends Recorder implements Mailer {
  /** Messages sent, by Message-ID: a second send of one is kept once, as a mail store would. */
  readonly sent = new Map<string, MailMessage>();

  async send(message: MailMessage): Promise<MailReceipt> {
    this.record('send', message);
    this.sent.set(message.messageId, message);
    return { messageId: message.messageId, accepted: [...message.to], rejected: [], response: '250 OK' };
  }
}

export interface FakePorts extends VendorPorts {
  slack: FakeChatChannel;
  opsgenie: FakeOnCallPager;
  jira: FakeIssueTracker;
  zendesk: FakeSupportDesk;
  statuspage: FakeStatusPage;
  meet: FakeBridge;
  email: FakeMailer;
}

/** A fresh fake of every vendor port. */
export function fakePorts(): FakePorts {
  return {
    slack: new FakeChatChannel(),
    opsgenie: new FakeOnCallPager(),
    jira: new FakeIssueTracker(),
    zendesk: new FakeSupportDesk(),
    statuspage: new FakeStatusPage(),
    meet: new FakeBridge(),
    email: new FakeMailer(),
  };
}
