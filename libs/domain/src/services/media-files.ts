import { open, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { notFound } from '@parley/errors/app-error';
import { servedAs, SNIFF_BYTES, sniffMime } from '../media-types';

/** A stored attachment as it is served: inline only when its bytes are a raster image, audio or video. */
export interface ServedFile {
  path: string;
  name: string;
  contentType: string;
  inline: boolean;
}

/** How a stored file is served, typed by its own bytes (a recorded type may be a platform's claim). */
export async function servedFile(path: string, name: string): Promise<ServedFile> {
  const handle = await open(path).catch(() => Promise.reject(notFound('attachment')));
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  return { path, name, ...servedAs((await sniffMime(head))?.mime) };
}

/** MEDIA_DIR + key, refusing any key that would leave MEDIA_DIR. */
export function mediaPath(mediaDir: string, key: string): string {
  const root = resolve(mediaDir);
  const path = resolve(join(root, key));
  if (!path.startsWith(root + sep)) throw notFound('attachment');
  return path;
}

/** Removes stored files; one already gone (or a key outside MEDIA_DIR) is skipped. */
export async function removeMediaFiles(mediaDir: string, keys: string[]): Promise<void> {
  for (const key of keys) {
    let path: string;
    try {
      path = mediaPath(mediaDir, key);
    } catch {
      continue;
    }
    await rm(path, { force: true });
  }
}
