import { fromBuffer } from 'file-type';

/** Raster images a browser may show from Parley's origin. SVG is not one: it can carry script. */
export const INLINE_IMAGE_MIMES: readonly string[] = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const INLINE_MEDIA = /^(audio|video)\/[a-z0-9][a-z0-9.+-]*$/;

/** How much of a file's head the sniffer reads. */
export const SNIFF_BYTES = 4100;

/** True for an Ogg stream whose first packet is an Opus header: the only voice Telegram shows as a voice note. */
export function isOggOpus(head: Buffer): boolean {
  return (
    head.subarray(0, 4).toString('latin1') === 'OggS' &&
    head.subarray(0, 200).includes(Buffer.from('OpusHead'))
  );
}

/**
 * The type the bytes themselves show (never what a client or platform claimed), named as browsers
 * and platforms know it; undefined when the bytes say nothing recognisable.
 */
export async function sniffMime(head: Buffer): Promise<{ mime: string; ext: string } | undefined> {
  if (isOggOpus(head)) return { mime: 'audio/ogg', ext: 'ogg' };
  // file-type reads past the end of some truncated heads (a bare "OggS") and throws: that is "unknown".
  const sniffed = await fromBuffer(head).catch(() => undefined);
  if (!sniffed) return undefined;
  // file-type's names; browsers and Telegram know these as audio/ogg and audio/wav.
  if (sniffed.mime === 'audio/opus') return { mime: 'audio/ogg', ext: 'ogg' };
  if (sniffed.mime === 'audio/vnd.wave') return { mime: 'audio/wav', ext: 'wav' };
  return { mime: sniffed.mime, ext: sniffed.ext };
}

/**
 * How a stored file is served from Parley's origin: inline only as a raster image, audio or video;
 * anything else (SVG, XML, HTML, PDF, text, unknown) as a download of opaque bytes.
 */
export function servedAs(sniffed: string | undefined): { inline: boolean; contentType: string } {
  return sniffed && (INLINE_IMAGE_MIMES.includes(sniffed) || INLINE_MEDIA.test(sniffed))
    ? { inline: true, contentType: sniffed }
    : { inline: false, contentType: 'application/octet-stream' };
}
