// The `/incident` command language, parsed without touching anything: text in, a command (or a
// message saying what is wrong and how to say it) out. Values are checked by the domain services
// the commands call; this module only knows the words (and the words of the `status` reply).
import { Audience, ImpactLevel, IncidentRole, Stage, UrgencyLevel } from '../../domain/enums';
import { priorityLabel, roleLabel, stageLabel } from '../../domain/labels';

export type SlashCommand =
  | {
      name: 'declare';
      summary: string;
      client?: string;
      sites: string[];
      impact?: ImpactLevel;
      urgency?: UrgencyLevel;
      service?: string;
    }
  | { name: 'stage'; stage: Stage; note?: string }
  | { name: 'priority'; impact: ImpactLevel; urgency: UrgencyLevel; reason?: string }
  | { name: 'role'; role: IncidentRole; userId: string; title?: string }
  | { name: 'handover'; role: IncidentRole; userId: string }
  | { name: 'note'; text: string }
  | {
      name: 'update';
      audience: Audience;
      clientImpact: string;
      knownProblem: string;
      attempted: string;
      nextSteps: string;
    }
  | { name: 'escalate'; team: string; reason?: string }
  | { name: 'status' }
  | { name: 'help' };

export type Parsed = { ok: true; command: SlashCommand } | { ok: false; message: string };

export const HELP = [
  '*/incident* commands:',
  '• `declare <summary> [client:<slug>] [site:<site id>] [impact:<level>] [urgency:<level>] [service:"<name>"]`: declare an incident (impact EXTENSIVE, SIGNIFICANT, MODERATE or MINOR; urgency CRITICAL, HIGH, MEDIUM or LOW; defaults MODERATE and HIGH)',
  '• `declare` alone: the same in a form',
  'In an incident channel:',
  '• `stage <stage> [note]`: move to ACKNOWLEDGED, INVESTIGATING, IDENTIFIED, MITIGATED, POSTMORTEM, CLOSED or CANCELLED',
  '• `priority <impact> <urgency> [reason]`: reassess the priority',
  '• `role <role> @user [title]`: assign a role (im, him, backup, onsite, expert, account, support, tam, or custom with a title)',
  '• `handover <role> @user`: hand a role over',
  '• `note <text>`: add a note to the timeline',
  '• `update [external] <client impact> | <known problem> | <what was tried> | <next steps>`: post a status update',
  '• `update` alone: the same in a form',
  '• `escalate <team> [reason]`: page a team',
  '• `status`: a summary only you see',
  '• `help`: this list',
].join('\n');

/** What `/incident status` shows: where the incident stands, who holds what, when the next update is due. */
export function statusText(status: {
  key: string;
  summary: string;
  priority: string;
  stage: string;
  /** The roles held now, in order of assignment. */
  roles: readonly { role: string; title: string | null; name: string }[];
  lastStatusUpdateAt: Date | null;
  nextStatusUpdateDueAt: Date | null;
}): string {
  const { roles, lastStatusUpdateAt: last, nextStatusUpdateDueAt: due } = status;
  return [
    `*${status.key}* · ${priorityLabel(status.priority)} · ${stageLabel(status.stage)}`,
    status.summary,
    `Roles: ${roles.length ? roles.map((r) => `${roleLabel(r.role, r.title)}: ${r.name}`).join('; ') : 'none yet'}`,
    `Last status update: ${last ? last.toISOString() : 'none yet'}` +
      (due ? `; next due ${due.toISOString()}` : ''),
  ].join('\n');
}

const ROLE_ALIASES: Readonly<Record<string, IncidentRole>> = {
  im: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
  sim: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
  him: IncidentRole.HARDWARE_INCIDENT_MANAGER,
  backup: IncidentRole.BACKUP_INCIDENT_MANAGER,
  bim: IncidentRole.BACKUP_INCIDENT_MANAGER,
  onsite: IncidentRole.ONSITE_TECHNICIAN,
  technician: IncidentRole.ONSITE_TECHNICIAN,
  expert: IncidentRole.DOMAIN_EXPERT,
  account: IncidentRole.ACCOUNT_TEAM,
  support: IncidentRole.SUPPORT_TEAM,
  tam: IncidentRole.TAM,
  custom: IncidentRole.CUSTOM,
};

/** Split into words, keeping "quoted phrases" (straight or Slack's curly quotes) together. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /(\w+:)?["“”]([^"“”]*)["“”]|\S+/g;
  for (const m of text.matchAll(re)) tokens.push(m[2] !== undefined ? (m[1] ?? '') + m[2] : m[0]);
  return tokens;
}

const enumValue = <E extends Record<string, string>>(
  e: E,
  word: string | undefined,
): E[keyof E] | undefined => {
  if (!word) return undefined;
  const key = word.toUpperCase().replace(/[-\s]/g, '_');
  return (Object.values(e) as string[]).includes(key) ? (key as E[keyof E]) : undefined;
};

export function parseRole(word: string | undefined): IncidentRole | undefined {
  if (!word) return undefined;
  return ROLE_ALIASES[word.toLowerCase()] ?? enumValue(IncidentRole, word);
}

/** A Slack user mention as Slack sends it: <@U123ABC> or <@U123ABC|name>. */
export function parseMention(word: string | undefined): string | undefined {
  return word?.match(/^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/)?.[1];
}

const list = (e: Record<string, string>) => Object.values(e).join(', ');

export function parseSlashCommand(text: string): Parsed {
  const trimmed = text.trim();
  const [verb = 'help', ...rest] = trimmed.split(/\s+/);
  const after = trimmed.slice(verb.length).trim();
  const fail = (message: string): Parsed => ({ ok: false, message: `${message}\nTry \`/incident help\`.` });
  const ok = (command: SlashCommand): Parsed => ({ ok: true, command });
  switch (verb.toLowerCase()) {
    case 'help':
    case '':
      return ok({ name: 'help' });
    case 'status':
      return ok({ name: 'status' });
    case 'declare': {
      const words: string[] = [];
      const options: Record<string, string[]> = {};
      for (const token of tokenize(after)) {
        const m = token.match(/^(client|site|impact|urgency|service):(.*)$/i);
        if (m) (options[m[1].toLowerCase()] ??= []).push(m[2]);
        else words.push(token);
      }
      const summary = words.join(' ').trim();
      if (!summary)
        return fail('`declare` needs a summary, e.g. `/incident declare Orders stuck at Clifton`.');
      const impact = options.impact && enumValue(ImpactLevel, options.impact[0]);
      if (options.impact && !impact)
        return fail(`impact "${options.impact[0]}" is not one of ${list(ImpactLevel)}.`);
      const urgency = options.urgency && enumValue(UrgencyLevel, options.urgency[0]);
      if (options.urgency && !urgency) {
        return fail(`urgency "${options.urgency[0]}" is not one of ${list(UrgencyLevel)}.`);
      }
      return ok({
        name: 'declare',
        summary,
        client: options.client?.[0]?.toLowerCase(),
        sites: (options.site ?? []).flatMap((s) => s.split(',')).filter(Boolean),
        impact: impact || undefined,
        urgency: urgency || undefined,
        service: options.service?.[0],
      });
    }
    case 'stage': {
      const stage = enumValue(Stage, rest[0]);
      if (!stage) return fail(`\`stage\` needs one of ${list(Stage)}.`);
      const note = after.slice(rest[0].length).trim();
      return ok({ name: 'stage', stage, note: note || undefined });
    }
    case 'priority': {
      const impact = enumValue(ImpactLevel, rest[0]);
      const urgency = enumValue(UrgencyLevel, rest[1]);
      if (!impact || !urgency) {
        return fail(
          `\`priority\` needs an impact (${list(ImpactLevel)}) and an urgency (${list(UrgencyLevel)}).`,
        );
      }
      const reason = rest.slice(2).join(' ').trim();
      return ok({ name: 'priority', impact, urgency, reason: reason || undefined });
    }
    case 'role':
    case 'handover': {
      const role = parseRole(rest[0]);
      const userId = parseMention(rest[1]);
      if (!role || !userId) {
        return fail(
          `\`${verb.toLowerCase()}\` needs a role and a person, e.g. \`/incident ${verb.toLowerCase()} im @alice\`.`,
        );
      }
      if (verb.toLowerCase() === 'handover') return ok({ name: 'handover', role, userId });
      const title = rest.slice(2).join(' ').trim();
      return ok({ name: 'role', role, userId, title: title || undefined });
    }
    case 'note':
      if (!after) return fail('`note` needs the text of the note.');
      return ok({ name: 'note', text: after });
    case 'update': {
      const external = /^external\b/i.test(after);
      const body = external
        ? after.replace(/^external\b/i, '').trim()
        : after.replace(/^internal\b/i, '').trim();
      const parts = body.split('|').map((p) => p.trim());
      if (parts.length !== 4 || parts.some((p) => !p)) {
        return fail(
          '`update` answers four questions, separated by `|`: what is the client impact | what is the known problem | what was tried | what happens next.',
        );
      }
      const [clientImpact, knownProblem, attempted, nextSteps] = parts;
      return ok({
        name: 'update',
        audience: external ? Audience.EXTERNAL : Audience.INTERNAL,
        clientImpact,
        knownProblem,
        attempted,
        nextSteps,
      });
    }
    case 'escalate': {
      const [team, ...reason] = tokenize(after);
      if (!team)
        return fail('`escalate` needs a team, e.g. `/incident escalate "Order Platform" orders stuck`.');
      return ok({ name: 'escalate', team, reason: reason.join(' ') || undefined });
    }
    default:
      return fail(`"${verb}" is not an /incident command.`);
  }
}
