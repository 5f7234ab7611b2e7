// incidentMetrics(groupBy: [CLIENT, MONTH]) over the data set's 5,000 incidents: through the hub
// (HTTP, GraphQL, access, TypeORM) against its one SQL statement sent through pg alone.
import { Client as PgClient } from 'pg';
import { IncidentMetricsGroupBy } from '../src/domain/incident/incident-metrics';
import { databaseLabel, gql, timed } from './context';
import { alternate, figure, row, type Scenario } from './harness';

const ROUNDS = 7;
const GROUP_BY = [IncidentMetricsGroupBy.CLIENT, IncidentMetricsGroupBy.MONTH];
const STATS = 'count missing mean p50 p90 p95 max';
const QUERY = `{ incidentMetrics(groupBy: [${GROUP_BY.join(', ')}]) {
  key { label clientSlug month } count ttd { ${STATS} } tta { ${STATS} } ttr { ${STATS} } } }`;

export const metrics: Scenario = async (ctx) => {
  const { hub } = ctx;
  const { sql, parameters } = hub.services.incidentMetrics.statement({}, GROUP_BY);
  const pg = new PgClient({ connectionString: ctx.databaseUrl });
  await pg.connect();
  try {
    let groups = 0;
    const viaHub = async () => {
      const { data } = await gql<{ incidentMetrics: unknown[] }>(ctx, QUERY);
      groups = data.incidentMetrics.length;
    };
    const viaPg = async () => {
      const { rowCount } = await pg.query(sql, parameters);
      if (!rowCount) throw new Error('bench: the metrics statement found no incidents');
    };
    // the statements of one request, less the token lookup every request makes
    const counted = await hub.database.queries.measure(viaHub);
    const statements = counted.sql.filter((q) => !/FROM "api_token"/.test(q)).length;
    const { a, b } = await alternate(
      ROUNDS,
      () => timed(viaHub),
      () => timed(viaPg),
    );
    return [
      row({
        name: 'metrics',
        what: `incidentMetrics(groupBy: [${GROUP_BY.join(', ')}]) over the data set, ${groups} groups`,
        database: await databaseLabel(ctx),
        hub: figure('GraphQL over HTTP', 'ms', a),
        baseline: figure('the same SQL through pg alone', 'ms', b),
        extra: { statementsPerRequest: statements },
      }),
    ];
  } finally {
    await pg.end();
  }
};
