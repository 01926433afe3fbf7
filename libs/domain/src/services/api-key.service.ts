import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  API_KEY_PREFIX,
  API_KEY_SCOPES,
  type ApiKeyCreatedView,
  type ApiKeyScope,
  type ApiKeyView,
} from '@parley/contract/api-keys';
import { AppError, notFound } from '@parley/errors/app-error';
import { SecurityEventService } from '@parley/security/security-event.service';
import { BotService } from './bot.service';
import { AuthFailure, type AuthAgent } from './token.service';

/** `pk_live_<key id, 32 hex>_<secret, 32 random bytes base64url>`: the id finds the row, the secret proves it. */
const KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}([0-9a-f]{32})_([A-Za-z0-9_-]{43})$`);
const NAME_MAX = 80;
/** last_used_at moves at most this often per key: a busy app costs no write per request. */
const LAST_USED_STEP_MS = 60_000;

const digest = (secret: string) => createHash('sha256').update(secret).digest();
const uuidOf = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/** A list of known scopes, deduplicated; anything else is 400 api_key_scopes_invalid (keys and OAuth apps alike). */
export function checkScopes(value: unknown): ApiKeyScope[] {
  const list = Array.isArray(value) ? value : [];
  const unknown = list.filter(
    (scope) => typeof scope !== 'string' || !(API_KEY_SCOPES as readonly string[]).includes(scope),
  );
  if (!list.length || unknown.length || !Array.isArray(value))
    throw new AppError('api_key_scopes_invalid', 400, {
      unknown: unknown.map((scope) => String(scope)).join(', ') || '—',
    });
  return [...new Set(list as ApiKeyScope[])];
}

/** Whether a bearer credential is meant as an API key (the guard then never tries it as a JWT). */
export const looksLikeApiKey = (token: string) => token.startsWith(API_KEY_PREFIX);

interface ApiKeyRow {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  created_at: Date;
  created_by_id: string | null;
  created_by_name: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toApiKeyView = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  created_at: row.created_at.toISOString(),
  created_by: row.created_by_id ? { id: row.created_by_id, name: row.created_by_name ?? '' } : null,
  last_used_at: row.last_used_at?.toISOString() ?? null,
  revoked_at: row.revoked_at?.toISOString() ?? null,
});

const SELECT = `
  SELECT k.id, k.name, k.scopes, k.created_at, k.last_used_at, k.revoked_at,
         a.id AS created_by_id, a.name AS created_by_name
    FROM api_key k LEFT JOIN agent a ON a.id = k.created_by_agent_id
   WHERE k.workspace_id = $1 AND k.kind = 'key'`;

/**
 * A workspace's API keys: created by an admin with chosen scopes, shown once, kept only as the
 * SHA-256 of their random secret (a 256-bit secret needs no slow hash), revoked at once. Keys are
 * not cached: every request reads its row, so a revocation holds on every api instance at once.
 */
@Injectable()
export class ApiKeyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly securityEvents: SecurityEventService,
    private readonly bots: BotService,
  ) {}

  async create(
    workspaceId: string,
    admin: AuthAgent,
    input: { name: unknown; scopes: unknown },
  ): Promise<ApiKeyCreatedView> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (!name || name.length > NAME_MAX) throw new AppError('api_key_name_invalid', 400);
    const scopes = checkScopes(input.scopes);
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO api_key (id, workspace_id, name, scopes, secret_hash, created_by_agent_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, workspaceId, name, scopes, digest(secret).toString('hex'), admin.app ? null : admin.id],
    );
    await this.securityEvents.record({
      kind: 'api_key_created',
      workspaceId,
      agentId: admin.app ? null : admin.id,
      detail: { api_key_id: id, name, scopes },
    });
    const view = await this.get(workspaceId, id);
    return { ...view, key: `${API_KEY_PREFIX}${id.replace(/-/g, '')}_${secret}` };
  }

  async list(workspaceId: string): Promise<ApiKeyView[]> {
    const rows: ApiKeyRow[] = await this.db.query(`${SELECT} ORDER BY k.created_at DESC, k.id`, [
      workspaceId,
    ]);
    return rows.map(toApiKeyView);
  }

  async get(workspaceId: string, id: string): Promise<ApiKeyView> {
    const [row]: ApiKeyRow[] = await this.db.query(`${SELECT} AND k.id = $2`, [workspaceId, id]);
    if (!row) throw notFound('api_key');
    return toApiKeyView(row);
  }

  /**
   * Revokes a key: the next request with it is refused. Revoking twice changes nothing. A key that
   * runs a bot hands the bot's conversations to people in the same transaction.
   */
  async revoke(workspaceId: string, admin: AuthAgent, id: string): Promise<ApiKeyView> {
    const revoked = await this.db.transaction(async (manager) => {
      const rows: { id: string; name: string }[] = await manager.query(
        `WITH revoked AS (
           UPDATE api_key SET revoked_at = now() WHERE workspace_id = $1 AND id = $2 AND kind = 'key' AND revoked_at IS NULL
           RETURNING id, name)
         SELECT id, name FROM revoked`,
        [workspaceId, id],
      );
      if (rows.length) await this.bots.keyRevoked(manager, workspaceId, id, rows[0].name, admin.id);
      return rows;
    });
    const view = await this.get(workspaceId, id);
    if (revoked.length)
      await this.securityEvents.record({
        kind: 'api_key_revoked',
        workspaceId,
        agentId: admin.app ? null : admin.id,
        detail: { api_key_id: id, name: view.name },
      });
    return view;
  }

  /**
   * The app behind a key, as a principal the controllers and domain take like an agent. A key we
   * never issued (or whose secret is wrong) is a guess and counts toward the IP's blacklist; a
   * revoked one is what a forgotten deployment sends and does not.
   */
  async authenticate(token: string): Promise<AuthAgent> {
    const match = KEY_SHAPE.exec(token);
    if (!match) throw new AuthFailure('unauthorized', true);
    const [row]: {
      id: string;
      workspace_id: string;
      name: string;
      scopes: ApiKeyScope[];
      secret_hash: string;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }[] = await this.db.query(
      `SELECT id, workspace_id, name, scopes, secret_hash, last_used_at, revoked_at FROM api_key WHERE id = $1 AND kind = 'key'`,
      [uuidOf(match[1])],
    );
    // Compared in constant time even when there is no row, so timing does not tell ids apart.
    const expected = row ? Buffer.from(row.secret_hash, 'hex') : Buffer.alloc(32);
    if (!timingSafeEqual(expected, digest(match[2])) || !row) throw new AuthFailure('unauthorized', true);
    if (row.revoked_at) throw new AuthFailure('unauthorized', false);
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_STEP_MS)
      await this.db.query(`UPDATE api_key SET last_used_at = now() WHERE id = $1`, [row.id]);
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      role: 'agent',
      name: row.name,
      email: '',
      operator: false,
      app: { keyId: row.id, scopes: row.scopes },
    };
  }

  /** The workspace a well-formed key names, for the IP guard's attribution; null for anything else. */
  async workspaceOfKey(token: string): Promise<string | null> {
    try {
      return (await this.authenticate(token)).workspaceId;
    } catch {
      return null;
    }
  }
}
