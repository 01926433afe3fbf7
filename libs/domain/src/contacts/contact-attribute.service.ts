import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ContactAttributeType, ContactAttributeView } from '@parley/contract/contacts';
import { AppError, notFound } from '@parley/errors/app-error';

interface AttributeRow {
  id: string;
  key: string;
  label: string;
  type: ContactAttributeType;
  options: string[];
}

const toView = (row: AttributeRow): ContactAttributeView => ({
  id: row.id,
  key: row.key,
  label: row.label,
  type: row.type,
  options: row.options,
});

const invalid = (key: string, reason: string) =>
  new AppError('contact_attribute_invalid', 400, { key, reason });

/** A value checked against its attribute's type: text, a finite number, a calendar date, one of a list. */
export function checkAttributeValue(
  definition: Pick<AttributeRow, 'key' | 'type' | 'options'>,
  value: unknown,
): string | number | null {
  if (value === null) return null;
  switch (definition.type) {
    case 'text':
      if (typeof value !== 'string' || value.length > 500)
        throw invalid(definition.key, 'text of at most 500 characters');
      return value.trim() || null;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(definition.key, 'a number');
      return value;
    case 'date': {
      const date =
        typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
          ? new Date(`${value}T00:00:00Z`)
          : null;
      if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
        throw invalid(definition.key, 'a date as YYYY-MM-DD');
      return value;
    }
    case 'list':
      if (typeof value !== 'string' || !definition.options.includes(value))
        throw invalid(definition.key, `one of ${definition.options.join(', ')}`);
      return value;
  }
}

/** The workspace's typed custom attributes of contacts (`/api/v1/contact-attributes`). */
@Injectable()
export class ContactAttributeService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(workspaceId: string): Promise<ContactAttributeView[]> {
    const rows: AttributeRow[] = await this.db.query(
      `SELECT id, key, label, type, options FROM contact_attribute WHERE workspace_id = $1 ORDER BY created_at, key`,
      [workspaceId],
    );
    return rows.map(toView);
  }

  async create(
    workspaceId: string,
    input: { key: string; label: string; type: ContactAttributeType; options?: string[] },
  ): Promise<ContactAttributeView> {
    const options = [...new Set((input.options ?? []).map((o) => o.trim()).filter(Boolean))];
    if (input.type === 'list' && !options.length) throw invalid(input.key, 'a list needs options');
    const rows: AttributeRow[] = await this.db.query(
      `INSERT INTO contact_attribute (workspace_id, key, label, type, options) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, key) DO NOTHING RETURNING id, key, label, type, options`,
      [workspaceId, input.key, input.label.trim(), input.type, input.type === 'list' ? options : []],
    );
    if (!rows.length) throw new AppError('contact_attribute_exists', 409, { key: input.key });
    return toView(rows[0]);
  }

  /** Removes the definition and its values from every contact of the workspace. */
  async remove(workspaceId: string, id: string): Promise<void> {
    await this.db.transaction(async (manager) => {
      const rows: { key: string }[] = await manager.query(
        `WITH gone AS (DELETE FROM contact_attribute WHERE id = $1 AND workspace_id = $2 RETURNING key)
         SELECT key FROM gone`,
        [id, workspaceId],
      );
      if (!rows.length) throw notFound('contact attribute');
      await manager.query(
        `UPDATE contact SET attributes = attributes - $2 WHERE workspace_id = $1 AND attributes ? $2`,
        [workspaceId, rows[0].key],
      );
    });
  }

  /** The contact's attributes with these changes applied (null removes one), each checked by its type. */
  async apply(
    manager: EntityManager,
    workspaceId: string,
    current: Record<string, string | number | null>,
    changes: Record<string, unknown>,
  ): Promise<Record<string, string | number | null>> {
    const keys = Object.keys(changes);
    if (!keys.length) return current;
    const rows: AttributeRow[] = await manager.query(
      `SELECT id, key, label, type, options FROM contact_attribute WHERE workspace_id = $1 AND key = ANY($2)`,
      [workspaceId, keys],
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const next = { ...current };
    for (const key of keys) {
      const definition = byKey.get(key);
      if (!definition) throw invalid(key, 'no such attribute');
      const value = checkAttributeValue(definition, changes[key]);
      if (value === null) delete next[key];
      else next[key] = value;
    }
    return next;
  }
}
