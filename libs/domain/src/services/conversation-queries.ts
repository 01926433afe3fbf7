/** The conversation read queries, shared by the services that present conversations. */

/** The inbox query: each row with its channel, contact, assignee and the caller's unread count. */
export const INBOX_SELECT = `
  SELECT c.id, c.status, c.last_message_at, c.last_message_preview, c.last_customer_message_at,
         c.ad, c.created_at, c.updated_at, c.sla_first_response_due_at, c.sla_next_response_due_at,
         c.sla_resolution_due_at, c.sla_warned, c.sla_breached,
         to_char(c.last_message_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
         ch.id AS channel_id, ch.type AS channel_type, ch.name AS channel_name,
         ct.id AS contact_id, ct.name AS contact_name, ct.username AS contact_username,
         ct.avatar_url AS contact_avatar_url,
         a.id AS assignee_id, a.name AS assignee_name, bk.id AS bot_id, bk.name AS bot_name,
         coalesce((SELECT json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color) ORDER BY lower(l.name))
                     FROM conversation_label cl JOIN label l ON l.id = cl.label_id
                    WHERE cl.conversation_id = c.id), '[]'::json) AS labels,
         t.id AS team_id, t.name AS team_name,
         (SELECT count(*) FROM message m
           WHERE m.conversation_id = c.id AND m.type = 'customer' AND m.deleted_at IS NULL
             AND m.seq > coalesce((SELECT r.last_read_seq FROM conversation_read r
                                    WHERE r.agent_id = $2 AND r.conversation_id = c.id), 0))::int AS unread_count
    FROM conversation c
    JOIN channel ch ON ch.id = c.channel_id
    JOIN contact ct ON ct.id = c.contact_id
    LEFT JOIN agent a ON a.id = c.assignee_id
    LEFT JOIN api_key bk ON bk.id = c.bot_api_key_id
    LEFT JOIN team t ON t.id = c.team_id
   WHERE c.workspace_id = $1`;

/** Conversations as every agent sees them (no unread count), many at once; InboundMessageService reads the same. */
export const SHARED_VIEW_SELECT = `
  SELECT c.id, c.status, c.last_message_at, c.last_message_preview, c.last_customer_message_at,
         c.ad, c.created_at, c.updated_at, c.sla_first_response_due_at, c.sla_next_response_due_at,
         c.sla_resolution_due_at, c.sla_warned, c.sla_breached, '' AS cursor_at,
         ch.id AS channel_id, ch.type AS channel_type, ch.name AS channel_name,
         ct.id AS contact_id, ct.name AS contact_name, ct.username AS contact_username,
         ct.avatar_url AS contact_avatar_url, a.id AS assignee_id, a.name AS assignee_name,
         bk.id AS bot_id, bk.name AS bot_name,
         coalesce((SELECT json_agg(json_build_object('id', l.id, 'name', l.name, 'color', l.color) ORDER BY lower(l.name))
                     FROM conversation_label cl JOIN label l ON l.id = cl.label_id
                    WHERE cl.conversation_id = c.id), '[]'::json) AS labels,
         t.id AS team_id, t.name AS team_name, 0 AS unread_count
    FROM conversation c
    JOIN channel ch ON ch.id = c.channel_id
    JOIN contact ct ON ct.id = c.contact_id
    LEFT JOIN agent a ON a.id = c.assignee_id
    LEFT JOIN api_key bk ON bk.id = c.bot_api_key_id
    LEFT JOIN team t ON t.id = c.team_id
   WHERE c.workspace_id = $1 AND c.id = ANY($2::uuid[])`;
