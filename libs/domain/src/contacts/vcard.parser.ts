/**
 * A small vCard reader for what phones and mail programs export (2.1, 3.0 and 4.0): folded lines,
 * quoted-printable values with soft line breaks and a CHARSET, grouped properties (`item1.TEL`),
 * several TEL and EMAIL per card, `tel:` URIs; PHOTO and everything else is skipped. The `vcf`
 * package was tried and decodes neither quoted-printable nor its soft line breaks.
 */
export interface VCardEntry {
  /** 1-based position of the card in the file (errors name it). */
  index: number;
  name: string | null;
  phones: string[];
  emails: string[];
}

interface Property {
  name: string;
  params: Map<string, string[]>;
  value: string;
}

const PROPERTIES_READ = new Set(['FN', 'N', 'TEL', 'EMAIL', 'NICKNAME', 'ORG']);

/** Physical lines → logical ones: RFC 2425 folding, and 2.1 quoted-printable soft breaks. */
function logicalLines(text: string): string[] {
  const physical = text.replace(/^\xEF\xBB\xBF/, '').split(/\r\n|\r|\n/);
  const lines: string[] = [];
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i];
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length) {
      lines[lines.length - 1] += line.slice(1);
      continue;
    }
    // A quoted-printable value ending in `=` continues on the next line, indented or not.
    if (/(^|;)(ENCODING=)?QUOTED-PRINTABLE(;|$)/i.test(line.split(':', 1)[0])) {
      while (line.endsWith('=') && i + 1 < physical.length) {
        line = line.slice(0, -1) + physical[++i].replace(/^[ \t]/, '');
      }
    }
    lines.push(line);
  }
  return lines;
}

/** `item1.TEL;TYPE=CELL;CHARSET=UTF-8:value`; the `:` inside a quoted parameter value does not split. */
function parseProperty(line: string): Property | null {
  let quoted = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 1) return null;
  const [head, ...rawParams] = line.slice(0, colon).split(';');
  const name = head.replace(/^[^.]*\./, '').toUpperCase();
  const params = new Map<string, string[]>();
  for (const raw of rawParams) {
    const eq = raw.indexOf('=');
    // 2.1 writes bare parameters: `TEL;CELL;PREF:` or `;QUOTED-PRINTABLE`.
    const key = eq < 0 ? bareParamKey(raw) : raw.slice(0, eq).toUpperCase();
    const values = (eq < 0 ? raw : raw.slice(eq + 1))
      .split(',')
      .map((v) => v.replace(/^"|"$/g, '').toUpperCase());
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  return { name, params, value: line.slice(colon + 1) };
}

function bareParamKey(value: string): string {
  const upper = value.toUpperCase();
  if (upper === 'QUOTED-PRINTABLE' || upper === 'BASE64' || upper === 'B') return 'ENCODING';
  return 'TYPE';
}

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i) & 0xff);
    }
  }
  return decode(Uint8Array.from(bytes), charset);
}

function decode(bytes: Uint8Array, charset: string): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    // An unknown CHARSET label: UTF-8 is what nearly every exporter means.
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** The text of a property: decoded, with 3.0/4.0 escapes undone; components split on unescaped `;`. */
function components(property: Property): string[] {
  const encoding = property.params.get('ENCODING')?.[0];
  const charset = property.params.get('CHARSET')?.[0] ?? 'utf-8';
  // The file is read byte for byte (latin1), so each value is decoded in its own CHARSET.
  const raw =
    encoding === 'QUOTED-PRINTABLE'
      ? decodeQuotedPrintable(property.value, charset)
      : decode(Buffer.from(property.value, 'latin1'), charset);
  const parts: string[] = [''];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\' && i + 1 < raw.length) {
      const next = raw[++i];
      parts[parts.length - 1] += next === 'n' || next === 'N' ? ' ' : next;
    } else if (ch === ';') parts.push('');
    else parts[parts.length - 1] += ch;
  }
  return parts.map((p) => p.trim());
}

function nameFrom(props: Property[]): string | null {
  const fn = props.find((p) => p.name === 'FN');
  const full = fn ? components(fn).join(' ').trim() : '';
  if (full) return full;
  const n = props.find((p) => p.name === 'N');
  if (n) {
    const [family = '', given = '', middle = '', prefix = '', suffix = ''] = components(n);
    const composed = [prefix, given, middle, family, suffix].filter(Boolean).join(' ').trim();
    if (composed) return composed;
  }
  for (const other of ['NICKNAME', 'ORG']) {
    const prop = props.find((p) => p.name === other);
    const text = prop ? components(prop).filter(Boolean).join(' ') : '';
    if (text) return text;
  }
  return null;
}

/** A cell-phone number first: it is the one customers write from. */
function phonesFrom(props: Property[]): string[] {
  const tels = props.filter((p) => p.name === 'TEL');
  const isCell = (p: Property) => (p.params.get('TYPE') ?? []).some((t) => t === 'CELL' || t === 'MOBILE');
  return [...tels.filter(isCell), ...tels.filter((p) => !isCell(p))]
    .map((p) => components(p).join(';').trim())
    .filter(Boolean);
}

/** Every card of a .vcf file, in order; `limit` stops reading after that many cards. */
export function parseVCards(file: Buffer, limit = Number.POSITIVE_INFINITY): VCardEntry[] {
  const text = file.toString('latin1');
  const entries: VCardEntry[] = [];
  let props: Property[] | null = null;
  for (const line of logicalLines(text)) {
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      props = [];
      continue;
    }
    if (upper === 'END:VCARD') {
      if (props) {
        entries.push({
          index: entries.length + 1,
          name: nameFrom(props),
          phones: phonesFrom(props),
          emails: props
            .filter((p) => p.name === 'EMAIL')
            .map((p) => components(p).join('').trim())
            .filter(Boolean),
        });
        if (entries.length >= limit) return entries;
      }
      props = null;
      continue;
    }
    if (!props) continue;
    const property = parseProperty(line);
    if (property && PROPERTIES_READ.has(property.name)) props.push(property);
  }
  return entries;
}

/** Whether a file looks like vCard (its first non-blank line opens a card). */
export function looksLikeVCard(file: Buffer): boolean {
  const first = file
    .subarray(0, 64)
    .toString('latin1')
    .replace(/^\xEF\xBB\xBF/, '')
    .trimStart()
    .slice(0, 11)
    .toUpperCase();
  return first === 'BEGIN:VCARD';
}
