import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export const EXPORT_COLUMNS = [
  'name',
  'phone',
  'email',
  'username',
  'other_phones',
  'channels',
  'created_at',
  'id',
];

/** A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'`. */
export const guardCell = (value: string | null): string =>
  value === null ? '' : /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;

/** The workspace's live contacts as CSV rows, read in pages of 1000 (never the whole table at once). */
@Injectable()
export class ContactExportService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async *rows(workspaceId: string): AsyncGenerator<string[]> {
    // The cursor keeps Postgres's microseconds (a JS Date would cut them and repeat rows).
    let after: [string, string] | null = null;
    for (;;) {
      const page: {
        id: string;
        name: string | null;
        phone: string | null;
        email: string | null;
        username: string | null;
        extra_phones: string[];
        channels: string | null;
        created_at: Date;
        at: string;
      }[] = await this.db.query(
        `SELECT c.id, c.name, c.phone, c.email, c.username, c.extra_phones, c.created_at, c.created_at::text AS at,
                (SELECT string_agg(DISTINCT ch.type, ' ') FROM contact_identity i JOIN channel ch ON ch.id = i.channel_id
                  WHERE i.contact_id = c.id) AS channels
           FROM contact c
          WHERE c.workspace_id = $1 AND c.erased_at IS NULL AND c.merged_into_id IS NULL
            AND ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2::timestamptz, $3::uuid))
          ORDER BY c.created_at, c.id LIMIT 1000`,
        [workspaceId, after?.[0] ?? null, after?.[1] ?? null],
      );
      for (const c of page)
        yield [
          c.name,
          c.phone,
          c.email,
          c.username,
          c.extra_phones.join(' ; ') || null,
          c.channels,
          c.created_at.toISOString(),
          c.id,
        ].map(guardCell);
      if (page.length < 1000) return;
      const last = page[page.length - 1];
      after = [last.at, last.id];
    }
  }
}
