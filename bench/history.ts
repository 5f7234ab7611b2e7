// A change (changeStage, then addNote, over HTTP) on a data-set incident with 5,000 earlier
// effects in its outbox (of the actions every change plans) and 5,000 timeline entries, against the same change on one with none (issue 15 item 3: a write's
// cost must not grow with the incident's history).
import { Stage } from '../src/domain/enums';
import { databaseLabel, gql, timed } from './context';
import { movableIncidents } from './dataset';
import { alternate, figure, row, type BenchContext, type Scenario } from './harness';

const EFFECTS = 5_000;
const ROUNDS = 15;
const CHANGE_STAGE = 'mutation ($input: ChangeStageInput!) { changeStage(input: $input) { key stage } }';
const ADD_NOTE = 'mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }';

/** Moves an incident back and forth (INVESTIGATING <-> IDENTIFIED), then adds a note. */
export function changer(ctx: BenchContext, incidents: readonly { key: string; stage: Stage }[]) {
  const stages = new Map(incidents.map((i) => [i.key, i.stage]));
  return async (key: string) => {
    const stage = stages.get(key) === Stage.INVESTIGATING ? Stage.IDENTIFIED : Stage.INVESTIGATING;
    stages.set(key, stage);
    await gql(ctx, CHANGE_STAGE, { input: { incidentKey: key, stage } });
    await gql(ctx, ADD_NOTE, { input: { incidentKey: key, text: 'Still looking' } });
  };
}

export const history: Scenario = async (ctx) => {
  const ds = ctx.hub.database.dataSource;
  // the last two movable incidents: the load run takes the oldest ones
  const movable = await movableIncidents(ds, 10_000);
  const [long, fresh] = movable.slice(-2);
  if (!fresh) throw new Error('bench: the data set has fewer than 2 incidents a change can move');
  await ds.query(`DELETE FROM integration_effect WHERE incident_id IN ($1, $2)`, [long.id, fresh.id]);
  // The history a long incident really has: the effects its changes made (the actions every
  // change plans, the ones it reads back among them) and a timeline entry per change, in order.
  await ds.query(
    `INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state, created_at)
     SELECT $1::uuid, upper(split_part(a, '.', 1))::external_system, a, 'bench-history:' || n, '{}'::jsonb, 'DONE',
            now() - interval '1 day' + n * interval '1 second'
       FROM generate_series(1, ${EFFECTS}) n,
            LATERAL (SELECT (ARRAY['slack.card', 'slack.updateTopic', 'slack.post', 'jira.transition',
                                   'jira.storyLine', 'statuspage.update'])[1 + n % 6] AS a) x`,
    [long.id],
  );
  await ds.query(
    `INSERT INTO timeline_entry (incident_id, kind, occurred_at, text, data)
     SELECT $1::uuid, 'NOTE', now() - interval '1 day' + n * interval '1 second', 'Earlier note ' || n, '{}'::jsonb
       FROM generate_series(1, ${EFFECTS}) n`,
    [long.id],
  );
  await ds.query('ANALYZE integration_effect');
  await ds.query('ANALYZE timeline_entry');
  const change = changer(ctx, [long, fresh]);
  const statements = async (key: string) =>
    (await ctx.hub.database.queries.measure(() => change(key))).sql.filter((q) => !/FROM "api_token"/.test(q))
      .length;
  const statementsPerChange = {
    withHistory: await statements(long.key),
    withoutHistory: await statements(fresh.key),
  };
  const { a, b } = await alternate(
    ROUNDS,
    () => timed(() => change(long.key)),
    () => timed(() => change(fresh.key)),
  );
  return [
    row({
      name: 'history',
      what: `changeStage + addNote over HTTP on an incident with ${EFFECTS.toLocaleString('en')} earlier effects and timeline entries`,
      database: await databaseLabel(ctx),
      hub: figure(`${EFFECTS} earlier effects`, 'ms', a),
      baseline: figure('no earlier effect', 'ms', b),
      extra: { statementsPerChange },
    }),
  ];
};
