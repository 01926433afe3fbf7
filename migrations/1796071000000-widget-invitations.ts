import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A website visitor who followed a contact's invitation link (`?parley_invite=<token>`) keeps the
 * token until its first message, which binds it to the invited contact (as `/start <token>` does
 * on Telegram); then it is cleared.
 */
export class WidgetInvitations1796071000000 implements MigrationInterface {
  name = 'WidgetInvitations1796071000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE widget_visitor ADD COLUMN invite_token text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE widget_visitor DROP COLUMN invite_token`);
  }
}
