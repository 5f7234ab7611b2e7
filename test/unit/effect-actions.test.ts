// typedEffect: the one place a stored effect's JSON payload is checked against its action.
import { EffectState, ExternalSystem } from '../../src/domain/enums';
import type { IntegrationEffect } from '../../src/entities';
import { EFFECT_PAYLOADS, typedEffect } from '../../src/integrations/effects/effect-actions';
import { IntegrationError } from '../../src/integrations/integration-error';

const stored = (action: string, payload: Record<string, unknown>): IntegrationEffect => ({
  id: 'e1',
  incidentId: 'i1',
  system: ExternalSystem.SLACK,
  action,
  dedupeKey: `k:${action}`,
  payload,
  state: EffectState.PENDING,
  attempts: 0,
  lastError: null,
  result: null,
  batchId: null,
  claimedUntil: null,
  claimedBy: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

const failure = (run: () => unknown): IntegrationError => {
  try {
    run();
  } catch (err) {
    if (err instanceof IntegrationError) return err;
    throw err;
  }
  throw new Error('expected an IntegrationError');
};

describe('typedEffect', () => {
  it('gives back the effect with its payload as the action has it', () => {
    const effect = typedEffect(
      stored('slack.post', { text: 'Stage: A → *B*', ref: 'ref 1', extra: 'dropped' }),
      ExternalSystem.SLACK,
    );
    expect(effect).toMatchObject({ id: 'e1', dedupeKey: 'k:slack.post', action: 'slack.post' });
    expect(effect.payload).toEqual({ text: 'Stage: A → *B*', ref: 'ref 1' });
  });

  it('refuses an action of another vendor or none at all, as not worth retrying', () => {
    for (const action of ['jira.transition', 'slack.unknown', 'toString']) {
      const error = failure(() => typedEffect(stored(action, { status: 'Done' }), ExternalSystem.SLACK));
      expect(error).toMatchObject({ system: 'SLACK', kind: 'INVALID_REQUEST' });
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(action);
    }
  });

  it('refuses a payload that does not fit its action, naming the fields', () => {
    const error = failure(() =>
      typedEffect(
        stored('zendesk.comment', { incidentKey: 'K', body: 'b', public: 'yes' }),
        ExternalSystem.ZENDESK,
      ),
    );
    expect(error).toMatchObject({ system: 'ZENDESK', kind: 'INVALID_REQUEST' });
    expect(error.message).toMatch(/ticketId/);
    expect(error.message).toMatch(/public/);
  });

  it('names every action <vendor>.<verb> for a known vendor', () => {
    const vendors = Object.values(ExternalSystem).map((s) => s.toLowerCase());
    for (const action of Object.keys(EFFECT_PAYLOADS)) {
      expect(vendors).toContain(action.split('.')[0]);
    }
  });
});
