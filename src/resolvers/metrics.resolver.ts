import { Arg, Ctx, Field, Float, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Priority } from '../domain/enums';
import {
  IncidentMetricsGroupBy,
  type DurationStats as DurationStatsValues,
  type IncidentMetricsGroup as IncidentMetricsGroupValues,
  type IncidentMetricsKey as IncidentMetricsKeyValues,
} from '../domain/incident/incident-metrics';
import { actorOf, type HubContext } from '../schema/context';
import { IncidentFilter } from '../schema/inputs';

@ObjectType({
  description:
    'Durations in seconds over the incidents of a group that have both timestamps; null when count is 0.',
})
export class DurationStats implements DurationStatsValues {
  @Field(() => Int, { description: 'Incidents of the group that have both timestamps.' })
  count: number;
  @Field(() => Int, { description: 'Incidents of the group lacking a timestamp this duration needs.' })
  missing: number;
  @Field(() => Float, { nullable: true, description: 'Mean.' })
  mean: number | null;
  @Field(() => Float, { nullable: true, description: 'Median (percentile_cont).' })
  p50: number | null;
  @Field(() => Float, { nullable: true, description: '90th percentile (percentile_cont).' })
  p90: number | null;
  @Field(() => Float, { nullable: true, description: '95th percentile (percentile_cont).' })
  p95: number | null;
  @Field(() => Float, { nullable: true, description: 'Longest.' })
  max: number | null;
}

@ObjectType({
  description: 'What a group of incidentMetrics is: the parts asked for in groupBy, the others null.',
})
export class IncidentMetricsKey implements IncidentMetricsKeyValues {
  @Field(() => String, { nullable: true })
  clientSlug: string | null;
  @Field(() => String, { nullable: true })
  clientName: string | null;
  @Field(() => String, { nullable: true })
  siteId: string | null;
  @Field(() => String, { nullable: true, description: 'The site location, e.g. "clifton-nj".' })
  siteName: string | null;
  @Field(() => ID, { nullable: true })
  serviceId: string | null;
  @Field(() => String, { nullable: true })
  serviceName: string | null;
  @Field(() => Priority, { nullable: true })
  priority: Priority | null;
  @Field(() => String, { nullable: true, description: 'Month of the declaration (UTC), e.g. "2026-03".' })
  month: string | null;
  @Field(() => String, { nullable: true, description: 'ISO week of the declaration (UTC), e.g. "2026-W09".' })
  week: string | null;
  @Field({ description: 'The key\'s parts joined with " · "; "All incidents" when groupBy is empty.' })
  label: string;
}

@ObjectType({ description: 'TTD, TTA and TTR of one group of incidents (CANCELLED left out).' })
export class IncidentMetricsGroup implements IncidentMetricsGroupValues {
  @Field(() => IncidentMetricsKey)
  key: IncidentMetricsKey;
  @Field(() => Int, { description: 'Incidents in the group.' })
  count: number;
  @Field(() => DurationStats, { description: 'Time to detect: detectedAt - impactStartedAt.' })
  ttd: DurationStats;
  @Field(() => DurationStats, { description: 'Time to acknowledge: acknowledgedAt - detectedAt.' })
  tta: DurationStats;
  @Field(() => DurationStats, { description: 'Time to recover: mitigatedAt - impactStartedAt.' })
  ttr: DurationStats;
}

@Resolver()
export class MetricsResolver {
  @Query(() => [IncidentMetricsGroup], {
    description:
      'TTD, TTA and TTR (count, mean, p50, p90, p95, max) of the incidents matching the filter, ' +
      'CANCELLED left out, per group sorted by key (VIEWER). An incident affecting two clients counts in both.',
  })
  incidentMetrics(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => IncidentFilter, { nullable: true }) filter?: IncidentFilter,
    @Arg('groupBy', () => [IncidentMetricsGroupBy], { defaultValue: [] })
    groupBy: IncidentMetricsGroupBy[] = [],
  ): Promise<IncidentMetricsGroup[]> {
    return ctx.hub.incidentMetrics.metrics(actorOf(ctx), filter ?? {}, groupBy);
  }
}
