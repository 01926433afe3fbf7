import fc from 'fast-check';
import type { PlatformInbound } from '../inbound';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path to a value inside a JSON document (the root excluded). */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...pathsOf(child, path)];
  });
}

/** A copy of `document` with the value at `path` replaced (or removed, for `undefined`). */
export function replaceAt<T>(document: T, path: Path, replacement: unknown): T {
  const copy = JSON.parse(JSON.stringify(document)) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (replacement === undefined) delete parent[last];
  else parent[last] = replacement;
  return copy as T;
}

/**
 * A documented payload with one field swapped for any JSON value or dropped: what a platform
 * might send once its format drifts from what we read.
 */
export const garbled = <T>(documents: readonly T[]): fc.Arbitrary<T> =>
  fc
    .constantFrom(...documents)
    .chain((document) =>
      fc
        .tuple(
          fc.constantFrom(...pathsOf(document)),
          fc.oneof(fc.constant(undefined), fc.jsonValue() as fc.Arbitrary<Json>),
        )
        .map(([path, replacement]) => replaceAt(document, path, replacement)),
    );

const isText = (value: unknown) => typeof value === 'string';
const isId = (value: unknown) => typeof value === 'string' && value.length > 0;
const isTextOrNull = (value: unknown) => value === null || typeof value === 'string';

/**
 * What the domain may rely on in a normalized event: every id a non-empty string, every text a
 * string. Returns the problems found, so a failing property names them.
 */
export function problemsOf(event: PlatformInbound): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  switch (event.kind) {
    case 'message':
      expect(isId(event.platformUserId), 'platformUserId');
      expect(isId(event.externalId), 'externalId');
      expect(isText(event.content), 'content');
      expect(isTextOrNull(event.sharedPhone), 'sharedPhone');
      expect(isTextOrNull(event.replyToExternalId), 'replyToExternalId');
      expect(
        event.profile === null || (isTextOrNull(event.profile.name) && isTextOrNull(event.profile.username)),
        'profile',
      );
      expect(Array.isArray(event.attachments), 'attachments');
      for (const [index, a] of (Array.isArray(event.attachments) ? event.attachments : []).entries()) {
        expect(isText(a.kind), `attachments[${index}].kind`);
        expect(isTextOrNull(a.mime), `attachments[${index}].mime`);
        expect(a.size === null || Number.isFinite(a.size), `attachments[${index}].size`);
        expect(a.duration === null || Number.isFinite(a.duration), `attachments[${index}].duration`);
        expect(a.source === undefined || isTextOrNull(a.source), `attachments[${index}].source`);
        expect(a.file_name === undefined || isTextOrNull(a.file_name), `attachments[${index}].file_name`);
        expect(a.phone === undefined || isTextOrNull(a.phone), `attachments[${index}].phone`);
        if (a.kind === 'location') {
          expect(Number.isFinite(a.latitude) && Number.isFinite(a.longitude), `attachments[${index}].coords`);
        }
      }
      expect(Array.isArray(event.media), 'media');
      for (const m of Array.isArray(event.media) ? event.media : []) {
        expect(isId(m.source) && Number.isInteger(m.attachmentIndex), 'media');
      }
      if (event.story) {
        const { kind, id, url, preview } = event.story;
        expect(kind === 'reply' || kind === 'mention', 'story.kind');
        expect(isTextOrNull(id) && isTextOrNull(url), 'story.id/url');
        expect(url === null || /^https?:\/\//.test(url), 'story.url is a web link');
        expect(
          preview === null ||
            (Number.isInteger(preview) &&
              Array.isArray(event.attachments) &&
              preview < event.attachments.length),
          'story.preview',
        );
      }
      break;
    case 'edit':
      expect(isId(event.externalId), 'externalId');
      expect(isText(event.content), 'content');
      break;
    case 'unsend':
      expect(isId(event.externalId), 'externalId');
      break;
    case 'echo':
      expect(isId(event.externalId), 'externalId');
      expect(isId(event.platformUserId), 'platformUserId');
      expect(isText(event.content), 'content');
      expect(Array.isArray(event.attachments), 'attachments');
      expect(Array.isArray(event.media), 'media');
      break;
    case 'reaction':
      expect(isId(event.platformUserId), 'platformUserId');
      expect(isId(event.externalId), 'externalId');
      expect(isId(event.emoji), 'emoji');
      expect(event.action === 'add' || event.action === 'remove', 'action');
      break;
    case 'read':
      expect(isId(event.platformUserId), 'platformUserId');
      expect(isId(event.externalId), 'externalId');
      break;
    case 'ignored':
    case 'access_revoked':
      expect(isText(event.reason), 'reason');
      break;
    default:
      problems.push(`unknown kind ${(event as { kind: unknown }).kind}`);
  }
  return problems;
}

/** Runs a normalizer: a throw is allowed (the ingest controller answers 400), a malformed result is not. */
export function outcomeOf<T>(normalize: () => T): { threw: true } | { threw: false; value: T } {
  try {
    return { threw: false, value: normalize() };
  } catch {
    return { threw: true };
  }
}
