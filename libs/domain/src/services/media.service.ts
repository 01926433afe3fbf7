import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { fromBuffer } from 'file-type';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Channel } from '@parley/database/entities/channel.entity';
import { Attachment, Message } from '@parley/database/entities/message.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import type { MediaJob } from '@parley/queue/queues';
import { ChannelService } from './channel.service';
import { EventService } from './event.service';
import { mediaPath } from './media-files';
import { messageView } from './message.service';

/** Telegram's bot download limit; larger inbound files are refused. */
export const MAX_MEDIA_BYTES = 20 * 1024 * 1024;
const UPLOAD_LIMITS: Record<'voice' | 'image' | 'file', number> = {
  voice: 20 * 1024 * 1024,
  image: 10 * 1024 * 1024,
  file: 20 * 1024 * 1024,
};
const IMAGE_MIMES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];

/** file-type names Ogg/Opus `audio/opus`; browsers and Telegram know it as `audio/ogg`. */
const mimeOf = (sniffed: { mime: string } | undefined) =>
  sniffed?.mime === 'audio/opus' ? 'audio/ogg' : sniffed?.mime;

/** True for an Ogg stream whose first packet is an Opus header: the only voice Telegram shows as a voice note. */
export function isOggOpus(head: Buffer): boolean {
  return (
    head.subarray(0, 4).toString('latin1') === 'OggS' &&
    head.subarray(0, 200).includes(Buffer.from('OpusHead'))
  );
}

@Injectable()
export class MediaService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly events: EventService,
  ) {}

  /** The media job: fetches one inbound attachment into MEDIA_DIR, capped and sniffed. */
  async download(job: MediaJob): Promise<void> {
    const message = await this.db
      .getRepository(Message)
      .findOneBy({ id: job.messageId, workspaceId: job.workspaceId });
    const attachment = message?.attachments[job.attachmentIndex];
    if (!message || !attachment || attachment.storage_key) return;
    const channel = await this.db
      .getRepository(Channel)
      .findOne({ where: { id: message.channelId }, withDeleted: true });
    if (!channel) return;

    const { stream, declaredMime } = await this.platforms
      .adapter(channel.type)
      .download(this.channels.access(channel), job.source, MAX_MEDIA_BYTES);
    const key = `${job.workspaceId}/${job.messageId}-${job.attachmentIndex}`;
    const target = this.pathOf(key);
    const partial = `${target}.${randomBytes(4).toString('hex')}.part`;
    await mkdir(dirname(target), { recursive: true });
    let size = 0;
    let head = Buffer.alloc(0);
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (head.length < 4100) head = Buffer.concat([head, chunk]).subarray(0, 4100);
        done(
          size > MAX_MEDIA_BYTES
            ? new PlatformError('rejected', `larger than ${MAX_MEDIA_BYTES} bytes`)
            : null,
          chunk,
        );
      },
    });
    try {
      await pipeline(stream, cap, createWriteStream(partial));
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    await rename(partial, target);
    const sniffed = await fromBuffer(head);
    const kept = await this.setAttachment(message, job.attachmentIndex, {
      ...attachment,
      storage_key: key,
      size,
      mime: mimeOf(sniffed) ?? declaredMime ?? attachment.mime,
    });
    // Deleted (or unsent) while the file was on its way: nothing of it is kept.
    if (!kept) await rm(target, { force: true });
  }

  /** A download that cannot succeed: the attachment says why, and the sweeper stops trying. */
  async markUnavailable(job: MediaJob, reason: string): Promise<void> {
    const message = await this.db
      .getRepository(Message)
      .findOneBy({ id: job.messageId, workspaceId: job.workspaceId });
    const attachment = message?.attachments[job.attachmentIndex];
    if (message && attachment && !attachment.storage_key) {
      await this.setAttachment(message, job.attachmentIndex, { ...attachment, error: reason });
    }
  }

  /** Inbound attachments still not downloaded after `olderThanSeconds` (their job was lost). */
  async pendingDownloads(olderThanSeconds: number, limit = 200): Promise<MediaJob[]> {
    const rows: { id: string; workspace_id: string; attachments: Attachment[] }[] = await this.db.query(
      `SELECT id, workspace_id, attachments FROM message
        WHERE type = 'customer' AND attachments @> '[{"storage_key": null}]' AND deleted_at IS NULL
          AND created_at < now() - make_interval(secs => $1) AND created_at > now() - interval '7 days'
        ORDER BY created_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.flatMap((row) =>
      row.attachments.flatMap((a, index) =>
        a.source && !a.storage_key && !a.error
          ? [{ messageId: row.id, workspaceId: row.workspace_id, attachmentIndex: index, source: a.source }]
          : [],
      ),
    );
  }

  /**
   * Stores a file an agent attaches to a reply in a conversation of `channelId`. A voice note must
   * already be in a format that platform shows as one (Telegram: OGG/Opus; Instagram: WAV, AAC or
   * M4A): the dashboard records the right one, and nothing is transcoded here.
   */
  async storeUpload(
    workspaceId: string,
    channelId: string,
    kind: 'voice' | 'image' | 'file',
    bytes: Buffer,
    fileName: string,
    duration: number | null,
  ): Promise<Attachment> {
    if (!bytes.length) throw new AppError('attachment_invalid', 400, { reason: 'the file is empty' });
    if (bytes.length > UPLOAD_LIMITS[kind]) {
      throw new AppError('attachment_invalid', 413, {
        reason: `${kind} files are limited to ${UPLOAD_LIMITS[kind]} bytes`,
      });
    }
    const sniffed = await fromBuffer(bytes);
    let mime = mimeOf(sniffed) ?? 'application/octet-stream';
    if (kind === 'voice') {
      mime = isOggOpus(bytes) ? 'audio/ogg' : mime === 'audio/vnd.wave' ? 'audio/wav' : mime;
      const channel = await this.db
        .getRepository(Channel)
        .findOne({ where: { id: channelId, workspaceId }, withDeleted: true });
      if (!channel) throw notFound('channel');
      const { voice } = this.platforms.adapter(channel.type);
      if (!voice.mimes.includes(mime)) {
        throw new AppError('attachment_invalid', 415, {
          reason: `a voice note for ${channel.type} must be ${voice.described} audio`,
        });
      }
    }
    if (kind === 'image' && !IMAGE_MIMES.includes(mime)) {
      throw new AppError('attachment_invalid', 415, { reason: 'an image must be JPEG, PNG, WebP or GIF' });
    }
    const extension = mime === 'audio/ogg' ? 'ogg' : mime === 'audio/wav' ? 'wav' : (sniffed?.ext ?? 'bin');
    const key = `${workspaceId}/upload-${randomBytes(12).toString('hex')}.${extension}`;
    await mkdir(dirname(this.pathOf(key)), { recursive: true });
    await writeFile(this.pathOf(key), bytes);
    return {
      kind,
      mime,
      size: bytes.length,
      duration,
      storage_key: key,
      file_name: fileName.replace(/[/\\\0]/g, '_').slice(0, 200) || `${kind}.${extension}`,
    };
  }

  /** The stored file of one attachment, for an agent of the same workspace only. */
  async file(
    workspaceId: string,
    messageId: string,
    index: number,
  ): Promise<{ path: string; mime: string; name: string }> {
    const message = await this.db.getRepository(Message).findOneBy({ id: messageId, workspaceId });
    const attachment = message?.attachments[index];
    if (!message || message.deletedAt || !attachment?.storage_key) throw notFound('attachment');
    const path = this.pathOf(attachment.storage_key);
    await stat(path).catch(() => Promise.reject(notFound('attachment')));
    return {
      path,
      mime: attachment.mime ?? 'application/octet-stream',
      name: attachment.file_name ?? `${attachment.kind}`,
    };
  }

  private pathOf(key: string): string {
    return mediaPath(this.config.mediaDir, key);
  }

  /** Sets one attachment of a message that is not deleted; false when it is (nothing is written). */
  private async setAttachment(message: Message, index: number, attachment: Attachment): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      // jsonb_set on one element, so two attachments of one message downloading at once do not overwrite each other.
      const updated: unknown[] = await manager.query(
        `WITH updated AS (
           UPDATE message SET attachments = jsonb_set(attachments, $2::text[], $3::jsonb)
            WHERE id = $1 AND deleted_at IS NULL RETURNING id)
         SELECT id FROM updated`,
        [message.id, `{${index}}`, JSON.stringify(attachment)],
      );
      if (!updated.length) return false;
      await this.events.append(manager, message.workspaceId, {
        type: 'message.updated',
        conversationId: message.conversationId,
        payload: { message: await messageView(manager, message.workspaceId, message.id) },
      });
      return true;
    });
  }
}
