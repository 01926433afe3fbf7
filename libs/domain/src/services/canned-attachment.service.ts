import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { readFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { CANNED_ATTACHMENTS_MAX, type CannedResponseView } from '@parley/contract/canned-responses';
import { AppError, notFound } from '@parley/errors/app-error';
import { CannedResponseService } from './canned-response.service';
import { mediaPath, removeMediaFiles, ServedFile, servedFile } from './media-files';
import { MediaLinkService } from './media-link.service';
import type { AuthAgent } from './token.service';
import { UploadInput, UploadService } from './upload.service';

interface StoredFile {
  id: string;
  kind: 'image' | 'file';
  file_name: string;
  storage_key: string;
}

/**
 * The files of canned replies: checked as a reply's uploads are (size, sniffed type), kept in the
 * workspace's folder of MEDIA_DIR, seen and changed by whoever sees and changes their reply. A
 * reply sent with one gets a copy of its bytes (see `asUpload`), so the file may go at any time.
 */
@Injectable()
export class CannedAttachmentService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly canned: CannedResponseService,
    private readonly uploads: UploadService,
    private readonly links: MediaLinkService,
  ) {}

  /** Adds one file to a reply the caller writes; answers the reply with its files. */
  async add(
    workspaceId: string,
    me: AuthAgent,
    cannedId: string,
    file: { bytes: Buffer; fileName: string; kind?: 'image' | 'file' },
  ): Promise<CannedResponseView> {
    await this.canned.writable(workspaceId, me, cannedId);
    // Checked in memory before anything is written, as a reply's upload is.
    const checked = await this.uploads.checkDocument(file, file.kind);
    const [stored] = await this.uploads.store(workspaceId, [checked]);
    try {
      await this.db.transaction(async (manager) => {
        // Locks the reply: two uploads at once cannot both take the last place.
        await this.canned.writable(workspaceId, me, cannedId, manager);
        const [{ count }]: { count: number }[] = await manager.query(
          `SELECT count(*)::int AS count FROM canned_response_attachment
            WHERE workspace_id = $1 AND canned_response_id = $2`,
          [workspaceId, cannedId],
        );
        if (count >= CANNED_ATTACHMENTS_MAX)
          throw new AppError('canned_attachments_full', 409, { max: CANNED_ATTACHMENTS_MAX });
        await manager.query(
          `INSERT INTO canned_response_attachment
             (workspace_id, canned_response_id, kind, mime, size, file_name, storage_key, position)
           VALUES ($1, $2, $3, $4, $5, $6, $7,
             (SELECT coalesce(max(position), 0) + 1 FROM canned_response_attachment
               WHERE workspace_id = $1 AND canned_response_id = $2))`,
          [
            workspaceId,
            cannedId,
            stored.kind,
            stored.mime,
            stored.size,
            stored.file_name,
            stored.storage_key,
          ],
        );
        await manager.query(
          `UPDATE canned_response SET updated_at = now() WHERE workspace_id = $1 AND id = $2`,
          [workspaceId, cannedId],
        );
      });
    } catch (error) {
      await this.uploads.discard([stored]);
      throw error;
    }
    return this.canned.get(workspaceId, me, cannedId);
  }

  /** Takes one file off a reply the caller writes; messages sent with it keep their own copy. */
  async remove(workspaceId: string, me: AuthAgent, cannedId: string, attachmentId: string): Promise<void> {
    await this.canned.writable(workspaceId, me, cannedId);
    const rows: { storage_key: string }[] = await this.db.query(
      `DELETE FROM canned_response_attachment WHERE workspace_id = $1 AND canned_response_id = $2 AND id = $3
        RETURNING storage_key`,
      [workspaceId, cannedId, attachmentId],
    );
    if (!rows.length) throw notFound('attachment');
    await removeMediaFiles(
      this.config.mediaDir,
      rows.map((r) => r.storage_key),
    );
  }

  /** The file's bytes as served, for whoever sees its reply. */
  async file(
    workspaceId: string,
    me: AuthAgent,
    cannedId: string,
    attachmentId: string,
  ): Promise<ServedFile> {
    const file = await this.visibleFile(workspaceId, me, cannedId, attachmentId);
    return servedFile(mediaPath(this.config.mediaDir, file.storage_key), file.file_name);
  }

  /** A short-lived media link to the file (`GET /api/v1/media/{token}`), for whoever sees its reply. */
  async link(
    workspaceId: string,
    me: AuthAgent,
    cannedId: string,
    attachmentId: string,
  ): Promise<{ token: string; expiresAt: Date }> {
    await this.visibleFile(workspaceId, me, cannedId, attachmentId);
    return this.links.sign({ workspaceId, messageId: attachmentId, index: 0, source: 'canned' });
  }

  /** The file a media link names (the link is the proof of who may see it); 404 once it is gone. */
  async fileByLink(workspaceId: string, attachmentId: string): Promise<ServedFile> {
    const [file]: StoredFile[] = await this.db.query(
      `SELECT id, kind, file_name, storage_key FROM canned_response_attachment WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, attachmentId],
    );
    if (!file) throw notFound('attachment');
    return servedFile(mediaPath(this.config.mediaDir, file.storage_key), file.file_name);
  }

  /**
   * A canned reply's file as an upload of a new reply, read from disk: the reply checks it for its
   * platform and stores its own copy, so the message never depends on the canned reply again.
   */
  async asUpload(workspaceId: string, me: AuthAgent, attachmentId: string): Promise<UploadInput> {
    const [file]: (StoredFile & { canned_response_id: string })[] = await this.db.query(
      `SELECT id, kind, file_name, storage_key, canned_response_id FROM canned_response_attachment
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, attachmentId],
    );
    if (!file) throw notFound('attachment');
    // Another agent's own reply's file is not the caller's to send, nor to know of.
    await this.canned.visible(workspaceId, me, file.canned_response_id).catch(() => {
      throw notFound('attachment');
    });
    const bytes = await readFile(mediaPath(this.config.mediaDir, file.storage_key)).catch(() => {
      throw notFound('attachment');
    });
    return { kind: file.kind, bytes, fileName: file.file_name, duration: null };
  }

  private async visibleFile(
    workspaceId: string,
    me: AuthAgent,
    cannedId: string,
    attachmentId: string,
  ): Promise<StoredFile> {
    await this.canned.visible(workspaceId, me, cannedId);
    const [file]: StoredFile[] = await this.db.query(
      `SELECT id, kind, file_name, storage_key FROM canned_response_attachment
        WHERE workspace_id = $1 AND canned_response_id = $2 AND id = $3`,
      [workspaceId, cannedId, attachmentId],
    );
    if (!file) throw notFound('attachment');
    return file;
  }
}
