import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full-text search (issue 17) and saved views.
 *
 * `parley_search_normalize(text)` folds the spellings one word has in Persian and Arabic text into one
 * form, and is applied identically to what is indexed and to what is searched for (its TypeScript
 * twin, libs/domain/src/search/search-text.ts, finds the same words again to highlight them; a test
 * holds the two to the same answers):
 * - Arabic yeh ي, alef maksura ى and yeh with hamza ئ → Persian yeh ی; Arabic kaf ك and swash kaf ڪ → Persian kaf ک;
 * - alef with hamza above/below, madda and wasla (أ إ آ ٱ) → alef ا; waw with hamza ؤ → و;
 * - teh marbuta ة, heh with yeh above ۀ, heh goal ہ and ae ە → heh ه (Persian writes Arabic ة as ه; Lucene's
 *   Arabic and Persian normalizers fold the same way);
 * - the lone hamza ء, harakat (U+064B–U+065F, hamza above included), superscript alef U+0670, tatweel U+0640,
 *   ZWNJ/ZWJ, direction marks, BOM and soft hyphen are removed;
 * - Persian ۰–۹ and Arabic-Indic ٠–٩ digits → 0–9; no-break spaces → space; lower case.
 * A Persian word is written with a ZWNJ (می‌خواهم), joined (میخواهم) or with a space (می خواهم): removing
 * the ZWNJ joins the first two, and the verbal prefixes می/نمی and the plural suffixes ها/های/هایی written
 * apart are joined to their word, so all three become میخواهم.
 *
 * Messages get a generated `search_vector` (content and attachment file names, `simple` configuration:
 * no stemming, no stop words, right for mixed Persian/Arabic/English); adding it rewrites the table once,
 * which is the backfill. Contacts get one over name, username, phone and email. Both GIN indexes lead with
 * workspace_id (btree_gin), so one index scan is already tenant-scoped.
 */
export class SearchAndSavedViews1796110000000 implements MigrationInterface {
  name = 'SearchAndSavedViews1796110000000';

  async up(q: QueryRunner): Promise<void> {
    const range = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i)).join('');
    const mapFrom = 'يىئكڪأإآٱؤةۀہە' + range(0x06f0, 0x06f9) + range(0x0660, 0x0669) + '\u00a0\u202f';
    const mapTo = 'یییککااااوهههه' + '0123456789' + '0123456789' + '  ';
    const removed = 'ء' + range(0x064b, 0x065f) + '\u0670\u0640\u200c\u200d\u200e\u200f\ufeff\u00ad';
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const letters = '[ء-ۿ]';
    const notLetter = '[^ء-ۿ]';
    await q.query(`
      CREATE FUNCTION parley_search_normalize(input text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT lower(
          regexp_replace(
            regexp_replace(
              translate(input, ${quote(mapFrom + removed)}, ${quote(mapTo)}),
              ${quote(`(^|${notLetter})(ن?می)[ \t\r\n]+(?=${letters})`)}, '\\1\\2', 'g'),
            ${quote(`(${letters})[ \t\r\n]+(ها|های|هایی)(?=$|${notLetter})`)}, '\\1\\2', 'g'))
      $fn$`);
    // A file's name is indexed as written and with its dots, dashes and underscores as spaces, so
    // "invoice" finds "invoice_2024.pdf".
    await q.query(`
      CREATE FUNCTION parley_attachment_names(attachments jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
        SELECT coalesce(string_agg(n || ' ' || translate(n, '._-', '   '), ' '), '')
          FROM (SELECT a->>'file_name' AS n
                  FROM jsonb_array_elements(CASE WHEN jsonb_typeof(attachments) = 'array' THEN attachments
                                                 ELSE '[]'::jsonb END) a
                 WHERE jsonb_typeof(a) = 'object') names
         WHERE n IS NOT NULL
      $fn$`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(`
      ALTER TABLE message ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig,
                    parley_search_normalize(content || ' ' || parley_attachment_names(attachments)))
      ) STORED`);
    await q.query(`CREATE INDEX message_search_idx ON message USING gin (workspace_id, search_vector)`);
    // Newest first: for a common word the planner walks this and stops at a page of matches
    // instead of sorting every match the GIN index found; it also serves date ranges and cursors.
    await q.query(
      `CREATE INDEX message_workspace_created_idx ON message (workspace_id, created_at DESC, id DESC)`,
    );
    await q.query(`
      ALTER TABLE contact ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, parley_search_normalize(
          coalesce(name, '') || ' ' || coalesce(username, '') || ' ' || coalesce(email, '') || ' ' ||
          coalesce(phone, '') || ' ' || coalesce(ltrim(phone, '+'), '')))
      ) STORED`);
    await q.query(`CREATE INDEX contact_search_idx ON contact USING gin (workspace_id, search_vector)`);
    await q.query(`
      CREATE TABLE saved_view (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
        name text NOT NULL,
        query jsonb NOT NULL,
        shared boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX saved_view_owner_idx ON saved_view (workspace_id, agent_id, created_at)`);
    await q.query(`CREATE INDEX saved_view_shared_idx ON saved_view (workspace_id, created_at) WHERE shared`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE saved_view`);
    await q.query(`DROP INDEX contact_search_idx`);
    await q.query(`ALTER TABLE contact DROP COLUMN search_vector`);
    await q.query(`DROP INDEX message_workspace_created_idx`);
    await q.query(`DROP INDEX message_search_idx`);
    await q.query(`ALTER TABLE message DROP COLUMN search_vector`);
    await q.query(`DROP FUNCTION parley_attachment_names(jsonb)`);
    await q.query(`DROP FUNCTION parley_search_normalize(text)`);
  }
}
