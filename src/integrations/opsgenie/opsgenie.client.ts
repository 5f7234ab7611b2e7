// The Opsgenie adapter (HTTP, Alert API v2). An open alert with the incident key as alias is
// reused rather than duplicated, so a page repeated after a lost answer pages once; a repeat also
// reuses the alert it made when that one was closed meanwhile (see page).
import { httpFailure, IntegrationError } from '../integration-error';
import type { AlertState, OnCallPager } from './opsgenie.port';

/** Aliases per list query (the query stays short; a page holds 100 alerts). */
const ALIASES_PER_QUERY = 50;
/**
 * How far Opsgenie's clock may be behind the hub's database (an effect's planning time) when an
 * alert made by an earlier try of a page is told from an older one with the same alias.
 */
const CLOCK_SKEW_MS = 60_000;

interface Envelope<T> {
  data?: T;
}

export class OpsgenieClient implements OnCallPager {
  constructor(private readonly options: { apiUrl: string; apiKey: string; timeoutMs: number }) {}

  async page(
    request: Parameters<OnCallPager['page']>[0],
    earlier?: Parameters<OnCallPager['page']>[1],
  ): Promise<{ alertId: string }> {
    const reused = await this.reusable(request.alias, earlier?.since);
    if (reused) return { alertId: reused };
    const accepted = (await this.call('POST', '/v2/alerts', {
      alias: request.alias,
      message: request.message,
      description: request.description,
      tags: request.tags,
      // Opsgenie names a user by username, a team or schedule by name.
      responders: request.responders.map((r) =>
        r.type === 'user' ? { type: r.type, username: r.name } : { type: r.type, name: r.name },
      ),
      priority: request.priority,
    })) as { requestId: string };
    // Creation is asynchronous: the outcome (and the alert id) comes from the request status.
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        const status = (await this.call(
          'GET',
          `/v2/alerts/requests/${encodeURIComponent(accepted.requestId)}`,
        )) as Envelope<{
          success: boolean;
          alertId?: string;
        }>;
        if (status.data?.alertId) return { alertId: status.data.alertId };
      } catch (err) {
        if (!(err instanceof IntegrationError && err.kind === 'NOT_FOUND')) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
    const created = await this.alertByAlias(request.alias);
    if (created?.status === 'open') return { alertId: created.id };
    throw new IntegrationError('OPSGENIE', 'UNAVAILABLE', 'alert creation not confirmed yet');
  }

  async earlierAlert(alias: string, since: Date): Promise<string | null> {
    return this.reusable(alias, since);
  }

  /**
   * The alert a page reuses rather than create one: the alias's open alert, or, after an earlier
   * try (`since`), the latest alert made since then even when closed. Opsgenie de-duplicates a
   * create by alias only while the alert is open: once closed (the incident mitigated before this
   * repeat ran), a create pages again. Get Alert by alias answers the latest alert, open or closed.
   */
  private async reusable(alias: string, since: Date | undefined): Promise<string | null> {
    const found = await this.alertByAlias(alias);
    if (found?.status === 'open') return found.id;
    if (found && since && Date.parse(found.createdAt) >= since.getTime() - CLOCK_SKEW_MS) return found.id;
    return null;
  }

  async close(alias: string, note: string): Promise<void> {
    if ((await this.alertByAlias(alias))?.status !== 'open') return; // already closed, or never opened
    await this.call('POST', `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`, { note });
  }

  async setPriority(alias: string, priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'): Promise<void> {
    await this.call('PUT', `/v2/alerts/${encodeURIComponent(alias)}/priority?identifierType=alias`, {
      priority,
    });
  }

  async nextOnCall(schedule: string): Promise<string[]> {
    const found = (await this.call(
      'GET',
      `/v2/schedules/${encodeURIComponent(schedule)}/next-on-calls?scheduleIdentifierType=name&flat=true`,
    )) as Envelope<{ nextOnCallParticipants?: string[]; exactNextOnCallParticipants?: string[] }>;
    return found.data?.exactNextOnCallParticipants ?? found.data?.nextOnCallParticipants ?? [];
  }

  async listAlerts(aliases: readonly string[]): Promise<AlertState[]> {
    const latest = new Map<string, AlertState>();
    const unique = [...new Set(aliases)].filter((a) => /^[A-Za-z0-9_.:-]{1,512}$/.test(a));
    for (let i = 0; i < unique.length; i += ALIASES_PER_QUERY) {
      const query = `alias:(${unique.slice(i, i + ALIASES_PER_QUERY).join(' OR ')})`;
      const found = (await this.call(
        'GET',
        `/v2/alerts?query=${encodeURIComponent(query)}&limit=100&sort=createdAt&order=desc`,
      )) as Envelope<
        {
          id: string;
          alias: string;
          status: string;
          acknowledged?: boolean;
          priority?: string;
          owner?: string;
          updatedAt?: string;
        }[]
      >;
      // Newest first: the first alert seen of an alias is its current one.
      for (const a of found.data ?? []) {
        if (latest.has(a.alias)) continue;
        latest.set(a.alias, {
          alertId: a.id,
          alias: a.alias,
          status: a.status === 'closed' ? 'closed' : 'open',
          acknowledged: !!a.acknowledged,
          priority: a.priority ?? null,
          owner: a.owner || null,
          updatedAt: a.updatedAt ? new Date(a.updatedAt) : null,
        });
      }
    }
    return [...latest.values()];
  }

  /** The alert with this alias: the open one, else the latest (closed); null when there is none. */
  private async alertByAlias(
    alias: string,
  ): Promise<{ id: string; status: string; createdAt: string } | null> {
    try {
      const found = (await this.call(
        'GET',
        `/v2/alerts/${encodeURIComponent(alias)}?identifierType=alias`,
      )) as Envelope<{ id: string; status: string; createdAt: string }>;
      return found.data ?? null;
    } catch (err) {
      if (err instanceof IntegrationError && err.kind === 'NOT_FOUND') return null;
      throw err;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.options.apiUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          authorization: `GenieKey ${this.options.apiKey}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch {
      throw new IntegrationError('OPSGENIE', 'UNAVAILABLE', 'request failed (timeout or connection lost)');
    }
    if (res.ok) return res.json();
    await res.body?.cancel();
    throw httpFailure('OPSGENIE', res.status, res.headers.get('retry-after'));
  }
}
