import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';

export const hashInviteToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Inside the inbound transaction, for senders new to a channel whose first message carries an
 * invitation token: accepts their pending invitations and answers, by sender key, the invited
 * contact each is bound to. Asked only for newcomers with a token, so an ordinary message costs
 * nothing.
 */
export async function bindInvited(
  manager: EntityManager,
  workspaceId: string,
  invited: { key: string; channelId: string; token: string }[],
): Promise<Map<string, string>> {
  if (!invited.length) return new Map();
  const rows: { key: string; contact_id: string }[] = await manager.query(
    `WITH accepted AS (
       UPDATE contact_invitation inv SET status = 'accepted', accepted_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::text[]) AS k(channel_id, token_hash, key), contact c
        WHERE inv.workspace_id = $1 AND inv.channel_id = k.channel_id AND inv.token_hash = k.token_hash
          AND inv.status = 'pending' AND c.id = inv.contact_id AND c.erased_at IS NULL
       RETURNING k.key, coalesce(c.merged_into_id, c.id) AS contact_id)
     SELECT key, contact_id FROM accepted`,
    [
      workspaceId,
      invited.map((i) => i.channelId),
      invited.map((i) => hashInviteToken(i.token)),
      invited.map((i) => i.key),
    ],
  );
  return new Map(rows.map((r) => [r.key, r.contact_id]));
}
