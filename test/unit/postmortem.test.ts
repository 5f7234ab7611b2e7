// The postmortem's pure parts: the facts drawn from a record (nothing invented, each fact placed
// safely in Markdown), the template in strict mode, and the Markdown-to-ADF conversion that keeps an
// author's text from smuggling raw ADF into Jira.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActionItemKind, ActionItemStatus, Audience, Stage } from '../../src/domain/enums';
import { postmortemFacts, type PostmortemRecord } from '../../src/domain/postmortem/postmortem';
import { PostmortemTemplate } from '../../src/domain/postmortem/postmortem-template';
import { markdownToJiraDocument } from '../../src/integrations/jira/jira.adf';

const d = (iso: string) => new Date(iso);
const starred = (text: string, flags: { starred?: boolean; edited?: boolean; deleted?: boolean }) => ({
  kind: 'STARRED_MESSAGE',
  occurredAt: d('2026-01-01T08:10:00Z'),
  actorName: null,
  text: `Starred message: ${text}`,
  data: {
    channelId: 'C1',
    messageTs: '1.1',
    author: 'Ann',
    authorId: null,
    authorSlackId: null,
    text,
    permalink: null,
    postedAt: null,
    starred: flags.starred ?? true,
    starredBy: [],
    edited: flags.edited ?? false,
    earlierTexts: [],
    deleted: flags.deleted ?? false,
    deletedAt: null,
  },
});

const record = (): PostmortemRecord => ({
  incident: {
    key: 'acme-incident-1',
    summary: 'Down',
    description: null,
    priority: 'P1',
    stage: Stage.CANCELLED,
    clientImpact: 'impact_extensive',
    clientImpactLevel: 'EXTENSIVE',
    clientUrgency: null,
    clientUrgencyLevel: 'CRITICAL',
    impactStartedAt: d('2026-01-01T08:00:00Z'),
    detectedAt: d('2026-01-01T08:00:30Z'),
    acknowledgedAt: d('2026-01-01T08:05:00Z'),
    identifiedAt: null,
    mitigatedAt: null,
    closedAt: d('2026-01-01T09:00:00Z'),
  },
  faultyService: null,
  clients: [],
  sites: [],
  supportTickets: [{ ticketId: '77', subject: null }],
  roles: [
    {
      role: 'CUSTOM',
      title: 'Scribe | notes',
      personName: 'Bo',
      assignedAt: d('2026-01-01T08:06:00Z'),
      relievedAt: d('2026-01-01T08:30:00Z'),
    },
  ],
  entries: [
    starred('kept, then edited', { edited: true, deleted: true }),
    starred('unstarred later', { starred: false }),
    {
      kind: 'NOTE',
      occurredAt: d('2026-01-01T08:20:00Z'),
      actorName: null,
      text: 'line one\nline two',
      data: {},
    },
  ],
  statusUpdates: [
    {
      audience: Audience.EXTERNAL,
      postedAt: d('2026-01-01T08:15:00Z'),
      authorName: 'Bo',
      clientImpact: 'a',
      knownProblem: 'b',
      attempted: 'c',
      nextSteps: 'd',
    },
  ],
  actionItems: [
    {
      title: 'Fix\nit',
      kind: ActionItemKind.FOLLOW_UP,
      status: ActionItemStatus.WONT_DO,
      ownerName: 'Bo',
      dueDate: d('2026-01-02T00:00:00Z'),
    },
  ],
});

describe('postmortem facts', () => {
  const facts = postmortemFacts(record(), d('2026-01-01T10:00:00Z'));

  it('says what is not recorded instead of inventing it', () => {
    expect(facts).toMatchObject({
      description: 'not recorded',
      // a support desk's dropdown value is not a statement of impact
      clientImpact: 'not recorded',
      faultyService: 'Unknown',
      affectedClients: 'none recorded',
      affectedSites: 'none recorded',
      supportCases: '1',
      ttd: '30 s',
      tta: '5 min',
      ttr: 'not recorded',
    });
    expect(facts.times).toContainEqual({ label: 'Mitigated', at: 'not recorded' });
    expect(facts.times).toContainEqual({ label: 'Cancelled', at: '2026-01-01 09:00 UTC' });
    expect(facts.stageChanges).toEqual([]);
    expect(facts.escalations).toEqual([]);
  });

  it('keeps a starred message that was edited or deleted (marked so), drops an unstarred one, and keeps notes in order', () => {
    expect(facts.record).toEqual([
      {
        at: '2026-01-01 08:10 UTC',
        what: 'Starred message',
        by: 'Ann',
        text: 'kept, then edited _(edited, deleted in chat)_',
      },
      { at: '2026-01-01 08:20 UTC', what: 'Note', by: 'the hub', text: 'line one\n  line two' },
    ]);
  });

  it('keeps table cells on one line with pipes escaped, and says when a role ended', () => {
    expect(facts.roles).toEqual([
      { role: 'Scribe \\| notes', person: 'Bo', from: '2026-01-01 08:06 UTC', until: '2026-01-01 08:30 UTC' },
    ]);
    expect(facts.actionItems).toEqual([
      { title: 'Fix it', kind: 'Follow up', status: "Won't do", owner: 'Bo', due: '2026-01-02 00:00 UTC' },
    ]);
  });
});

describe('postmortem template', () => {
  it('refuses a template that names a fact the hub does not give (strict mode)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postmortem-'));
    const path = join(dir, 'bad.md.hbs');
    writeFileSync(path, '# {{key}} {{rootCause}}\n');
    const facts = postmortemFacts(record(), d('2026-01-01T10:00:00Z'));
    expect(() => PostmortemTemplate.load(path).render(facts)).toThrow(/rootCause/);
    // a syntax error is found when it is loaded (at start), naming the file
    writeFileSync(path, '# {{#if key}}unclosed\n');
    expect(() => PostmortemTemplate.load(path)).toThrow(`postmortem template ${path}`);
  });
});

describe('Markdown to ADF', () => {
  it('writes an <adf> block as text instead of passing raw ADF through', () => {
    const doc = markdownToJiraDocument('Before\n\n<adf>\n{"type":"rule"}\n</adf>\n');
    expect(JSON.stringify(doc)).not.toContain('"type":"rule"');
    expect(JSON.stringify(doc)).toContain('adf>');
  });
});
