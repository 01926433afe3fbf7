import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Channel } from '@parley/database/entities/channel.entity';
import { Attachment, Message } from '@parley/database/entities/message.entity';
import { notFound } from '@parley/errors/app-error';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import type { MediaJob } from '@parley/queue/queues';
import { SecurityEventService } from '@parley/security/security-event.service';
import { AudioTranscoder } from '../audio-transcoder';
import { CannedAttachmentService } from './canned-attachment.service';
import { SNIFF_BYTES, sniffMime } from '../media-types';
import { ChannelService } from './channel.service';
import { EventService } from './event.service';
import { mediaPath, ServedFile, servedFile } from './media-files';
import { MediaLinkService } from './media-link.service';
import { messageView } from './message-query.service';

/** Telegram's bot download limit; larger inbound files are refused. */
export const MAX_MEDIA_BYTES = 20 * 1024 * 1024;

/** Instagram's limit for an audio attachment; a converted voice note is never larger. */
const MAX_VOICE_BYTES = 25 * 1024 * 1024;
/** A voice note longer than this is refused rather than converted for minutes. */
const MAX_VOICE_SECONDS = 30 * 60;

/** The worker's ffmpeg, bounded in time, output size and duration. */
export const voiceTranscoder = (config: AppConfig) =>
  new AudioTranscoder({
    ffmpegPath: config.media.ffmpegPath,
    timeoutMs: config.media.transcodeTimeoutMs,
    maxOutputBytes: MAX_VOICE_BYTES,
    maxSeconds: MAX_VOICE_SECONDS,
  });

/** Audio some browsers cannot play (Safari before 17 plays no OGG/Opus, none plays WebM everywhere). */
const NOT_PLAYABLE_EVERYWHERE = ['audio/ogg', 'video/webm', 'audio/webm'];
/** What every browser plays: AAC in MP4 (M4A). */
const PLAYABLE_MIME = 'audio/mp4';

@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);
  private readonly transcoder: AudioTranscoder;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly events: EventService,
    private readonly links: MediaLinkService,
    private readonly securityEvents: SecurityEventService,
    private readonly cannedFiles: CannedAttachmentService,
  ) {
    this.transcoder = voiceTranscoder(config);
  }

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
      .download(this.channels.access(channel), job.source, MAX_MEDIA_BYTES)
      .catch(async (error: unknown) => {
        if (error instanceof PlatformError && error.code === 'url_refused') {
          // A webhook pointed us somewhere we do not fetch from: worth an admin's eye.
          await this.securityEvents.record({
            kind: 'media_url_refused',
            workspaceId: job.workspaceId,
            detail: {
              message_id: job.messageId,
              attachment_index: job.attachmentIndex,
              channel_id: channel.id,
              reason: error.reason,
            },
          });
        }
        throw error;
      });
    const key = `${job.workspaceId}/${job.messageId}-${job.attachmentIndex}`;
    const target = mediaPath(this.config.mediaDir, key);
    const partial = `${target}.${randomBytes(4).toString('hex')}.part`;
    await mkdir(dirname(target), { recursive: true });
    let size = 0;
    let head = Buffer.alloc(0);
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk]).subarray(0, SNIFF_BYTES);
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
    const mime = (await sniffMime(head))?.mime ?? declaredMime ?? attachment.mime;
    const playable = await this.playableCopy(attachment, { path: target, mime, key });
    const kept = await this.setAttachment(message, job.attachmentIndex, {
      ...attachment,
      storage_key: key,
      size,
      mime,
      ...playable,
    });
    // Deleted (or unsent) while the file was on its way: nothing of it is kept.
    if (!kept) {
      await rm(target, { force: true });
      if (playable.playable_key)
        await rm(mediaPath(this.config.mediaDir, playable.playable_key), { force: true });
    }
  }

  /**
   * A customer's voice or audio in a format not every browser plays (Telegram's OGG/Opus) gets an
   * M4A copy next to it, which the media link serves with `?variant=playable`. A file ffmpeg cannot
   * read keeps only its original, which stays downloadable.
   */
  private async playableCopy(
    attachment: Attachment,
    file: { path: string; mime: string | null; key: string },
  ): Promise<Pick<Attachment, 'playable_key' | 'playable_mime'>> {
    if ((attachment.kind !== 'voice' && attachment.kind !== 'audio') || !file.mime) return {};
    if (!NOT_PLAYABLE_EVERYWHERE.includes(file.mime)) return {};
    const key = `${file.key}.playable.m4a`;
    try {
      await this.transcoder.transcode(
        { path: file.path, mime: file.mime },
        PLAYABLE_MIME,
        mediaPath(this.config.mediaDir, key),
      );
      return { playable_key: key, playable_mime: PLAYABLE_MIME };
    } catch (error) {
      this.logger.warn(`no playable copy of ${file.key}: ${(error as Error).message}`);
      return {};
    }
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
          AND expired_at IS NULL
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

  /** A link to one stored attachment, for an agent of the same workspace; expires after MEDIA_LINK_TTL_SECONDS. */
  async link(
    workspaceId: string,
    messageId: string,
    index: number,
  ): Promise<{ token: string; expiresAt: Date }> {
    await this.stored(workspaceId, messageId, index);
    return this.links.sign({ workspaceId, messageId, index });
  }

  /** The attachment a media link names; an expired, forged or dead link is simply not found. */
  async fileByLink(token: string, variant?: 'playable'): Promise<ServedFile> {
    const ref = this.links.verify(token);
    if (!ref) throw notFound('attachment');
    if (ref.source === 'canned') return this.cannedFiles.fileByLink(ref.workspaceId, ref.messageId);
    return this.file(ref.workspaceId, ref.messageId, ref.index, variant);
  }

  /**
   * The stored file of one attachment, for an agent of the same workspace only, typed by its own
   * bytes; `playable` asks for the copy every browser plays, where there is one (else the original).
   */
  async file(
    workspaceId: string,
    messageId: string,
    index: number,
    variant?: 'playable',
  ): Promise<ServedFile> {
    const stored = await this.stored(workspaceId, messageId, index);
    const { attachment } = stored;
    const path =
      variant === 'playable' && attachment.playable_key
        ? mediaPath(this.config.mediaDir, attachment.playable_key)
        : stored.path;
    return servedFile(path, attachment.file_name ?? attachment.kind);
  }

  private async stored(workspaceId: string, messageId: string, index: number) {
    const message = await this.db.getRepository(Message).findOneBy({ id: messageId, workspaceId });
    const attachment = message?.attachments[index];
    if (!message || message.deletedAt || !attachment?.storage_key) throw notFound('attachment');
    return { attachment, path: mediaPath(this.config.mediaDir, attachment.storage_key) };
  }

  /** Sets one attachment of a message that is not deleted; false when it is (nothing is written). */
  private async setAttachment(message: Message, index: number, attachment: Attachment): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      // jsonb_set on one element, so two attachments of one message downloading at once do not overwrite each other.
      const updated: unknown[] = await manager.query(
        `WITH updated AS (
           UPDATE message SET attachments = jsonb_set(attachments, $2::text[], $3::jsonb)
            WHERE id = $1 AND deleted_at IS NULL AND expired_at IS NULL RETURNING id)
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
