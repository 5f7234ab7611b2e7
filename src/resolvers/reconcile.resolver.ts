// Reconciliation in the API: an external record's live state and drift (read from the vendor,
// batched per request), and reconcileIncident.
import { GraphQLError } from 'graphql';
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { driftKey } from '../domain/reconcile/drift';
import type { ReconciledSystem } from '../domain/reconcile/policy';
import { ExternalRecord } from '../entities';
import { IntegrationError } from '../integrations/integration-error';
import { Drift, LiveState, ReconciliationReport } from '../integrations/reconcile/reconcile.types';
import { type LiveRead, type LiveReader, toDrift } from '../integrations/reconcile/reconciler';
import { actorOf, type HubContext } from '../schema/context';

const RECONCILED: ReadonlySet<string> = new Set<ReconciledSystem>(['JIRA', 'OPSGENIE', 'ZENDESK']);

/** A vendor that failed: the field is null and the error names the system (the path is the field's). */
function vendorUnavailable(system: string, err: unknown): GraphQLError {
  if (!(err instanceof IntegrationError)) return err as GraphQLError;
  return new GraphQLError(`${system} could not be read now (${err.kind.toLowerCase()})`, {
    extensions: { code: 'VENDOR_UNAVAILABLE', system, retryable: err.retryable, reason: err.kind },
  });
}

/** Reads through the request's loaders (one batched call per vendor for the whole request). */
function loaderReader(ctx: HubContext): LiveReader {
  return async (system, ids) => {
    const answers = await ctx.loaders.live[system].loadMany(ids);
    const found = new Map<string, LiveRead>();
    answers.forEach((a, i) => {
      if (a instanceof Error) throw a;
      if (a) found.set(ids[i], a);
    });
    return found;
  };
}

@Resolver(() => ExternalRecord)
export class ReconcileResolver {
  @FieldResolver(() => LiveState, {
    nullable: true,
    description:
      "The record as the vendor's API answers now (Jira, Opsgenie and Zendesk; null for other systems, a record not created yet, or a vendor that failed: then errors[] names the system, with extensions.code VENDOR_UNAVAILABLE).",
  })
  async live(@Root() record: ExternalRecord, @Ctx() ctx: HubContext): Promise<LiveState | null> {
    const id = await this.recordId(record, ctx);
    if (!id) return null;
    try {
      const found = await ctx.loaders.live[record.system as ReconciledSystem].load(id);
      if (!found) return null;
      const { status, priority, assignee, updatedAt } = found;
      return { status, priority, assignee, updatedAt };
    } catch (err) {
      throw vendorUnavailable(record.system, err);
    }
  }

  @FieldResolver(() => [Drift], {
    nullable: true,
    description:
      "Each field on which the hub and this vendor's records (the incident's record, its action items' issues, its linked tickets) differ, with its owner; empty when they agree; null when the vendor failed (see live).",
  })
  async drift(@Root() record: ExternalRecord, @Ctx() ctx: HubContext): Promise<Drift[] | null> {
    if (!RECONCILED.has(record.system) || !ctx.hub.reconciler.reads(record.system as ReconciledSystem))
      return [];
    const [side, pending, open] = await Promise.all([
      ctx.loaders.reconcileSide.load(record.incidentId),
      ctx.loaders.pendingActions.load(record.incidentId),
      ctx.loaders.openDrifts.load(record.incidentId),
    ]);
    if (!side) return [];
    const system = record.system as ReconciledSystem;
    let failure: unknown;
    const read: LiveReader = async (s, ids) => {
      try {
        return await loaderReader(ctx)(s, ids);
      } catch (err) {
        failure = err;
        throw err;
      }
    };
    const assessment = await ctx.hub.reconciler.assess(side, pending, read, system);
    if (assessment.unavailable.has(system)) throw vendorUnavailable(system, failure);
    const seen = new Map(open.map((o) => [o.driftKey, o.foundAt]));
    const now = new Date();
    return assessment.drifts.map((d) => toDrift(d, seen.get(driftKey(d)) ?? now));
  }

  @Mutation(() => ReconciliationReport, {
    description:
      "Compare the incident's records with the vendors' (INCIDENT_MANAGER, or a role on the incident): every drift, with its owner; with apply, each repaired in the policy's direction (the hub's value sent out as an effect, or the vendor's taken in with a RECONCILIATION entry). A second apply finds nothing new to do.",
  })
  reconcileIncident(
    @Arg('incidentKey', { description: 'The incident, by its key (at most 120 characters).' })
    incidentKey: string,
    @Arg('apply', () => Boolean, {
      nullable: true,
      defaultValue: false,
      description: "Repair each drift in its owner's direction (false: only report).",
    })
    apply: boolean | null,
    @Ctx() ctx: HubContext,
  ): Promise<ReconciliationReport> {
    return ctx.hub.reconciler.reconcileIncident(actorOf(ctx), incidentKey, apply ?? undefined);
  }

  /** The record's id at its vendor: the issue key, the alert alias (the incident key), the ticket id. */
  private async recordId(record: ExternalRecord, ctx: HubContext): Promise<string | null> {
    if (!RECONCILED.has(record.system) || !record.externalId) return null;
    if (record.system !== 'OPSGENIE') return record.externalId;
    return (await ctx.loaders.incident.load(record.incidentId))?.key ?? null;
  }
}
