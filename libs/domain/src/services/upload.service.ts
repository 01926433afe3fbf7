import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ChannelType } from '@parley/contract/channel-types';
import type { Attachment } from '@parley/database/entities/message.entity';
import { AppError } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { canTranscodeFrom } from '../audio-transcoder';
import { INLINE_IMAGE_MIMES, sniffMime } from '../media-types';
import { mediaPath } from './media-files';

const UPLOAD_LIMITS: Record<UploadInput['kind'], number> = {
  voice: 20 * 1024 * 1024,
  image: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};

/** A file an agent attaches to a reply, as it arrived: nothing of it is on disk yet. */
export interface UploadInput {
  kind: 'voice' | 'image' | 'file';
  bytes: Buffer;
  fileName: string;
  duration: number | null;
}

/** An upload that passed every check, with the type its bytes show. */
export interface CheckedUpload extends UploadInput {
  mime: string;
  extension: string;
}

/**
 * Agents' uploads: checked in memory first (size, sniffed type, the platform's voice format), so
 * a reply refused for any reason leaves nothing in MEDIA_DIR; written only once the reply may go.
 */
@Injectable()
export class UploadService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly platforms: PlatformRegistry,
  ) {}

  /**
   * A voice note is either in a format the conversation's platform shows as one (Telegram: OGG/Opus;
   * Instagram: M4A, AAC or WAV) or audio the worker converts into one when it sends the reply (a
   * browser's WebM/Opus, Safari's MP4/AAC, MP3): converting is the worker's job, not this request's.
   */
  async check(channelType: ChannelType, upload: UploadInput): Promise<CheckedUpload> {
    const checked = await this.checkFile(upload);
    if (upload.kind === 'voice') {
      const { voice } = this.platforms.adapter(channelType);
      if (!voice.mimes.includes(checked.mime) && !canTranscodeFrom(checked.mime)) {
        throw new AppError('attachment_invalid', 415, {
          reason: `a voice note for ${channelType} must be ${voice.described} audio, or WebM, OGG, MP4 or MP3 audio to convert`,
        });
      }
    }
    return checked;
  }

  /**
   * A file kept for later replies (a canned reply's): the same size and type checks as a reply's
   * upload. Unless the caller says which it is, an image when its bytes are one a browser shows,
   * any other file a document; said to be an image, it must be one.
   */
  async checkDocument(
    upload: Pick<UploadInput, 'bytes' | 'fileName'>,
    kind?: 'image' | 'file',
  ): Promise<CheckedUpload> {
    const sniffed = kind ? undefined : await sniffMime(upload.bytes);
    const chosen = kind ?? (sniffed && INLINE_IMAGE_MIMES.includes(sniffed.mime) ? 'image' : 'file');
    return this.checkFile({ ...upload, kind: chosen, duration: null });
  }

  /** The checks that do not depend on the platform: not empty, within its kind's size, its sniffed type. */
  private async checkFile(upload: UploadInput): Promise<CheckedUpload> {
    const { kind, bytes } = upload;
    if (!bytes.length) throw new AppError('attachment_invalid', 400, { reason: 'the file is empty' });
    if (bytes.length > UPLOAD_LIMITS[kind]) {
      throw new AppError('attachment_invalid', 413, {
        reason: `${kind} files are limited to ${UPLOAD_LIMITS[kind]} bytes`,
      });
    }
    const sniffed = await sniffMime(bytes);
    const mime = sniffed?.mime ?? 'application/octet-stream';
    if (kind === 'image' && !INLINE_IMAGE_MIMES.includes(mime)) {
      throw new AppError('attachment_invalid', 415, { reason: 'an image must be JPEG, PNG, WebP or GIF' });
    }
    return { ...upload, mime, extension: sniffed?.ext ?? 'bin' };
  }

  /** Writes checked uploads under the workspace's folder; a failure removes what was written. */
  async store(workspaceId: string, uploads: CheckedUpload[]): Promise<Attachment[]> {
    const stored: Attachment[] = [];
    try {
      for (const upload of uploads) {
        const key = `${workspaceId}/upload-${randomBytes(12).toString('hex')}.${upload.extension}`;
        const path = mediaPath(this.config.mediaDir, key);
        await mkdir(dirname(path), { recursive: true });
        stored.push({
          kind: upload.kind,
          mime: upload.mime,
          size: upload.bytes.length,
          duration: upload.duration,
          storage_key: key,
          file_name:
            upload.fileName.replace(/[/\\\0]/g, '_').slice(0, 200) || `${upload.kind}.${upload.extension}`,
        });
        await writeFile(path, upload.bytes);
      }
      return stored;
    } catch (error) {
      await this.discard(stored);
      throw error;
    }
  }

  /** Removes the files of a reply that was not stored after all. */
  async discard(attachments: Attachment[]): Promise<void> {
    await Promise.all(
      attachments.map((a) =>
        a.storage_key ? rm(mediaPath(this.config.mediaDir, a.storage_key), { force: true }) : undefined,
      ),
    );
  }
}
