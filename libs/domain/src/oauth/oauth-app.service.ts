import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ApiKeyScope } from '@parley/contract/api-keys';
import {
  OAUTH_CLIENT_ID_PREFIX,
  OAUTH_CLIENT_SECRET_PREFIX,
  type OAuthAppCreatedView,
  type OAuthAppView,
} from '@parley/contract/oauth-apps';
import { AppError, notFound } from '@parley/errors/app-error';
import { checkScopes } from '../services/api-key.service';
import { agentIdOf, sha256, type AuthAgent } from '../services/token.service';
import { OAuthInstallationService } from './oauth-installation.service';
import { checkHomepage, checkRedirectUris } from './oauth-urls';

const NAME_MAX = 80;
const DESCRIPTION_MAX = 500;

/** An app as the token endpoint and the authorize request need it (never shown as is). */
export interface OAuthClient {
  id: string;
  workspace_id: string;
  workspace_name: string;
  client_id: string;
  name: string;
  description: string | null;
  homepage_url: string | null;
  redirect_uris: string[];
  scopes: ApiKeyScope[];
}

interface AppRow {
  id: string;
  client_id: string;
  name: string;
  description: string | null;
  homepage_url: string | null;
  redirect_uris: string[];
  scopes: ApiKeyScope[];
  created_at: Date;
  updated_at: Date;
  created_by_id: string | null;
  created_by_name: string | null;
  installations: number;
}

const toView = (row: AppRow): OAuthAppView => ({
  id: row.id,
  client_id: row.client_id,
  name: row.name,
  description: row.description,
  homepage_url: row.homepage_url,
  redirect_uris: row.redirect_uris,
  scopes: row.scopes,
  created_by: row.created_by_id ? { id: row.created_by_id, name: row.created_by_name ?? '' } : null,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
  installations: row.installations,
});

const SELECT = `
  SELECT p.id, p.client_id, p.name, p.description, p.homepage_url, p.redirect_uris, p.scopes,
         p.created_at, p.updated_at, a.id AS created_by_id, a.name AS created_by_name,
         (SELECT count(*)::int FROM oauth_installation i WHERE i.app_id = p.id AND i.uninstalled_at IS NULL) AS installations
    FROM oauth_app p LEFT JOIN agent a ON a.id = p.created_by_agent_id
   WHERE p.workspace_id = $1 AND p.deleted_at IS NULL`;

const newSecret = () => `${OAUTH_CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;

function checkName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name || name.length > NAME_MAX) throw new AppError('oauth_app_name_invalid', 400);
  return name;
}

function checkDescription(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length > DESCRIPTION_MAX)
    throw new AppError('validation_failed', 400, {
      problems: `description: at most ${DESCRIPTION_MAX} characters`,
    });
  return text || null;
}

export interface OAuthAppInput {
  name?: unknown;
  redirect_uris?: unknown;
  scopes?: unknown;
  description?: unknown;
  homepage_url?: unknown;
}

/**
 * OAuth apps a developer's workspace registers. The client secret is shown at registration and
 * rotation only and kept as its SHA-256 (256 random bits need no slow hash). An app is public to
 * install in any workspace by its client_id; only its own workspace manages it.
 */
@Injectable()
export class OAuthAppService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly installations: OAuthInstallationService,
  ) {}

  async create(workspaceId: string, admin: AuthAgent, input: OAuthAppInput): Promise<OAuthAppCreatedView> {
    const id = randomUUID();
    const secret = newSecret();
    await this.db.query(
      `INSERT INTO oauth_app (id, workspace_id, client_id, client_secret_hash, name, description, homepage_url,
                              redirect_uris, scopes, created_by_agent_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        id,
        workspaceId,
        `${OAUTH_CLIENT_ID_PREFIX}${randomBytes(16).toString('hex')}`,
        sha256(secret),
        checkName(input.name),
        checkDescription(input.description),
        checkHomepage(input.homepage_url),
        checkRedirectUris(input.redirect_uris),
        checkScopes(input.scopes),
        agentIdOf(admin),
      ],
    );
    return { ...(await this.get(workspaceId, id)), client_secret: secret };
  }

  async list(workspaceId: string): Promise<OAuthAppView[]> {
    const rows: AppRow[] = await this.db.query(`${SELECT} ORDER BY p.created_at DESC, p.id`, [workspaceId]);
    return rows.map(toView);
  }

  async get(workspaceId: string, id: string): Promise<OAuthAppView> {
    const [row]: AppRow[] = await this.db.query(`${SELECT} AND p.id = $2`, [workspaceId, id]);
    if (!row) throw notFound('oauth_app');
    return toView(row);
  }

  /**
   * Changes what is given. A new name shows at once on every installation (and on what the app
   * sent); narrower scopes narrow every installation's grant at once; wider ones need each admin's
   * consent again (the app asks them through the authorize flow).
   */
  async update(workspaceId: string, id: string, input: OAuthAppInput): Promise<OAuthAppView> {
    const current = await this.get(workspaceId, id);
    const name = input.name === undefined ? current.name : checkName(input.name);
    const scopes = input.scopes === undefined ? current.scopes : checkScopes(input.scopes);
    await this.db.transaction(async (manager) => {
      await manager.query(
        `UPDATE oauth_app SET name = $3, description = $4, homepage_url = $5, redirect_uris = $6, scopes = $7,
                updated_at = now()
          WHERE workspace_id = $1 AND id = $2`,
        [
          workspaceId,
          id,
          name,
          input.description === undefined ? current.description : checkDescription(input.description),
          input.homepage_url === undefined ? current.homepage_url : checkHomepage(input.homepage_url),
          input.redirect_uris === undefined ? current.redirect_uris : checkRedirectUris(input.redirect_uris),
          scopes,
        ],
      );
      await this.installations.followApp(manager, id, name, scopes);
    });
    return this.get(workspaceId, id);
  }

  /** A new client secret; the old one stops working at once (tokens already issued live on). */
  async rotateSecret(workspaceId: string, id: string): Promise<OAuthAppCreatedView> {
    const secret = newSecret();
    const updated: unknown[] = await this.db.query(
      `WITH updated AS (
         UPDATE oauth_app SET client_secret_hash = $3, secret_rotated_at = now(), updated_at = now()
          WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id)
       SELECT id FROM updated`,
      [workspaceId, id, sha256(secret)],
    );
    if (!updated.length) throw notFound('oauth_app');
    return { ...(await this.get(workspaceId, id)), client_secret: secret };
  }

  /** Deletes an app: it is uninstalled from every workspace (every token refused at once). */
  async remove(workspaceId: string, id: string): Promise<void> {
    await this.get(workspaceId, id);
    await this.installations.uninstallEverywhere(id);
    await this.db.query(`UPDATE oauth_app SET deleted_at = now() WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      id,
    ]);
  }

  /** The live app a client_id names, in no particular workspace (any workspace may install it). */
  async findClient(clientId: unknown): Promise<OAuthClient | null> {
    if (typeof clientId !== 'string' || !clientId.startsWith(OAUTH_CLIENT_ID_PREFIX)) return null;
    const [row]: OAuthClient[] = await this.db.query(
      `SELECT p.id, p.workspace_id, w.name AS workspace_name, p.client_id, p.name, p.description, p.homepage_url,
              p.redirect_uris, p.scopes
         FROM oauth_app p JOIN workspace w ON w.id = p.workspace_id
        WHERE p.client_id = $1 AND p.deleted_at IS NULL`,
      [clientId],
    );
    return row ?? null;
  }

  /** The app whose client_id and secret these are, or null; compared in constant time. */
  async authenticateClient(clientId: unknown, secret: unknown): Promise<OAuthClient | null> {
    const client = await this.findClient(clientId);
    const [row]: { client_secret_hash: string }[] = client
      ? await this.db.query(`SELECT client_secret_hash FROM oauth_app WHERE id = $1`, [client.id])
      : [];
    const expected = Buffer.from(row?.client_secret_hash ?? '0'.repeat(64), 'hex');
    const given = Buffer.from(sha256(typeof secret === 'string' ? secret : ''), 'hex');
    return timingSafeEqual(expected, given) && client && typeof secret === 'string' ? client : null;
  }
}
