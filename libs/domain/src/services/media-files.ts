import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { notFound } from '@parley/errors/app-error';

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
