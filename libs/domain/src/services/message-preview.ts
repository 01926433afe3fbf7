import type { Attachment } from '@parley/database/entities/message.entity';

const PREVIEW_LENGTH = 140;

/** What the inbox list shows of a message: its text's start, or the kind of its first attachment. */
export const previewOf = (content: string, attachments: Attachment[] = []) =>
  content.trim()
    ? content.trim().slice(0, PREVIEW_LENGTH)
    : attachments.length
      ? `[${attachments[0].kind}]`
      : '';
