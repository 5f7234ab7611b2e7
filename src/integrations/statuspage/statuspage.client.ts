// The Statuspage adapter (HTTP). The page's incident carries an opaque hub reference in its
// metadata, so a retried create finds the earlier one; neither the key nor any client is named.
import { httpFailure, IntegrationError } from '../integration-error';
import type { StatusPage } from './statuspage.port';

interface PageIncident {
  id: string;
  shortlink?: string;
  metadata?: { incident_hub?: { reference?: string } };
}

export class StatuspageClient implements StatusPage {
  constructor(
    private readonly options: { apiUrl: string; apiKey: string; pageId: string; timeoutMs: number },
  ) {}

  async ensureIncident(request: { reference: string; name: string; status: string; body: string }) {
    const open = (await this.call('GET', '/incidents/unresolved')) as PageIncident[];
    const existing = open.find((i) => i.metadata?.incident_hub?.reference === request.reference);
    if (existing) return { incidentId: existing.id, url: existing.shortlink ?? '' };
    const created = (await this.call('POST', '/incidents', {
      incident: {
        name: request.name,
        status: request.status,
        body: request.body,
        metadata: { incident_hub: { reference: request.reference } },
      },
    })) as PageIncident;
    return { incidentId: created.id, url: created.shortlink ?? '' };
  }

  async update(request: { incidentId: string; status: string; body: string }): Promise<void> {
    await this.call('PATCH', `/incidents/${encodeURIComponent(request.incidentId)}`, {
      incident: { status: request.status, body: request.body },
    });
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const base = this.options.apiUrl.replace(/\/+$/, '');
    let res: Response;
    try {
      res = await fetch(`${base}/pages/${encodeURIComponent(this.options.pageId)}${path}`, {
        method,
        headers: {
          authorization: `OAuth ${this.options.apiKey}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch {
      throw new IntegrationError('STATUSPAGE', 'UNAVAILABLE', 'request failed (timeout or connection lost)');
    }
    if (res.ok) return res.json();
    await res.body?.cancel();
    throw httpFailure('STATUSPAGE', res.status, res.headers.get('retry-after'), [420, 429]);
  }
}
