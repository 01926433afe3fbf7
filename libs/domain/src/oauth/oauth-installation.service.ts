import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { ApiKeyScope } from '@parley/contract/api-keys';
import type { OAuthInstallationView } from '@parley/contract/oauth-apps';
import { notFound } from '@parley/errors/app-error';
import { SecurityEventService } from '@parley/security/security-event.service';
import { agentIdOf, sha256, type AuthAgent } from '../services/token.service';
import { BotService } from '../services/bot.service';

interface InstallationRow {
  id: string;
  app_id: string;
  app_name: string;
  homepage_url: string | null;
  developer_workspace: string;
  scopes: ApiKeyScope[];
  api_key_id: string;
  installed_by_id: string | null;
  installed_by_name: string | null;
  installed_at: Date;
  last_used_at: Date | null;
}

const toView = (row: InstallationRow): OAuthInstallationView => ({
  id: row.id,
  app: {
    id: row.app_id,
    name: row.app_name,
    homepage_url: row.homepage_url,
    workspace_name: row.developer_workspace,
  },
  scopes: row.scopes,
  api_key_id: row.api_key_id,
  installed_by: row.installed_by_id ? { id: row.installed_by_id, name: row.installed_by_name ?? '' } : null,
  installed_at: row.installed_at.toISOString(),
  last_used_at: row.last_used_at?.toISOString() ?? null,
});

const SELECT = `
  SELECT i.id, i.app_id, p.name AS app_name, p.homepage_url, w.name AS developer_workspace, i.scopes, i.api_key_id,
         a.id AS installed_by_id, a.name AS installed_by_name, i.installed_at, k.last_used_at
    FROM oauth_installation i
    JOIN oauth_app p ON p.id = i.app_id
    JOIN workspace w ON w.id = p.workspace_id
    JOIN api_key k ON k.id = i.api_key_id
    LEFT JOIN agent a ON a.id = i.installed_by_agent_id
   WHERE i.workspace_id = $1 AND i.uninstalled_at IS NULL`;

/**
 * An OAuth app installed in a workspace. The app acts there as an `api_key` row of kind 'oauth'
 * (its secret unusable: only access tokens reach it), so everything built on API keys (scopes,
 * attribution, the per-app budget, security events) holds for it unchanged.
 */
@Injectable()
export class OAuthInstallationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly securityEvents: SecurityEventService,
    private readonly bots: BotService,
  ) {}

  async list(workspaceId: string): Promise<OAuthInstallationView[]> {
    const rows: InstallationRow[] = await this.db.query(`${SELECT} ORDER BY i.installed_at DESC, i.id`, [
      workspaceId,
    ]);
    return rows.map(toView);
  }

  async get(workspaceId: string, id: string): Promise<OAuthInstallationView> {
    const [row]: InstallationRow[] = await this.db.query(`${SELECT} AND i.id = $2`, [workspaceId, id]);
    if (!row) throw notFound('oauth_installation');
    return toView(row);
  }

  /** The live installation of an app here, if any (the consent page says what is granted already). */
  async scopesOf(workspaceId: string, appId: string): Promise<ApiKeyScope[] | null> {
    const [row]: { scopes: ApiKeyScope[] }[] = await this.db.query(
      `SELECT scopes FROM oauth_installation WHERE workspace_id = $1 AND app_id = $2 AND uninstalled_at IS NULL`,
      [workspaceId, appId],
    );
    return row?.scopes ?? null;
  }

  /**
   * Installs an app with the scopes an admin approved, inside the code exchange's transaction. An
   * app installed already keeps its installation (and its tokens): its grant becomes these scopes.
   */
  async install(
    manager: EntityManager,
    grant: {
      workspaceId: string;
      appId: string;
      appName: string;
      agentId: string | null;
      scopes: ApiKeyScope[];
    },
  ): Promise<string> {
    const [live]: { id: string; api_key_id: string }[] = await manager.query(
      `SELECT id, api_key_id FROM oauth_installation
        WHERE workspace_id = $1 AND app_id = $2 AND uninstalled_at IS NULL FOR UPDATE`,
      [grant.workspaceId, grant.appId],
    );
    const installationId = live?.id ?? randomUUID();
    if (live) {
      await manager.query(`UPDATE oauth_installation SET scopes = $2, updated_at = now() WHERE id = $1`, [
        live.id,
        grant.scopes,
      ]);
      await manager.query(`UPDATE api_key SET scopes = $2 WHERE id = $1`, [live.api_key_id, grant.scopes]);
    } else {
      const keyId = randomUUID();
      // The row is the app's principal; its secret is random and never shown, so no pk_live_ key reaches it.
      await manager.query(
        `INSERT INTO api_key (id, workspace_id, name, scopes, secret_hash, created_by_agent_id, kind)
         VALUES ($1, $2, $3, $4, $5, $6, 'oauth')`,
        [
          keyId,
          grant.workspaceId,
          grant.appName,
          grant.scopes,
          sha256(randomBytes(32).toString('hex')),
          grant.agentId,
        ],
      );
      await manager.query(
        `INSERT INTO oauth_installation (id, workspace_id, app_id, api_key_id, scopes, installed_by_agent_id)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [installationId, grant.workspaceId, grant.appId, keyId, grant.scopes, grant.agentId],
      );
    }
    await this.securityEvents.record({
      kind: 'oauth_app_installed',
      workspaceId: grant.workspaceId,
      agentId: grant.agentId,
      detail: {
        oauth_installation_id: installationId,
        app_id: grant.appId,
        name: grant.appName,
        scopes: grant.scopes,
        updated: Boolean(live),
      },
    });
    return installationId;
  }

  /** Follows an edit of the app: its name everywhere, and a narrower scope list narrows every grant. */
  async followApp(manager: EntityManager, appId: string, name: string, scopes: ApiKeyScope[]): Promise<void> {
    await manager.query(
      `UPDATE oauth_installation SET scopes = ARRAY(SELECT unnest(scopes) INTERSECT SELECT unnest($2::text[])),
              updated_at = now()
        WHERE app_id = $1 AND uninstalled_at IS NULL`,
      [appId, scopes],
    );
    await manager.query(
      `UPDATE api_key k SET name = $2, scopes = i.scopes
         FROM oauth_installation i WHERE i.api_key_id = k.id AND i.app_id = $1`,
      [appId, name],
    );
  }

  /**
   * Uninstalls: the app's principal, every token and every code waiting for exchange are revoked
   * in one transaction, so its very next request is refused on every api instance. Twice is harmless.
   */
  async uninstall(workspaceId: string, admin: AuthAgent | null, id: string): Promise<void> {
    const [known]: { id: string }[] = await this.db.query(
      `SELECT id FROM oauth_installation WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, id],
    );
    if (!known) throw notFound('oauth_installation');
    const ended = await this.db.transaction(async (manager) => {
      const [row]: { app_id: string; api_key_id: string; name: string }[] = await manager.query(
        `WITH ended AS (
           UPDATE oauth_installation i SET uninstalled_at = now()
             FROM oauth_app p WHERE p.id = i.app_id AND i.workspace_id = $1 AND i.id = $2 AND i.uninstalled_at IS NULL
           RETURNING i.app_id, i.api_key_id, p.name)
         SELECT app_id, api_key_id, name FROM ended`,
        [workspaceId, id],
      );
      if (!row) return null;
      await manager.query(`UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [
        row.api_key_id,
      ]);
      // An app that was a bot hands its conversations to people, as a revoked key's bot does.
      await this.bots.keyRevoked(
        manager,
        workspaceId,
        row.api_key_id,
        row.name,
        admin ? agentIdOf(admin) : null,
      );
      await manager.query(
        `UPDATE oauth_token SET revoked_at = now() WHERE installation_id = $1 AND revoked_at IS NULL`,
        [id],
      );
      await manager.query(
        `UPDATE oauth_code SET expires_at = now() WHERE app_id = $1 AND workspace_id = $2 AND used_at IS NULL`,
        [row.app_id, workspaceId],
      );
      return row;
    });
    if (ended)
      await this.securityEvents.record({
        kind: 'oauth_app_uninstalled',
        workspaceId,
        agentId: admin ? agentIdOf(admin) : null,
        detail: { oauth_installation_id: id, app_id: ended.app_id, name: ended.name },
      });
  }

  /** Uninstalls an app from every workspace (its developer deleted it). */
  async uninstallEverywhere(appId: string): Promise<void> {
    const live: { id: string; workspace_id: string }[] = await this.db.query(
      `SELECT id, workspace_id FROM oauth_installation WHERE app_id = $1 AND uninstalled_at IS NULL`,
      [appId],
    );
    // The developer is no member of the installing workspaces: their events name no agent there.
    for (const installation of live) await this.uninstall(installation.workspace_id, null, installation.id);
  }
}
