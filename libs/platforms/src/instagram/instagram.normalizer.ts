import type { Attachment } from '@parley/database/entities/message.entity';
import type { PlatformInbound } from '../inbound';

/** The parts of Meta's Instagram messaging webhook we read. */
export interface InstagramMessagingEvent {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: {
    mid: string;
    text?: string;
    is_echo?: boolean;
    is_deleted?: boolean;
    is_unsupported?: boolean;
    attachments?: { type: string; payload?: { url?: string } }[];
    reply_to?: { mid?: string };
  };
  reaction?: { mid: string; action: 'react' | 'unreact'; reaction?: string; emoji?: string };
  read?: { mid: string };
}
export interface InstagramWebhook {
  object: string;
  entry?: { id: string; time: number; messaging?: InstagramMessagingEvent[] }[];
}

/** Each event with the Instagram account it arrived for (one delivery can hold several accounts). */
export interface InstagramInbound {
  accountId: string;
  event: PlatformInbound;
}

const KINDS: Record<string, Attachment['kind']> = {
  image: 'image',
  audio: 'voice',
  video: 'video',
  file: 'file',
  sticker: 'sticker',
};

/** One webhook delivery may batch many events, for several accounts. */
export function normalizeInstagramWebhook(body: InstagramWebhook): InstagramInbound[] {
  if (body.object !== 'instagram') return [];
  return (body.entry ?? []).flatMap((entry) =>
    (entry.messaging ?? []).map((event) => ({ accountId: entry.id, event: normalizeEvent(event) })),
  );
}

function normalizeEvent(event: InstagramMessagingEvent): PlatformInbound {
  const platformUserId = event.sender.id;
  if (event.reaction) {
    return {
      kind: 'reaction',
      platformUserId,
      externalId: event.reaction.mid,
      emoji: event.reaction.emoji ?? event.reaction.reaction ?? '❤️',
      action: event.reaction.action === 'unreact' ? 'remove' : 'add',
    };
  }
  if (event.read) return { kind: 'read', platformUserId, externalId: event.read.mid };
  const message = event.message;
  if (!message) return { kind: 'ignored', reason: 'event without message, reaction or read' };
  if (message.is_echo) return { kind: 'echo', externalId: message.mid };
  if (message.is_deleted) return { kind: 'unsend', externalId: message.mid };

  const attachments: Attachment[] = (message.attachments ?? []).flatMap((a) =>
    KINDS[a.type]
      ? [
          {
            kind: KINDS[a.type],
            mime: null,
            size: null,
            duration: null,
            storage_key: null,
            source: a.payload?.url ?? null,
          },
        ]
      : [],
  );
  const content = message.text ?? '';
  if (!content && !attachments.length) return { kind: 'ignored', reason: 'message with nothing we can show' };
  return {
    kind: 'message',
    platformUserId,
    profile: null,
    externalId: message.mid,
    content,
    attachments,
    sharedPhone: null,
    media: attachments.flatMap((a, index) =>
      a.source ? [{ attachmentIndex: index, source: a.source }] : [],
    ),
    replyToExternalId: message.reply_to?.mid ?? null,
  };
}
