// Slack's Block Kit rules for modal views, as the fake Slack checks views.open's `view`. The Web API
// OpenAPI file only says "a JSON-encoded string", so the rules are those of Slack's published
// reference: https://docs.slack.dev/reference/views/modal-views (the view object),
// https://docs.slack.dev/reference/block-kit/blocks (input, section, context, divider, header,
// actions), https://docs.slack.dev/reference/block-kit/block-elements (selects, inputs, radio
// buttons, buttons) and https://docs.slack.dev/reference/block-kit/composition-objects (text,
// option, option group). Each rule broken is one message naming where ("blocks[2].element...").

type Json = Record<string, unknown>;

const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'static_select',
  'multi_static_select',
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
  'radio_buttons',
  'checkboxes',
  'datepicker',
  'timepicker',
  'datetimepicker',
]);
const MODAL_BLOCKS = new Set(['input', 'section', 'context', 'divider', 'header', 'actions', 'image']);

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly errors: string[] = [];
  private readonly blockIds = new Set<string>();

  fail(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  text(path: string, value: unknown, max: number, plainOnly = false): void {
    if (!isObject(value)) return this.fail(path, 'must be a text object');
    if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn')) {
      return this.fail(`${path}.type`, plainOnly ? 'must be plain_text' : 'must be plain_text or mrkdwn');
    }
    if (typeof value.text !== 'string' || value.text.length === 0)
      return this.fail(`${path}.text`, 'required');
    if (value.text.length > max) this.fail(`${path}.text`, `at most ${max} characters`);
  }

  string(path: string, value: unknown, max: number, required = false): void {
    if (value === undefined && !required) return;
    if (typeof value !== 'string') return this.fail(path, 'must be a string');
    if (value.length > max) this.fail(path, `at most ${max} characters`);
  }

  option(path: string, value: unknown): void {
    if (!isObject(value)) return this.fail(path, 'must be an option object');
    this.text(`${path}.text`, value.text, 75);
    this.string(`${path}.value`, value.value, 150, true);
    if (value.description !== undefined) this.text(`${path}.description`, value.description, 75, true);
  }

  options(path: string, value: unknown, max: number): Json[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(path, 'must be a non-empty array');
      return [];
    }
    if (value.length > max) this.fail(path, `at most ${max} options`);
    value.forEach((o, i) => this.option(`${path}[${i}]`, o));
    return value as Json[];
  }

  select(path: string, e: Json): void {
    const external = String(e.type).includes('external');
    let all: Json[] = [];
    if (external) {
      if (e.options !== undefined || e.option_groups !== undefined) {
        this.fail(path, 'an external select takes no options (they come from block_suggestion)');
      }
    } else if ((e.options === undefined) === (e.option_groups === undefined)) {
      this.fail(path, 'needs exactly one of options and option_groups');
    } else if (e.options !== undefined) {
      all = this.options(`${path}.options`, e.options, 100);
    } else if (!Array.isArray(e.option_groups) || e.option_groups.length === 0) {
      this.fail(`${path}.option_groups`, 'must be a non-empty array');
    } else {
      if (e.option_groups.length > 100) this.fail(`${path}.option_groups`, 'at most 100 groups');
      e.option_groups.forEach((g: unknown, i) => {
        const p = `${path}.option_groups[${i}]`;
        if (!isObject(g)) return this.fail(p, 'must be an option group');
        this.text(`${p}.label`, g.label, 75, true);
        all.push(...this.options(`${p}.options`, g.options, 100));
      });
    }
    this.initial(path, e, all, external);
  }

  /** initial_option(s) must be among the options (for a static select). */
  initial(path: string, e: Json, all: Json[], external: boolean): void {
    const initial = [
      ...(e.initial_option !== undefined ? [e.initial_option] : []),
      ...(Array.isArray(e.initial_options) ? e.initial_options : []),
    ];
    for (const o of initial) {
      this.option(`${path}.initial_option`, o);
      if (!external && isObject(o) && !all.some((a) => a.value === o.value)) {
        this.fail(`${path}.initial_option`, `value "${String(o.value)}" is not among the options`);
      }
    }
  }

  element(path: string, e: unknown, input: boolean): void {
    if (!isObject(e)) return this.fail(path, 'must be an element object');
    const type = String(e.type);
    this.string(`${path}.action_id`, e.action_id, 255);
    if (e.placeholder !== undefined) this.text(`${path}.placeholder`, e.placeholder, 150, true);
    if (type === 'button') {
      if (input) this.fail(path, 'a button cannot be the element of an input block');
      this.text(`${path}.text`, e.text, 75, true);
      this.string(`${path}.value`, e.value, 2000);
      return;
    }
    if (!INPUT_ELEMENTS.has(type)) return this.fail(`${path}.type`, `unknown element type "${type}"`);
    if (type === 'plain_text_input') {
      for (const k of ['min_length', 'max_length'] as const) {
        const n = e[k];
        if (n !== undefined && (typeof n !== 'number' || n < 0 || n > 3000))
          this.fail(`${path}.${k}`, '0..3000');
      }
    } else if (type.endsWith('static_select') || type.endsWith('external_select')) {
      this.select(path, e);
    } else if (type === 'radio_buttons' || type === 'checkboxes') {
      const all = this.options(`${path}.options`, e.options, 10);
      this.initial(path, e, all, false);
    }
  }

  block(path: string, b: unknown): boolean {
    if (!isObject(b)) {
      this.fail(path, 'must be a block object');
      return false;
    }
    const type = String(b.type);
    if (!MODAL_BLOCKS.has(type)) this.fail(`${path}.type`, `"${type}" is not a block a modal can hold`);
    if (b.block_id !== undefined) {
      this.string(`${path}.block_id`, b.block_id, 255);
      if (this.blockIds.has(String(b.block_id))) this.fail(`${path}.block_id`, 'is used twice');
      this.blockIds.add(String(b.block_id));
    }
    if (type === 'input') {
      this.text(`${path}.label`, b.label, 2000, true);
      if (b.hint !== undefined) this.text(`${path}.hint`, b.hint, 2000, true);
      if (b.optional !== undefined && typeof b.optional !== 'boolean')
        this.fail(`${path}.optional`, 'boolean');
      this.element(`${path}.element`, b.element, true);
      return true;
    }
    if (type === 'section') {
      if (b.text === undefined && b.fields === undefined) this.fail(path, 'needs text or fields');
      if (b.text !== undefined) this.text(`${path}.text`, b.text, 3000);
      if (b.accessory !== undefined) this.element(`${path}.accessory`, b.accessory, false);
    } else if (type === 'header') {
      this.text(`${path}.text`, b.text, 150, true);
    } else if (type === 'context' || type === 'actions') {
      const max = type === 'context' ? 10 : 25;
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > max) {
        this.fail(`${path}.elements`, `1..${max} elements`);
      }
    }
    return false;
  }
}

/** Why Slack would refuse this modal view (views.open/views.push/views.update), or [] when it is valid. */
export function modalViewErrors(view: unknown): string[] {
  const c = new Checker();
  if (!isObject(view)) return ['view: must be a JSON object'];
  if (view.type !== 'modal') c.fail('view.type', 'must be "modal"');
  c.text('view.title', view.title, 24, true);
  if (view.close !== undefined) c.text('view.close', view.close, 24, true);
  if (view.submit !== undefined) c.text('view.submit', view.submit, 24, true);
  c.string('view.private_metadata', view.private_metadata, 3000);
  c.string('view.callback_id', view.callback_id, 255);
  c.string('view.external_id', view.external_id, 255);
  if (!Array.isArray(view.blocks)) return [...c.errors, 'view.blocks: must be an array'];
  if (view.blocks.length > 100) c.fail('view.blocks', 'at most 100 blocks');
  const hasInput = view.blocks.map((b, i) => c.block(`view.blocks[${i}]`, b)).some(Boolean);
  if (hasInput && view.submit === undefined) c.fail('view.submit', 'required when the view has input blocks');
  return c.errors;
}
