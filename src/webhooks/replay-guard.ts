// A webhook request acted on at once (not stored as a delivery: Slack's slash commands and
// interactions) is remembered by the digest of its signed body while its signature is fresh, so
// the same signed request sent again is not acted on again: it gets the first one's answer. Slack's body carries the command's
// trigger_id, so a command typed twice is two bodies; a captured one replayed is the same body.
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { REPLAY_WINDOW_SECONDS } from './signatures';

const digestOf = (body: Buffer) => createHash('sha256').update(body).digest('hex');

export class ReplayGuard {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Null the first time this source's signed body is seen within the signature window (it is to be
   * acted on); for a replay, what the first one answered (null while it is still at work).
   */
  async claim(source: string, signedBody: Buffer, now: Date): Promise<{ answer: unknown } | null> {
    // Past twice the window a signature is stale anyway: nothing older need be remembered.
    const forgetBefore = new Date(now.getTime() - 2 * REPLAY_WINDOW_SECONDS * 1000);
    await this.dataSource.query(`DELETE FROM webhook_replay WHERE seen_at < $1`, [forgetBefore]);
    const digest = digestOf(signedBody);
    const inserted = (await this.dataSource.query(
      `INSERT INTO webhook_replay (source, digest, seen_at) VALUES ($1, $2, $3)
       ON CONFLICT (source, digest) DO NOTHING RETURNING digest`,
      [source, digest, now],
    )) as unknown[];
    if (inserted.length) return null;
    const [row] = (await this.dataSource.query(
      `SELECT answer FROM webhook_replay WHERE source = $1 AND digest = $2`,
      [source, digest],
    )) as { answer: unknown }[];
    return { answer: row?.answer ?? null };
  }

  /** Keep the answer given to a claimed request, for its replays. */
  async answered(source: string, signedBody: Buffer, answer: unknown): Promise<void> {
    await this.dataSource.query(`UPDATE webhook_replay SET answer = $3 WHERE source = $1 AND digest = $2`, [
      source,
      digestOf(signedBody),
      JSON.stringify(answer ?? null),
    ]);
  }
}
