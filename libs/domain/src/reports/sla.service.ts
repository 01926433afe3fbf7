import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { SlaTimer } from '@parley/contract/business-hours';
import {
  BusinessHoursRow,
  BusinessHoursService,
  Scoped,
  SlaPolicyRow,
} from '../business-hours/business-hours.service';
import { addOpenMinutes } from '../business-hours/schedule';
import { Clock } from '../clock';
import { ConversationService } from '../services/conversation.service';
import { EventService } from '../services/event.service';
import { alertsAt, checkAt, SlaAlert, SlaState, sameSlaState } from './sla';

interface SlaRow {
  id: string;
  workspace_id: string;
  team_id: string | null;
  sla_first_response_due_at: Date | null;
  sla_next_response_due_at: Date | null;
  sla_resolution_due_at: Date | null;
  sla_warned: SlaTimer[];
  sla_breached: SlaTimer[];
}

const stateOf = (row: SlaRow): SlaState => ({
  first_response: row.sla_first_response_due_at,
  next_response: row.sla_next_response_due_at,
  resolution: row.sla_resolution_due_at,
  warned: row.sla_warned,
  breached: row.sla_breached,
});

const SLA_COLUMNS = `id, workspace_id, team_id, sla_first_response_due_at, sla_next_response_due_at, sla_resolution_due_at,
  sla_warned, sla_breached`;
/** Conversations one scan claims per transaction. */
const SCAN_BATCH = 100;

/** The policy and the schedule one conversation follows. */
export interface SlaContext {
  policy: SlaPolicyRow;
  hours: BusinessHoursRow;
}

/**
 * A workspace's policies and schedules (its own and its teams'), read once per batch of events; a
 * conversation follows its team's policy and its team's schedule where the team has its own.
 */
export class SlaContexts {
  constructor(
    private readonly policies: Scoped<SlaPolicyRow>,
    private readonly schedules: Scoped<BusinessHoursRow>,
  ) {}

  of(teamId: string | null): SlaContext {
    return { policy: this.policies.of(teamId), hours: this.schedules.of(teamId) };
  }

  /** Whether any timer can run in the workspace (else the readers skip the SLA work). */
  get anyEnabled(): boolean {
    return this.policies.all().some((p) => p.enabled);
  }
}

/**
 * SLA deadlines on conversations: set and cleared as customers write, agents answer and
 * conversations are resolved (by the `metrics` reader), and checked by the worker's scanner, which
 * marks warnings and breaches once each and tells agents through `conversation.updated` events.
 */
@Injectable()
export class SlaService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly hours: BusinessHoursService,
    private readonly conversations: ConversationService,
    private readonly events: EventService,
    private readonly clock: Clock,
  ) {}

  async contextOf(workspaceId: string): Promise<SlaContexts> {
    return new SlaContexts(
      await this.hours.policiesOf(workspaceId),
      await this.hours.schedulesOf(workspaceId),
    );
  }

  /** When `minutes` of the policy's time have passed after `from` (open hours only, when the policy says so). */
  dueAfter(context: SlaContext, from: Date, minutes: number | null): Date | null {
    if (minutes === null) return null;
    if (context.policy.business_hours && context.hours.enabled)
      return addOpenMinutes(context.hours, from, minutes) ?? new Date(from.getTime() + minutes * 60_000);
    return new Date(from.getTime() + minutes * 60_000);
  }

  /**
   * Changes one conversation's timers in its own transaction, under the policy and schedule of its
   * team as it is now; agents hear of it only when something changed.
   */
  async change(
    workspaceId: string,
    conversationId: string,
    contexts: SlaContexts,
    change: (state: SlaState, context: SlaContext) => SlaState,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      const [row]: SlaRow[] = await manager.query(
        `SELECT ${SLA_COLUMNS} FROM conversation WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`,
        [workspaceId, conversationId],
      );
      if (!row) return;
      const context = contexts.of(row.team_id);
      const before = stateOf(row);
      const after = change(before, context);
      if (sameSlaState(before, after)) return;
      await this.write(manager, workspaceId, conversationId, after, context.policy.warn_before_minutes, []);
    });
  }

  private async write(
    manager: EntityManager,
    workspaceId: string,
    conversationId: string,
    state: SlaState,
    warnBeforeMinutes: number,
    alerts: SlaAlert[],
  ): Promise<void> {
    await manager.query(
      `UPDATE conversation
          SET sla_first_response_due_at = $3, sla_next_response_due_at = $4, sla_resolution_due_at = $5,
              sla_warned = $6, sla_breached = $7, sla_check_at = $8, updated_at = now()
        WHERE workspace_id = $1 AND id = $2`,
      [
        workspaceId,
        conversationId,
        state.first_response,
        state.next_response,
        state.resolution,
        state.warned,
        state.breached,
        checkAt(state, warnBeforeMinutes),
      ],
    );
    await this.events.append(manager, workspaceId, {
      type: 'conversation.updated',
      conversationId,
      payload: {
        conversation: await this.conversations.sharedView(workspaceId, conversationId, manager),
        changes: ['sla'],
        actor_id: null,
        ...(alerts.length ? { sla_alerts: alerts } : {}),
      },
    });
  }

  /**
   * One pass of the scanner: conversations whose warning or deadline has come, claimed with SKIP
   * LOCKED so several workers share them, each marked once. Answers how many it marked.
   */
  async scan(): Promise<number> {
    let marked = 0;
    for (;;) {
      const now = this.clock.now();
      const count = await this.db.transaction(async (manager) => {
        const rows: SlaRow[] = await manager.query(
          `SELECT ${SLA_COLUMNS} FROM conversation WHERE sla_check_at <= $1
            ORDER BY sla_check_at LIMIT ${SCAN_BATCH} FOR NO KEY UPDATE SKIP LOCKED`,
          [now],
        );
        const policies = new Map<string, Scoped<SlaPolicyRow>>();
        for (const row of rows) {
          if (!policies.has(row.workspace_id))
            policies.set(row.workspace_id, await this.hours.policiesOf(row.workspace_id, manager));
          const warnBefore = policies.get(row.workspace_id)!.of(row.team_id).warn_before_minutes;
          const { state, alerts } = alertsAt(stateOf(row), now, warnBefore);
          await this.write(manager, row.workspace_id, row.id, state, warnBefore, alerts);
        }
        return rows.length;
      });
      marked += count;
      if (count < SCAN_BATCH) return marked;
    }
  }
}
