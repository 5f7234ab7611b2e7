// The Slack forms as data: each view the hub opens passes Block Kit's rules (as the fake Slack
// checks them), a catalogue past Slack's 100 options per select is searched instead of listed,
// and a submission reads into the domain's input or into errors keyed by block.
import {
  declareView,
  readDeclare,
  readStatusUpdate,
  statusUpdateView,
  takeRoleView,
  type DeclareCatalogue,
} from '../../src/webhooks/slack/slack-views';
import { modalViewErrors } from '../support/fakes/slack-block-kit';

const small: DeclareCatalogue = {
  clients: [
    { slug: 'albertsons', name: 'Albertsons' },
    { slug: 'wakefern', name: 'Wakefern' },
  ],
  sites: [
    { siteId: 'ab0001', location: 'dallas-tx', clientSlug: 'albertsons' },
    { siteId: 'wf0001', location: 'clifton-nj', clientSlug: 'wakefern' },
  ],
  services: [{ id: 'svc-1', name: 'Order Sync' }],
  initialClientSlug: 'wakefern',
};

const many = (n: number) => Array.from({ length: n }, (_, i) => String(i).padStart(4, '0'));
const big: DeclareCatalogue = {
  clients: many(150).map((i) => ({ slug: `client-${i}`, name: `Client ${i}` })),
  sites: many(150).map((i) => ({ siteId: `s${i}`, location: 'somewhere', clientSlug: 'client-0000' })),
  services: many(101).map((i) => ({ id: `svc-${i}`, name: `Service ${i}` })),
};

type Element = Record<string, unknown> & { type: string };
const elementOf = (view: { blocks: Record<string, unknown>[] }, blockId: string) =>
  view.blocks.find((b) => b.block_id === blockId)?.element as Element;

describe('Slack forms', () => {
  it('builds views that keep Block Kit rules', () => {
    const context = { channelId: 'C1' };
    for (const view of [
      declareView(small, context),
      declareView(big, context),
      statusUpdateView('albertsons-incident-1', context),
      takeRoleView('albertsons-incident-1', context),
    ]) {
      expect(modalViewErrors(view)).toEqual([]);
    }
    expect(elementOf(declareView(small, context), 'client').initial_option).toMatchObject({
      value: 'wakefern',
    });
  });

  it('lists up to 100 options and searches past that (external selects)', () => {
    const view = declareView(big, {});
    expect(elementOf(view, 'client').type).toBe('external_select');
    expect(elementOf(view, 'sites').type).toBe('multi_external_select');
    expect(elementOf(view, 'service').type).toBe('external_select');
    expect(elementOf(view, 'client').options).toBeUndefined();
    const fits = declareView(small, {});
    expect(elementOf(fits, 'client').type).toBe('static_select');
    expect(elementOf(fits, 'sites')).toMatchObject({ type: 'multi_static_select' });
    expect((elementOf(fits, 'sites').option_groups as unknown[]).length).toBe(2);
  });

  it('refuses, as Slack would, a view that breaks the rules', () => {
    const view = declareView(small, {});
    const broken = {
      ...view,
      title: { type: 'plain_text', text: 'A title far longer than Slack allows' },
      submit: undefined,
      blocks: [
        ...view.blocks,
        {
          type: 'input',
          block_id: 'summary',
          label: { type: 'plain_text', text: 'Again' },
          element: {
            type: 'static_select',
            action_id: 'value',
            options: many(101).map((i) => ({ text: { type: 'plain_text', text: i }, value: i })),
            initial_option: { text: { type: 'plain_text', text: 'x' }, value: 'x' },
          },
        },
        { type: 'rich_text_box' },
      ],
    };
    expect(modalViewErrors(broken)).toEqual([
      'view.title.text: at most 24 characters',
      'view.blocks[6].block_id: is used twice',
      'view.blocks[6].element.options: at most 100 options',
      'view.blocks[6].element.initial_option: value "x" is not among the options',
      'view.blocks[7].type: "rich_text_box" is not a block a modal can hold',
      'view.submit: required when the view has input blocks',
    ]);
  });

  it('reads a submission into the domain input, or errors by block', () => {
    const values = {
      summary: { value: { type: 'plain_text_input', value: ' Orders stuck ' } },
      client: { value: { type: 'static_select', selected_option: { value: 'wakefern' } } },
      sites: { value: { type: 'multi_static_select', selected_options: [{ value: 'wf0001' }] } },
      service: { value: { type: 'static_select', selected_option: null } },
      impact: { value: { type: 'static_select', selected_option: { value: 'MINOR' } } },
      urgency: { value: { type: 'static_select', selected_option: { value: 'LOW' } } },
    };
    expect(readDeclare(values)).toEqual({
      ok: true,
      value: {
        summary: 'Orders stuck',
        clientSlug: 'wakefern',
        siteIds: ['wf0001'],
        serviceId: undefined,
        impact: 'MINOR',
        urgency: 'LOW',
      },
    });
    expect(readStatusUpdate({})).toEqual({
      ok: false,
      errors: {
        client_impact: 'Answer "What is the client impact?"',
        known_problem: 'Answer "What is the known problem?"',
        attempted: 'Answer "What was tried?"',
        next_steps: 'Answer "What happens next?"',
        audience: 'Choose Internal or External.',
      },
    });
  });
});
