import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-team business hours, SLA policies and reports: the `team_id` columns the inbox-essentials
 * migration left unchecked now reference a team of the row's own workspace (a composite key on
 * `(workspace_id, team_id)`, so a row can never name another workspace's team). A team's own
 * schedule and policy go with the team (CASCADE); report rows outlive it in no team (SET NULL of
 * `team_id` only). Rows already there are filled from their conversation's current team, the only
 * team history there is; an id naming no team of the workspace is cleared first.
 */
export class TeamHoursAndReports1796150000000 implements MigrationInterface {
  name = 'TeamHoursAndReports1796150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE team ADD CONSTRAINT team_workspace_id_uq UNIQUE (workspace_id, id)`);

    for (const table of ['business_hours', 'sla_policy'])
      await q.query(
        `DELETE FROM ${table} x WHERE x.team_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM team t WHERE t.workspace_id = x.workspace_id AND t.id = x.team_id)`,
      );
    for (const table of ['conversation_cycle', 'csat_request', 'csat_response'])
      await q.query(
        `UPDATE ${table} x SET team_id = c.team_id FROM conversation c
          WHERE c.id = x.conversation_id AND x.team_id IS DISTINCT FROM c.team_id
            AND (c.team_id IS NULL
                 OR EXISTS (SELECT 1 FROM team t WHERE t.workspace_id = x.workspace_id AND t.id = c.team_id))`,
      );

    for (const table of ['business_hours', 'sla_policy'])
      await q.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_team_fk FOREIGN KEY (workspace_id, team_id)
           REFERENCES team (workspace_id, id) ON DELETE CASCADE`,
      );
    for (const table of ['conversation_cycle', 'csat_request', 'csat_response'])
      await q.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_team_fk FOREIGN KEY (workspace_id, team_id)
           REFERENCES team (workspace_id, id) ON DELETE SET NULL (team_id)`,
      );

    // The team filter and the per-team breakdown read cycles by team and start or resolution time,
    // ratings by team and time; the same indexes serve the foreign keys when a team is deleted.
    await q.query(
      `CREATE INDEX conversation_cycle_team_started_idx ON conversation_cycle (team_id, started_at)
        WHERE team_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX conversation_cycle_team_resolved_idx ON conversation_cycle (team_id, resolved_at)
        WHERE team_id IS NOT NULL AND resolved_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX csat_response_team_idx ON csat_response (team_id, created_at) WHERE team_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX csat_request_team_idx ON csat_request (team_id) WHERE team_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX csat_request_team_idx`);
    await q.query(`DROP INDEX csat_response_team_idx`);
    await q.query(`DROP INDEX conversation_cycle_team_resolved_idx`);
    await q.query(`DROP INDEX conversation_cycle_team_started_idx`);
    for (const table of [
      'csat_response',
      'csat_request',
      'conversation_cycle',
      'sla_policy',
      'business_hours',
    ])
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_team_fk`);
    await q.query(`ALTER TABLE team DROP CONSTRAINT team_workspace_id_uq`);
  }
}
