import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { ServedFile } from '@parley/domain/services/media-files';
import { MediaService } from '@parley/domain/services/media.service';
import { AppError } from '@parley/errors/app-error';
import { Public } from '../auth/auth.guards';

// RFC 5987 attr-char: everything else in a filename* value is percent-encoded, byte by byte.
const ATTR_CHAR = /[A-Za-z0-9!#$&+.^_`|~-]/;

/** `inline`/`attachment` with a filename no header parser can be confused by, in ASCII and UTF-8. */
export function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  // Buffer.from turns a lone surrogate into U+FFFD instead of throwing as encodeURIComponent would.
  const encoded = [...Buffer.from(name, 'utf8')]
    .map((byte) =>
      ATTR_CHAR.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Headers every media response carries, error or not: the browser never guesses a type, and a
 * document opened from it runs in a sandbox (no script, no cookies of Parley's origin).
 */
export function mediaSafetyHeaders(res: Response): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', 'sandbox');
}

/** Sends a stored attachment with HTTP ranges (a voice note seeks), inline only when it is safe to show. */
export async function sendMedia(res: Response, file: ServedFile): Promise<void> {
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Disposition', contentDisposition(file.inline ? 'inline' : 'attachment', file.name));
  // Revalidated on every use, so a deleted message's file is not shown again from a cache.
  res.setHeader('Cache-Control', 'private, no-cache');
  await new Promise<void>((resolve, reject) =>
    res.sendFile(file.path, { acceptRanges: true, dotfiles: 'allow' }, (error) =>
      error ? reject(error) : resolve(),
    ),
  ).catch((error: { status?: number }) => {
    if (!res.headersSent) {
      res.removeHeader('Content-Disposition');
      throw new AppError(error.status === 416 ? 'validation_failed' : 'not_found', error.status ?? 404, {
        resource: 'attachment',
        problems: 'range not satisfiable',
      });
    }
  });
}

/** Media links: the short-lived signed URLs `<img>` and `<audio>` load, with no access token anywhere. */
@ApiTags('messages')
@Controller('media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Public()
  @Get(':token')
  @ApiOperation({
    summary:
      'One attachment by its signed link (from GET /messages/{id}/attachments/{index}/link); supports Range',
    description:
      'No bearer token: the link itself is the proof, for MEDIA_LINK_TTL_SECONDS. An expired, forged or ' +
      'deleted one is 404 not_found. Served inline only as a JPEG/PNG/GIF/WebP image, audio or video; ' +
      'anything else as an application/octet-stream attachment. Always nosniff and CSP sandbox.',
  })
  @ApiParam({ name: 'token', description: 'the signed token from the link endpoint' })
  @ApiQuery({
    name: 'variant',
    required: false,
    enum: ['playable'],
    description:
      '`playable`: for a voice note or audio with `playable_mime`, the copy every browser plays (M4A); the original otherwise',
  })
  async serve(
    @Param('token') token: string,
    @Query('variant') variant: string | undefined,
    @Res() res: Response,
  ) {
    mediaSafetyHeaders(res);
    await sendMedia(res, await this.media.fileByLink(token, variant === 'playable' ? 'playable' : undefined));
  }
}
