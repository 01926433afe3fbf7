import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { parse } from 'csv-parse';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import {
  CSV_MAPPING_FIELDS,
  type ContactImportError,
  type ContactImportFormat,
  type ContactImportView,
  type CsvMapping,
} from '@parley/contract/contacts';
import type { ContactView } from '@parley/contract/views';
import { AppError, notFound } from '@parley/errors/app-error';
import type { DomainEvent } from '../events/domain-event';
import { EventService } from '../services/event.service';
import { WorkspaceService } from '../services/workspace.service';
import { normalizePhone } from './phone';
import { looksLikeVCard, parseVCards } from './vcard.parser';

/** One person read from a file, before normalisation. */
export interface ImportEntry {
  index: number;
  name: string | null;
  username?: string | null;
  phones: string[];
  emails: string[];
}

/** Rows per INSERT statement (and per progress update). */
const CHUNK = 500;
const ERROR_SAMPLE = 20;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface ImportRow {
  id: string;
  format: ContactImportFormat;
  file_name: string | null;
  status: ContactImportView['status'];
  total: number;
  processed: number;
  created: number;
  matched: number;
  invalid: number;
  errors: ContactImportError[];
  created_at: Date;
  finished_at: Date | null;
}

const toView = (row: ImportRow): ContactImportView => ({
  ...row,
  created_at: row.created_at.toISOString(),
  finished_at: row.finished_at ? row.finished_at.toISOString() : null,
});

/** Header names a CSV export commonly gives each field (Google, Outlook, phones; en/fa/ar). */
const GUESSES: Record<(typeof CSV_MAPPING_FIELDS)[number], RegExp> = {
  name: /^(name|full ?name|display ?name|contact|نام|نام کامل|الاسم|الاسم الكامل)$/i,
  phone: /(phone|mobile|tel|cell|شماره|موبایل|تلفن|همراه|هاتف|جوال|الهاتف)/i,
  email: /(e-?mail|ایمیل|رایانامه|البريد)/i,
  username: /^(username|user ?name|handle|نام کاربری|اسم المستخدم)$/i,
};

/** The CSV export's guard against formula injection, undone: `'=…` → `=…`. */
const unguard = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);

/**
 * Contact imports: a vCard or CSV file is read (and refused with a clear code when it cannot be)
 * while the request waits, then stored in the background in chunks of 500 rows per statement, each
 * chunk its own short transaction that yields to the event loop, so other agents' requests are
 * served meanwhile; `contact_import` keeps the progress `GET /contacts/imports/{id}` reports. An
 * entry whose number or e-mail is already a contact's (or an earlier entry's) counts as matched
 * and creates nothing.
 */
/** An import with no stored chunk for this long lost its process. */
export const STALLED_IMPORT_SECONDS = 120;

@Injectable()
export class ContactImportService implements OnModuleDestroy {
  private readonly logger = new Logger(ContactImportService.name);
  private readonly running = new Set<Promise<void>>();

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly workspaces: WorkspaceService,
  ) {}

  /** Reads the file and starts storing it; answers the import as it starts. */
  async start(
    workspaceId: string,
    agentId: string | null,
    file: { buffer: Buffer; originalname?: string } | undefined,
    mappingJson?: string,
  ): Promise<ContactImportView> {
    if (!file || !file.buffer.length) throw new AppError('import_file_missing', 400);
    const { importMaxBytes: maxBytes, importMaxEntries: maxEntries } = this.config.contacts;
    if (file.buffer.length > maxBytes) throw new AppError('import_file_too_large', 413, { max: maxBytes });
    let format: ContactImportFormat;
    let entries: ImportEntry[];
    if (looksLikeVCard(file.buffer)) {
      format = 'vcard';
      entries = parseVCards(file.buffer, maxEntries + 1);
    } else if (isText(file.buffer)) {
      format = 'csv';
      entries = await readCsv(file.buffer, parseMapping(mappingJson), maxEntries + 1);
    } else throw new AppError('import_format_unknown', 400);
    if (entries.length > maxEntries) throw new AppError('import_too_many_entries', 400, { max: maxEntries });
    if (!entries.length) throw new AppError('import_file_empty', 400);

    const [row]: ImportRow[] = await this.db.query(
      `INSERT INTO contact_import (workspace_id, agent_id, format, file_name, total) VALUES ($1, $2, $3, $4, $5)
       RETURNING *`,
      [workspaceId, agentId, format, file.originalname?.slice(0, 255) ?? null, entries.length],
    );
    const task = this.store(workspaceId, row.id, entries).catch(async (error: Error) => {
      this.logger.error(`contact import ${row.id} failed: ${error.message}`);
      await this.db
        .query(`UPDATE contact_import SET status = 'failed', finished_at = now() WHERE id = $1`, [row.id])
        .catch(() => undefined);
    });
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
    return toView(row);
  }

  async get(workspaceId: string, id: string): Promise<ContactImportView> {
    // The process storing it died (a crash, a kill): no chunk for minutes means it never ends.
    await this.db.query(
      `UPDATE contact_import SET status = 'failed', finished_at = now()
        WHERE id = $1 AND workspace_id = $2 AND status = 'processing'
          AND progressed_at < now() - make_interval(secs => $3)`,
      [id, workspaceId, STALLED_IMPORT_SECONDS],
    );
    const [row]: ImportRow[] = await this.db.query(
      `SELECT * FROM contact_import WHERE id = $1 AND workspace_id = $2`,
      [id, workspaceId],
    );
    if (!row) throw notFound('import');
    return toView(row);
  }

  /** A shutdown lets the imports under way finish their file. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async store(workspaceId: string, importId: string, entries: ImportEntry[]): Promise<void> {
    const region = await this.workspaces.phoneRegion(workspaceId);
    const seen = new Set<string>();
    for (let start = 0; start < entries.length; start += CHUNK) {
      await yieldToEventLoop();
      const chunk = entries.slice(start, start + CHUNK);
      const counts = { created: 0, matched: 0, invalid: 0 };
      const errors: ContactImportError[] = [];
      const people = chunk.map((entry) => {
        const phones = [...new Set(entry.phones.map((p) => normalizePhone(p, region)).filter(isString))];
        const emails = [
          ...new Set(entry.emails.map((e) => e.trim().toLowerCase()).filter((e) => EMAIL.test(e))),
        ];
        return { entry, phones, emails };
      });
      await this.db.transaction(async (manager) => {
        const known: { phones: string[]; email: string | null }[] = await manager.query(
          `SELECT array_prepend(phone, extra_phones) AS phones, lower(email) AS email FROM contact
            WHERE workspace_id = $1 AND erased_at IS NULL
              AND (phone = ANY($2::text[]) OR extra_phones && $2::text[] OR lower(email) = ANY($3::text[]))`,
          [workspaceId, people.flatMap((p) => p.phones), people.flatMap((p) => p.emails)],
        );
        for (const k of known) {
          for (const phone of k.phones) if (phone) seen.add(phone);
          if (k.email) seen.add(k.email);
        }
        const fresh: typeof people = [];
        for (const person of people) {
          if (!person.phones.length && !person.emails.length) {
            counts.invalid++;
            errors.push({
              entry: person.entry.index,
              code: person.entry.phones.length ? 'phone_invalid' : 'contact_unreachable',
              input: (person.entry.phones[0] ?? person.entry.name ?? '').slice(0, 80) || null,
            });
            continue;
          }
          const keys = [...person.phones, ...person.emails];
          if (keys.some((k) => seen.has(k))) {
            counts.matched++;
            continue;
          }
          for (const k of keys) seen.add(k);
          fresh.push(person);
        }
        if (fresh.length) {
          const ids = fresh.map(() => randomUUID());
          const rows: (Omit<ContactView, 'created_at' | 'updated_at'> & {
            created_at: Date;
            updated_at: Date;
          })[] = await manager.query(
            `INSERT INTO contact (id, workspace_id, name, username, phone, extra_phones, email, created_at, updated_at)
               SELECT n.id, $1, n.name, n.username, n.phone,
                      coalesce(string_to_array(n.extra, ' '), '{}'), n.email,
                      date_trunc('milliseconds', now()), date_trunc('milliseconds', now())
                 FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                   AS n(id, name, username, phone, extra, email)
               RETURNING id, name, username, phone, email, avatar_url, created_at, updated_at`,
            [
              workspaceId,
              ids,
              fresh.map((p) => p.entry.name?.trim().slice(0, 200) || null),
              fresh.map((p) => p.entry.username?.trim().replace(/^@/, '').slice(0, 100) || null),
              fresh.map((p) => p.phones[0] ?? null),
              fresh.map((p) => (p.phones.length > 1 ? p.phones.slice(1).join(' ') : null)),
              fresh.map((p) => p.emails[0] ?? null),
            ],
          );
          // A chunk's rows share one timestamp, cut to what a list cursor (JS Date, ms) can hold exactly.
          counts.created = rows.length;
          // Each new contact is a `contact.created` event as a manual one is; one seq lock per chunk.
          const last = await this.events.reserveSeqs(manager, workspaceId, rows.length);
          const events = rows.map((row, i) => ({
            seq: last - rows.length + 1 + i,
            event: {
              type: 'contact.created',
              conversationId: null,
              payload: {
                contact: {
                  ...row,
                  identities: [],
                  created_at: row.created_at.toISOString(),
                  updated_at: row.updated_at.toISOString(),
                },
              },
            } satisfies DomainEvent,
          }));
          await this.events.writeMany(manager, workspaceId, events);
        }
        await manager.query(
          `UPDATE contact_import SET processed = processed + $2, created = created + $3, matched = matched + $4,
                  invalid = invalid + $5, progressed_at = now(),
                  errors = CASE WHEN jsonb_array_length(errors) >= $6 THEN errors
                                ELSE (errors || $7::jsonb) END
            WHERE id = $1`,
          [
            importId,
            chunk.length,
            counts.created,
            counts.matched,
            counts.invalid,
            ERROR_SAMPLE,
            JSON.stringify(errors.slice(0, ERROR_SAMPLE)),
          ],
        );
      });
    }
    await this.db.query(`UPDATE contact_import SET status = 'done', finished_at = now() WHERE id = $1`, [
      importId,
    ]);
  }
}

const isString = (value: string | null): value is string => value !== null;

/** Text, not a binary file: no NUL byte in its first kilobytes. */
const isText = (buffer: Buffer) => !buffer.subarray(0, 8192).includes(0);

/** `mapping` (a form field): a JSON object naming, per field, the CSV column it is read from. */
export function parseMapping(json: string | undefined): CsvMapping | null {
  if (json === undefined || json.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new AppError('import_mapping_invalid', 400, { problems: 'not JSON' });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new AppError('import_mapping_invalid', 400, { problems: 'an object such as {"phone":"Mobile"}' });
  const mapping: CsvMapping = {};
  for (const [field, column] of Object.entries(value)) {
    if (!(CSV_MAPPING_FIELDS as readonly string[]).includes(field))
      throw new AppError('import_mapping_invalid', 400, {
        problems: `unknown field ${field.slice(0, 40)}; use ${CSV_MAPPING_FIELDS.join(', ')}`,
      });
    if (typeof column !== 'string' || !column.trim() || column.length > 200)
      throw new AppError('import_mapping_invalid', 400, { problems: `${field} must name a column` });
    mapping[field as keyof CsvMapping] = column;
  }
  return mapping;
}

/**
 * Reads a CSV file with the parser's streaming API (it yields between chunks, never holding the
 * event loop for the whole file). The header row names the columns; without a mapping, common
 * header names are recognised. A phone cell may hold several numbers (`;`, `,`, `|` or `:::`).
 */
export async function readCsv(
  buffer: Buffer,
  mapping: CsvMapping | null,
  limit: number,
): Promise<ImportEntry[]> {
  const parser = parse(buffer, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  const entries: ImportEntry[] = [];
  let columns: Record<string, number> | null = null;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!columns) {
        columns = columnsOf(record, mapping);
        continue;
      }
      const cell = (field: keyof CsvMapping) => {
        const at = columns![field];
        return at === undefined ? '' : unguard(record[at] ?? '');
      };
      entries.push({
        index: entries.length + 1,
        name: cell('name') || null,
        username: cell('username') || null,
        phones: cell('phone')
          .split(/\s*(?::::|;|,|\|)\s*/)
          .filter(Boolean),
        emails: cell('email') ? [cell('email')] : [],
      });
      if (entries.length >= limit) break;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('import_format_unknown', 400);
  }
  return entries;
}

function columnsOf(header: string[], mapping: CsvMapping | null): Record<string, number> {
  const columns: Record<string, number> = {};
  const names = header.map((h) => h.trim());
  if (mapping) {
    const missing: string[] = [];
    for (const [field, column] of Object.entries(mapping)) {
      const at = names.findIndex((n) => n.toLowerCase() === column.trim().toLowerCase());
      if (at < 0) missing.push(`no column "${column.slice(0, 60)}" for ${field}`);
      else columns[field] = at;
    }
    if (missing.length) throw new AppError('import_mapping_invalid', 400, { problems: missing.join('; ') });
  } else {
    for (const field of CSV_MAPPING_FIELDS) {
      // "Phone 1 - Type" sits before "Phone 1 - Value" in a Google export.
      const at = names.findIndex((n) => GUESSES[field].test(n) && !/(type|label|نوع)/i.test(n));
      if (at >= 0) columns[field] = at;
    }
  }
  if (columns.phone === undefined && columns.email === undefined)
    throw new AppError('import_mapping_invalid', 400, {
      problems: 'no phone or e-mail column; name them, e.g. {"name":"Full Name","phone":"Mobile"}',
    });
  return columns;
}
