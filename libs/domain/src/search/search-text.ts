import type { SearchHighlight, SearchHighlightField } from '@parley/contract/search';

/**
 * The TypeScript twin of the SQL function `parley_search_normalize` (migration
 * 1796110000000-search-and-saved-views): the same folds, in the same order, so the words Postgres
 * matched can be found again in the original text and highlighted there. test/search.e2e-spec.ts
 * holds the two to the same answers on a table of cases and on random text.
 */

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i)).join('');

const MAP_FROM = 'يىئكڪأإآٱؤةۀہە' + range(0x06f0, 0x06f9) + range(0x0660, 0x0669) + '\u00a0\u202f';
const MAP_TO = 'یییککااااوهههه' + '0123456789' + '0123456789' + '  ';
const REMOVED = 'ء' + range(0x064b, 0x065f) + '\u0670\u0640\u200c\u200d\u200e\u200f\ufeff\u00ad';

const FOLD = new Map<string, string>([...MAP_FROM].map((ch, i) => [ch, MAP_TO[i]]));
const DROP = new Set(REMOVED);

/** The verbal prefixes می/نمی written apart from their verb (the space is removed). */
const PREFIX_APART = /(^|[^\u0621-\u06FF])(ن?می)[ \t\r\n]+(?=[\u0621-\u06FF])/g;
/** The plural suffixes ها/های/هایی written apart from their noun. */
const SUFFIX_APART = /([\u0621-\u06FF])[ \t\r\n]+(ها|های|هایی)(?=$|[^\u0621-\u06FF])/g;

/** Lower case one character to one character, as Postgres's lower() does (towlower). */
function lowerOne(ch: string): string {
  const lower = ch.toLowerCase();
  return lower.length === ch.length ? lower : String.fromCodePoint(lower.codePointAt(0) ?? 0);
}

interface Mapped {
  text: string;
  /** For each UTF-16 unit of `text`, the UTF-16 index in the input it came from. */
  origin: number[];
}

/** Removes, from `mapped`, the whitespace each match of `pattern` spans (`space` finds it in the match). */
function joinApart(
  mapped: Mapped,
  pattern: RegExp,
  space: (match: RegExpMatchArray & { index: number }) => [number, number],
): Mapped {
  const drop = new Set<number>();
  for (const match of mapped.text.matchAll(pattern)) {
    const [from, to] = space(match);
    for (let i = from; i < to; i++) drop.add(i);
  }
  if (!drop.size) return mapped;
  let text = '';
  const origin: number[] = [];
  for (let i = 0; i < mapped.text.length; i++) {
    if (drop.has(i)) continue;
    text += mapped.text[i];
    origin.push(mapped.origin[i]);
  }
  return { text, origin };
}

/** `parley_search_normalize` with, for each character of the result, where it came from. */
export function normalizeWithOrigin(input: string): Mapped {
  let text = '';
  const origin: number[] = [];
  let at = 0;
  for (const ch of input) {
    if (!DROP.has(ch)) {
      const out = lowerOne(FOLD.get(ch) ?? ch);
      text += out;
      for (let i = 0; i < out.length; i++) origin.push(at);
    }
    at += ch.length;
  }
  const prefixesJoined = joinApart({ text, origin }, PREFIX_APART, (m) => [
    m.index + m[1].length + m[2].length,
    m.index + m[0].length,
  ]);
  return joinApart(prefixesJoined, SUFFIX_APART, (m) => [
    m.index + m[1].length,
    m.index + m[0].length - m[2].length,
  ]);
}

/** What Postgres's `parley_search_normalize(input)` answers. */
export const normalizeSearchText = (input: string): string => normalizeWithOrigin(input).text;

/** The words a query asks for, normalised, and whether its last one matches as a prefix. */
export interface QueryTerms {
  words: string[];
  /** The last word also matches longer words that start with it (Postgres `:*`). */
  prefix: string | null;
}

/** A query Parley reads as plain words (no quotes, `or`, or `-word`): its last word is a prefix. */
export const isPlainQuery = (query: string): boolean =>
  !/["]/.test(query) &&
  !query.split(/\s+/).some((word) => word.startsWith('-') || word.toLowerCase() === 'or');

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The words to highlight for a query: every searched word (not those after `-`), normalised. */
export function queryTerms(query: string): QueryTerms {
  const plain = isPlainQuery(query);
  const positive = query
    .split(/\s+/)
    .filter((word) => word && !word.startsWith('-') && word.toLowerCase() !== 'or')
    .join(' ');
  const words = normalizeSearchText(positive).match(WORD) ?? [];
  return { words: [...new Set(words)], prefix: plain && words.length ? words[words.length - 1] : null };
}

const SNIPPET = 180;
const BEFORE = 50;

/**
 * Where the query's words are in `original`: the ranges (UTF-16 offsets) of the matching words, on
 * a window of the text around the first one. Plain text and offsets: the reader marks them up.
 */
export function highlight(field: SearchHighlightField, original: string, terms: QueryTerms): SearchHighlight {
  const mapped = normalizeWithOrigin(original);
  const found: [number, number][] = [];
  for (const match of mapped.text.matchAll(WORD)) {
    const word = match[0];
    const hit = terms.words.includes(word) || (terms.prefix !== null && word.startsWith(terms.prefix));
    if (!hit) continue;
    const first = mapped.origin[match.index];
    const lastUnit = mapped.origin[match.index + word.length - 1];
    // The original character the last normalised unit came from may be two units long (astral).
    const last = lastUnit + (original.codePointAt(lastUnit)! > 0xffff ? 2 : 1);
    found.push([first, wordEnd(original, last)]);
  }
  if (original.length <= SNIPPET) return { field, text: original, ranges: found };
  let start = found.length ? Math.max(0, found[0][0] - BEFORE) : 0;
  // Start at a word's beginning, not inside one (nor inside a surrogate pair).
  while (start > 0 && !/\s/.test(original[start - 1])) start--;
  const end = Math.min(original.length, start + SNIPPET);
  const cut = end < original.length && /[\uD800-\uDBFF]/.test(original[end - 1]) ? end - 1 : end;
  return {
    field,
    text: (start > 0 ? '…' : '') + original.slice(start, cut) + (cut < original.length ? '…' : ''),
    ranges: found
      .filter(([s, e]) => s >= start && e <= cut)
      .map(([s, e]) => [s - start + (start > 0 ? 1 : 0), e - start + (start > 0 ? 1 : 0)]),
  };
}

/** Extends a match over the marks and removed characters (harakat, tatweel) that end its word. */
function wordEnd(original: string, end: number): number {
  while (end < original.length && DROP.has(original[end]) && original[end] !== '\u200c') end++;
  return end;
}
