import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { WorkspaceView } from '@parley/contract/contacts';
import { Workspace } from '@parley/database/entities/workspace.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { phoneRegionOf } from '../contacts/phone';

const toView = (w: Workspace): WorkspaceView => ({ id: w.id, name: w.name, phone_region: w.phoneRegion });

/** The workspace's own settings (`/api/v1/workspace`). */
@Injectable()
export class WorkspaceService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async get(workspaceId: string): Promise<WorkspaceView> {
    const workspace = await this.db.getRepository(Workspace).findOneBy({ id: workspaceId });
    if (!workspace) throw notFound('workspace');
    return toView(workspace);
  }

  /** `phone_region`: an ISO 3166 alpha-2 code libphonenumber knows, or null for international numbers only. */
  async update(workspaceId: string, changes: { phone_region?: string | null }): Promise<WorkspaceView> {
    if (changes.phone_region !== undefined) {
      const region = changes.phone_region === null ? null : phoneRegionOf(changes.phone_region);
      if (changes.phone_region !== null && !region) throw new AppError('phone_region_invalid', 400);
      await this.db.getRepository(Workspace).update({ id: workspaceId }, { phoneRegion: region });
    }
    return this.get(workspaceId);
  }

  /** The region national numbers are read in; null when none is set. */
  async phoneRegion(workspaceId: string): Promise<string | null> {
    const rows: { phone_region: string | null }[] = await this.db.query(
      'SELECT phone_region FROM workspace WHERE id = $1',
      [workspaceId],
    );
    return rows[0]?.phone_region ?? null;
  }
}
