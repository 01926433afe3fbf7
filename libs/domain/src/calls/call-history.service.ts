import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CallView } from '@parley/contract/calls';
import type { Page } from '@parley/contract/views';
import { notFound } from '@parley/errors/app-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../pagination';
import { CALL_COLUMNS, CallRow, toCallView } from './call.presenter';

/** What an agent may read of calls: its own, newest first. */
@Injectable()
export class CallHistoryService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The party's calls (made and received), newest first, cursor-paginated. */
  async list(
    workspaceId: string,
    partyId: string,
    cursor?: string,
    limit = DEFAULT_PAGE_SIZE,
  ): Promise<Page<CallView>> {
    const params: unknown[] = [workspaceId, partyId, limit + 1];
    let after = '';
    if (cursor) {
      const [startedAt, id] = decodeCursor(cursor, ['string', 'string']);
      after = `AND (started_at, id) < ($${params.push(startedAt)}::timestamptz, $${params.push(id)}::uuid)`;
    }
    const rows: CallRow[] = await this.db.query(
      `SELECT ${CALL_COLUMNS} FROM call
        WHERE workspace_id = $1 AND (caller_agent_id = $2 OR callee_agent_id = $2) ${after}
        ORDER BY started_at DESC, id DESC LIMIT $3`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map(toCallView),
      next_cursor:
        rows.length > limit && last ? encodeCursor([last.started_at.toISOString(), last.id]) : null,
    };
  }

  /** One call the party is in; anyone else's is not found. */
  async get(workspaceId: string, partyId: string, callId: string): Promise<CallRow> {
    const [row]: CallRow[] = await this.db.query(
      `SELECT ${CALL_COLUMNS} FROM call
        WHERE workspace_id = $1 AND id = $2
          AND $3 IN (caller_agent_id, caller_contact_id, callee_agent_id, callee_contact_id)`,
      [workspaceId, callId, partyId],
    );
    if (!row) throw notFound('call');
    return row;
  }

  /** Calls ringing for this agent now (a socket that opens mid-ring shows them). */
  ringingFor(workspaceId: string, agentId: string): Promise<CallRow[]> {
    return this.db.query(
      `SELECT ${CALL_COLUMNS} FROM call
        WHERE workspace_id = $1 AND callee_agent_id = $2 AND status = 'ringing' AND ring_expires_at > now()
        ORDER BY started_at`,
      [workspaceId, agentId],
    );
  }
}
