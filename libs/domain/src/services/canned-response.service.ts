import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import {
  type CannedAttachmentView,
  type CannedResponseView,
  type CannedScope,
  type RenderedCannedResponse,
  renderCanned,
} from '@parley/contract/canned-responses';
import { AppError, notFound } from '@parley/errors/app-error';
import { removeMediaFiles } from './media-files';
import { isUniqueViolation } from './postgres-errors';
import type { AuthAgent } from './token.service';

/** A canned reply as this service reads it; `owner_agent_id` decides who sees and writes it. */
export interface CannedRow {
  id: string;
  shortcut: string;
  content: string;
  owner_agent_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, shortcut, content, owner_agent_id, created_at, updated_at';

interface AttachmentRow {
  id: string;
  canned_response_id: string;
  kind: 'image' | 'file';
  mime: string;
  size: number;
  file_name: string;
  created_at: Date;
}

const toAttachmentView = (row: AttachmentRow): CannedAttachmentView => ({
  id: row.id,
  kind: row.kind,
  mime: row.mime,
  size: row.size,
  file_name: row.file_name,
  created_at: row.created_at.toISOString(),
});

const toView = (row: CannedRow, attachments: AttachmentRow[] = []): CannedResponseView => ({
  id: row.id,
  shortcut: row.shortcut,
  content: row.content,
  scope: row.owner_agent_id ? 'personal' : 'workspace',
  owner_id: row.owner_agent_id,
  attachments: attachments.map(toAttachmentView),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/**
 * Canned replies: the workspace's (every agent reads them, admins write them) and each agent's own
 * (nobody else sees them, admins included). An app key acts as the workspace.
 */
@Injectable()
export class CannedResponseService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** The caller's: the workspace's and their own, shortcuts first; `q` matches shortcut or text. */
  async list(workspaceId: string, me: AuthAgent, q?: string, limit = 50): Promise<CannedResponseView[]> {
    const params: unknown[] = [workspaceId, this.ownerOf(me)];
    let match = '';
    if (q?.trim()) {
      const term = q.trim().replace(/^\//, '');
      const like = `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      params.push(like, `${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
      match = 'AND (shortcut ILIKE $3 OR content ILIKE $3)';
    }
    const prefixFirst = q?.trim() ? 'shortcut ILIKE $4 DESC,' : '';
    params.push(limit);
    const rows: CannedRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM canned_response
        WHERE workspace_id = $1 AND (owner_agent_id IS NULL OR owner_agent_id = $2) ${match}
        ORDER BY ${prefixFirst} lower(shortcut), owner_agent_id NULLS LAST, id LIMIT $${params.length}`,
      params,
    );
    return this.withAttachments(workspaceId, rows);
  }

  async get(workspaceId: string, me: AuthAgent, id: string): Promise<CannedResponseView> {
    const [view] = await this.withAttachments(workspaceId, [await this.visible(workspaceId, me, id)]);
    return view;
  }

  async create(
    workspaceId: string,
    me: AuthAgent,
    input: { shortcut: string; content: string; scope?: CannedScope },
  ): Promise<CannedResponseView> {
    const scope = input.scope ?? (me.role === 'admin' ? 'workspace' : 'personal');
    const owner = scope === 'personal' ? this.ownerOf(me) : null;
    if (scope === 'personal' && !owner) throw new AppError('canned_scope_forbidden', 403);
    if (scope === 'workspace' && !this.writesWorkspace(me)) throw new AppError('canned_scope_forbidden', 403);
    return this.unique(async () => {
      const [row]: CannedRow[] = await this.db.query(
        `INSERT INTO canned_response (workspace_id, owner_agent_id, shortcut, content, created_by_agent_id)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
        [workspaceId, owner, input.shortcut, input.content, this.ownerOf(me)],
      );
      return toView(row);
    });
  }

  async update(
    workspaceId: string,
    me: AuthAgent,
    id: string,
    input: { shortcut?: string; content?: string },
  ): Promise<CannedResponseView> {
    await this.writable(workspaceId, me, id);
    await this.unique(async () => {
      await this.db.query(
        `UPDATE canned_response SET shortcut = coalesce($3, shortcut), content = coalesce($4, content), updated_at = now()
          WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [workspaceId, id, input.shortcut ?? null, input.content ?? null],
      );
    });
    return this.get(workspaceId, me, id);
  }

  /**
   * Deletes the reply and its files. Messages already sent with them keep their own copies, made
   * when each was sent, so nothing sent is touched.
   */
  async remove(workspaceId: string, me: AuthAgent, id: string): Promise<void> {
    await this.writable(workspaceId, me, id);
    const keys = await this.db.transaction(async (manager) => {
      const files: { storage_key: string }[] = await manager.query(
        `DELETE FROM canned_response_attachment WHERE workspace_id = $1 AND canned_response_id = $2
          RETURNING storage_key`,
        [workspaceId, id],
      );
      await manager.query(`DELETE FROM canned_response WHERE workspace_id = $1 AND id = $2`, [
        workspaceId,
        id,
      ]);
      return files.map((f) => f.storage_key);
    });
    await removeMediaFiles(this.config.mediaDir, keys);
  }

  /**
   * The reply's text for one conversation: `{{contact.name}}`, `{{contact.phone}}`,
   * `{{agent.name}}` and `{{conversation.id}}` filled in one pass (a contact named `{{agent.name}}`
   * stays that text); any other `{{…}}`, or one without a value, is left as written.
   */
  async render(
    workspaceId: string,
    me: AuthAgent,
    id: string,
    conversationId: string,
  ): Promise<RenderedCannedResponse> {
    const canned = await this.visible(workspaceId, me, id);
    const [conversation]: { id: string; contact_name: string | null; contact_phone: string | null }[] =
      await this.db.query(
        `SELECT c.id, ct.name AS contact_name, ct.phone AS contact_phone
           FROM conversation c JOIN contact ct ON ct.id = c.contact_id
          WHERE c.workspace_id = $1 AND c.id = $2`,
        [workspaceId, conversationId],
      );
    if (!conversation) throw notFound('conversation');
    return renderCanned(canned.content, {
      'contact.name': conversation.contact_name,
      'contact.phone': conversation.contact_phone,
      'agent.name': me.name,
      'conversation.id': conversation.id,
    });
  }

  /** Visible to the caller, or 404 (another agent's own reply is not theirs to know of). */
  async visible(
    workspaceId: string,
    me: AuthAgent,
    id: string,
    manager: EntityManager = this.db.manager,
    forUpdate = false,
  ): Promise<CannedRow> {
    const [row]: CannedRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM canned_response
        WHERE workspace_id = $1 AND id = $2 AND (owner_agent_id IS NULL OR owner_agent_id = $3) ${forUpdate ? 'FOR UPDATE' : ''}`,
      [workspaceId, id, this.ownerOf(me)],
    );
    if (!row) throw notFound('canned_response');
    return row;
  }

  /** Visible to the caller and theirs to change (locked in `manager`'s transaction when given one), or 404 / 403. */
  async writable(
    workspaceId: string,
    me: AuthAgent,
    id: string,
    manager?: EntityManager,
  ): Promise<CannedRow> {
    const row = await this.visible(workspaceId, me, id, manager, Boolean(manager));
    if (row.owner_agent_id ? row.owner_agent_id !== this.ownerOf(me) : !this.writesWorkspace(me))
      throw new AppError('canned_scope_forbidden', 403);
    return row;
  }

  /** The replies' views with their files, in one more query. */
  private async withAttachments(workspaceId: string, rows: CannedRow[]): Promise<CannedResponseView[]> {
    if (!rows.length) return [];
    const files: AttachmentRow[] = await this.db.query(
      `SELECT id, canned_response_id, kind, mime, size, file_name, created_at FROM canned_response_attachment
        WHERE workspace_id = $1 AND canned_response_id = ANY($2::uuid[]) ORDER BY position, id`,
      [workspaceId, rows.map((r) => r.id)],
    );
    return rows.map((row) =>
      toView(
        row,
        files.filter((f) => f.canned_response_id === row.id),
      ),
    );
  }

  /** An agent's own replies; an app key has none. */
  private ownerOf(me: AuthAgent): string | null {
    return me.app ? null : me.id;
  }

  private writesWorkspace(me: AuthAgent): boolean {
    return Boolean(me.app) || me.role === 'admin';
  }

  private async unique<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (
        isUniqueViolation(error, 'canned_response_workspace_uq') ||
        isUniqueViolation(error, 'canned_response_personal_uq')
      )
        throw new AppError('canned_shortcut_taken', 409);
      throw error;
    }
  }
}
