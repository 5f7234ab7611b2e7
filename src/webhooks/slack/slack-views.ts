// The Slack forms (modals, Block Kit JSON) behind `/incident declare` and `/incident update` with no
// arguments and behind the buttons, and the reading of what a person submitted in them. Pure: the
// catalogue in, a view out; a submission in, the domain input (or errors keyed by block) out.
// Slack's limits (https://docs.slack.dev/reference/block-kit/composition-objects): a select holds
// at most 100 options (or 100 option groups of 100); a list longer than that is served as an
// external_select whose options Slack asks for as the person types (block_suggestion).
import { Audience, ImpactLevel, IncidentRole, UrgencyLevel } from '../../domain/enums';
import { IMPACT_LABELS, ROLE_LABELS, URGENCY_LABELS } from '../../domain/labels';

export const SELECT_OPTION_LIMIT = 100;

export const CALLBACK = {
  declare: 'declare_incident',
  statusUpdate: 'status_update',
  takeRole: 'take_role',
} as const;

/** Every input's element has this action id; the block id says which field it is. */
export const VALUE = 'value';

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface Option {
  text: PlainText;
  value: string;
}
export interface OptionGroup {
  label: PlainText;
  options: Option[];
}
export type Block = Record<string, unknown> & { type: string; block_id?: string };
export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  private_metadata: string;
  blocks: Block[];
}

/** What the declare form offers: the catalogue, in the order it is shown. */
export interface DeclareCatalogue {
  clients: { slug: string; name: string }[];
  /** Sites with the slug of their client (the option groups). */
  sites: { siteId: string; location: string; clientSlug: string }[];
  services: { id: string; name: string }[];
  /** The client whose channel the command came from, chosen to begin with. */
  initialClientSlug?: string;
  /** What the form starts with when declaring from a monitoring alert. */
  initialSummary?: string;
  initialSiteIds?: readonly string[];
  initialServiceId?: string;
}

/** Where a form came from, carried in private_metadata (Slack gives it back on submission). */
export interface FormContext {
  /** The channel the command or button was used in (for replies only the person sees). */
  channelId?: string;
  incidentKey?: string;
  /** The monitoring alert the declare form was opened from (its Declare button). */
  alertId?: string;
}

const plain = (text: string): PlainText => ({ type: 'plain_text', text: text.slice(0, 75) });
export const option = (label: string, value: string): Option => ({ text: plain(label), value });

function modal(callbackId: string, title: string, submit: string, context: FormContext, blocks: Block[]) {
  const view: ModalView = {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title),
    submit: plain(submit),
    close: plain('Cancel'),
    private_metadata: JSON.stringify(context),
    blocks,
  };
  return view;
}

function input(blockId: string, label: string, element: Record<string, unknown>, optional = false): Block {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label),
    optional,
    element: { ...element, action_id: VALUE },
  };
}

/** A (multi) select over options: static up to Slack's 100, external (typed search) beyond. */
function picker(
  options: Option[],
  extra: { multi?: boolean; placeholder: string; initial?: Option },
): Record<string, unknown> {
  const kind = options.length > SELECT_OPTION_LIMIT ? 'external' : 'static';
  const element: Record<string, unknown> = {
    type: `${extra.multi ? 'multi_' : ''}${kind}_select`,
    placeholder: plain(extra.placeholder),
  };
  if (kind === 'static') element.options = options;
  else element.min_query_length = 1;
  if (extra.initial) element.initial_option = extra.initial;
  return element;
}

/** Sites grouped by client (each group at most 100, at most 100 groups), or external past that. */
function sitePicker(catalogue: DeclareCatalogue): Record<string, unknown> {
  const initial = siteOptions(catalogue).filter((o) => catalogue.initialSiteIds?.includes(o.value));
  const element = groupedSitePicker(catalogue);
  return initial.length ? { ...element, initial_options: initial } : element;
}

function groupedSitePicker(catalogue: DeclareCatalogue): Record<string, unknown> {
  const groups = new Map<string, Option[]>();
  for (const site of catalogue.sites) {
    const group = groups.get(site.clientSlug) ?? [];
    group.push(option(`${site.siteId} · ${site.location}`, site.siteId));
    groups.set(site.clientSlug, group);
  }
  const fits =
    groups.size <= SELECT_OPTION_LIMIT && [...groups.values()].every((g) => g.length <= SELECT_OPTION_LIMIT);
  if (!fits) return picker(siteOptions(catalogue), { multi: true, placeholder: 'Type a site id' });
  return {
    type: 'multi_static_select',
    placeholder: plain('Sites (MFCs) affected'),
    option_groups: [...groups].map(([slug, options]) => ({ label: plain(slug), options })),
  };
}

export const clientOptions = (c: DeclareCatalogue): Option[] =>
  c.clients.map((client) => option(`${client.name} (${client.slug})`, client.slug));
export const siteOptions = (c: DeclareCatalogue): Option[] =>
  c.sites.map((site) => option(`${site.siteId} · ${site.location}`, site.siteId));
export const serviceOptions = (c: DeclareCatalogue): Option[] =>
  c.services.map((service) => option(service.name, service.id));

const impactOptions = () => Object.values(ImpactLevel).map((l) => option(IMPACT_LABELS[l], l));
const urgencyOptions = () => Object.values(UrgencyLevel).map((l) => option(URGENCY_LABELS[l], l));

export function declareView(catalogue: DeclareCatalogue, context: FormContext): ModalView {
  const clients = clientOptions(catalogue);
  const impact = impactOptions();
  const urgency = urgencyOptions();
  const initialClient = clients.find((o) => o.value === catalogue.initialClientSlug);
  const blocks: Block[] = [
    input('summary', 'Summary', {
      type: 'plain_text_input',
      max_length: 200,
      placeholder: plain('Orders stuck at Clifton'),
      ...(catalogue.initialSummary ? { initial_value: catalogue.initialSummary.slice(0, 200) } : {}),
    }),
    input('client', 'Client', picker(clients, { placeholder: 'Affected client', initial: initialClient })),
  ];
  if (catalogue.sites.length) blocks.push(input('sites', 'Sites', sitePicker(catalogue), true));
  if (catalogue.services.length) {
    const services = serviceOptions(catalogue);
    const initial = services.find((o) => o.value === catalogue.initialServiceId);
    blocks.push(
      input('service', 'Faulty service', picker(services, { placeholder: 'Unknown', initial }), true),
    );
  }
  blocks.push(
    input('impact', 'Client impact', {
      type: 'static_select',
      options: impact,
      initial_option: impact.find((o) => o.value === ImpactLevel.MODERATE),
    }),
    input('urgency', 'Client urgency', {
      type: 'static_select',
      options: urgency,
      initial_option: urgency.find((o) => o.value === UrgencyLevel.HIGH),
    }),
  );
  return modal(CALLBACK.declare, 'Declare an incident', 'Declare', context, blocks);
}

/** The four questions of a status update, in the order the handbook asks them. */
export const STATUS_QUESTIONS = [
  ['client_impact', 'What is the client impact?'],
  ['known_problem', 'What is the known problem?'],
  ['attempted', 'What was tried?'],
  ['next_steps', 'What happens next?'],
] as const;

export function statusUpdateView(incidentKey: string, context: FormContext): ModalView {
  const audiences = [
    option('Internal (the team)', Audience.INTERNAL),
    option('External (the client)', Audience.EXTERNAL),
  ];
  return modal(CALLBACK.statusUpdate, 'Status update', 'Post', { ...context, incidentKey }, [
    { type: 'section', text: { type: 'mrkdwn', text: `Status update on *${incidentKey}*` } },
    ...STATUS_QUESTIONS.map(([id, label]) =>
      input(id, label, { type: 'plain_text_input', multiline: true, max_length: 3000 }),
    ),
    input('audience', 'Audience', {
      type: 'radio_buttons',
      options: audiences,
      initial_option: audiences[0],
    }),
  ]);
}

/** The roles a person can take for themselves (a custom role needs a title: `/incident role`). */
export function takeRoleView(incidentKey: string, context: FormContext): ModalView {
  const roles = Object.values(IncidentRole)
    .filter((r) => r !== IncidentRole.CUSTOM)
    .map((r) => option(ROLE_LABELS[r], r));
  return modal(CALLBACK.takeRole, 'Take a role', 'Take it', { ...context, incidentKey }, [
    { type: 'section', text: { type: 'mrkdwn', text: `Which role do you take on *${incidentKey}*?` } },
    input('role', 'Role', { type: 'static_select', options: roles }),
  ]);
}

// ---- submissions -----------------------------------------------------------------------------------

/** One input's state as Slack sends it in view.state.values[block_id][action_id]. */
export interface InputState {
  type: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}
export type StateValues = Record<string, Record<string, InputState>>;

export type Errors = Record<string, string>;
export type Read<T> = { ok: true; value: T } | { ok: false; errors: Errors };

const field = (values: StateValues, blockId: string): InputState | undefined => values[blockId]?.[VALUE];
const text = (values: StateValues, blockId: string) => field(values, blockId)?.value?.trim() ?? '';
const selected = (values: StateValues, blockId: string) => field(values, blockId)?.selected_option?.value;

export interface DeclareForm {
  summary: string;
  clientSlug: string;
  siteIds: string[];
  serviceId?: string;
  impact: ImpactLevel;
  urgency: UrgencyLevel;
}

export function readDeclare(values: StateValues): Read<DeclareForm> {
  const errors: Errors = {};
  const summary = text(values, 'summary');
  if (!summary) errors.summary = 'Say what is wrong, e.g. "Orders stuck at Clifton".';
  const clientSlug = selected(values, 'client');
  if (!clientSlug) errors.client = 'Choose the affected client.';
  const impact = selected(values, 'impact') as ImpactLevel | undefined;
  if (!impact || !(impact in IMPACT_LABELS)) errors.impact = 'Choose one of the impact levels.';
  const urgency = selected(values, 'urgency') as UrgencyLevel | undefined;
  if (!urgency || !(urgency in URGENCY_LABELS)) errors.urgency = 'Choose one of the urgency levels.';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      summary,
      clientSlug: clientSlug!,
      siteIds: (field(values, 'sites')?.selected_options ?? []).map((o) => o.value),
      serviceId: selected(values, 'service'),
      impact: impact!,
      urgency: urgency!,
    },
  };
}

export interface StatusUpdateForm {
  audience: Audience;
  clientImpact: string;
  knownProblem: string;
  attempted: string;
  nextSteps: string;
}

export function readStatusUpdate(values: StateValues): Read<StatusUpdateForm> {
  const errors: Errors = {};
  for (const [id, question] of STATUS_QUESTIONS) {
    if (!text(values, id)) errors[id] = `Answer "${question}"`;
  }
  const audience = selected(values, 'audience');
  if (audience !== Audience.INTERNAL && audience !== Audience.EXTERNAL) {
    errors.audience = 'Choose Internal or External.';
  }
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      audience: audience as Audience,
      clientImpact: text(values, 'client_impact'),
      knownProblem: text(values, 'known_problem'),
      attempted: text(values, 'attempted'),
      nextSteps: text(values, 'next_steps'),
    },
  };
}

export function readRole(values: StateValues): Read<IncidentRole> {
  const role = selected(values, 'role');
  if (!role || !(role in ROLE_LABELS) || role === IncidentRole.CUSTOM) {
    return { ok: false, errors: { role: 'Choose a role.' } };
  }
  return { ok: true, value: role as IncidentRole };
}

/** The block a domain error's field belongs to, so the form can show it there. */
export const BLOCK_OF_FIELD: Readonly<Record<string, string>> = {
  summary: 'summary',
  affectedClientSlugs: 'client',
  affectedSiteIds: 'sites',
  faultyServiceId: 'service',
  clientImpactLevel: 'impact',
  clientUrgencyLevel: 'urgency',
  clientImpact: 'client_impact',
  knownProblem: 'known_problem',
  attempted: 'attempted',
  nextSteps: 'next_steps',
  audience: 'audience',
  role: 'role',
};

export function parseContext(privateMetadata: string | undefined): FormContext {
  try {
    const parsed = JSON.parse(privateMetadata || '{}') as FormContext;
    return typeof parsed === 'object' && parsed ? parsed : {};
  } catch {
    return {};
  }
}
