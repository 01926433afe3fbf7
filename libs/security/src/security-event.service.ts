import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SecurityEventKind } from '@parley/contract/security';

/** Every security decision leaves a row; admins read them in the security summary. */
@Injectable()
export class SecurityEventService {
  private readonly logger = new Logger(SecurityEventService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(event: {
    kind: SecurityEventKind;
    ip?: string | null;
    workspaceId?: string | null;
    agentId?: string | null;
    detail?: Record<string, unknown>;
  }): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO security_event (kind, ip, workspace_id, agent_id, detail) VALUES ($1, $2, $3, $4, $5)`,
        [
          event.kind,
          event.ip ?? null,
          event.workspaceId ?? null,
          event.agentId ?? null,
          JSON.stringify(event.detail ?? {}),
        ],
      );
    } catch (error) {
      // Never let the audit trail take the request down with it.
      this.logger.error(`security event ${event.kind} not recorded: ${(error as Error).message}`);
    }
  }
}
