import type { StoryRef } from '@parley/contract/views';
import type { Attachment } from '@parley/database/entities/message.entity';
import { z } from 'zod';
import type { PlatformInbound } from '../inbound';

/** Meta's Instagram messaging webhook, as documented (the parts Parley knows of). */
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
    reply_to?: { mid?: string; story?: { url?: string; id?: string } };
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

// A Map, so an attachment type such as "constructor" finds nothing inherited.
const KINDS = new Map<string, Attachment['kind']>([
  ['image', 'image'],
  ['audio', 'voice'],
  ['video', 'video'],
  ['file', 'file'],
  ['sticker', 'sticker'],
]);

const igId = z.string().min(1);
/** What a delivery must look like for us to walk it; anything else throws (ingest answers 400). */
const envelope = z.object({
  object: z.string(),
  entry: z.array(z.object({ id: igId, messaging: z.array(z.unknown()).optional() })).optional(),
});
/** The fields of one messaging event we read, with the types Meta gives them; others pass unread. */
const readable = z.object({
  sender: z.object({ id: igId }),
  recipient: z.object({ id: igId }).optional(),
  message: z
    .object({
      mid: igId,
      text: z.string().optional(),
      quick_reply: z.object({ payload: z.string() }).optional(),
      is_echo: z.boolean().optional(),
      is_deleted: z.boolean().optional(),
      attachments: z
        .array(
          z.object({ type: z.string(), payload: z.object({ url: z.string().min(1).optional() }).nullish() }),
        )
        .optional(),
      reply_to: z
        .object({
          mid: igId.optional(),
          story: z.object({ url: z.string().min(1).optional(), id: igId.optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  reaction: z
    .object({
      mid: igId,
      action: z.enum(['react', 'unreact']),
      reaction: z.string().min(1).optional(),
      emoji: z.string().min(1).optional(),
    })
    .optional(),
  read: z.object({ mid: igId }).optional(),
});

/**
 * One webhook delivery may batch many events, for several accounts. An event we cannot read is
 * ignored (with the reason) rather than refusing the delivery, so the others in it still count.
 */
export function normalizeInstagramWebhook(body: unknown): InstagramInbound[] {
  const delivery = envelope.parse(body);
  if (delivery.object !== 'instagram') return [];
  return (delivery.entry ?? []).flatMap((entry) =>
    (entry.messaging ?? []).map((raw) => {
      const event = readable.safeParse(raw);
      return {
        accountId: entry.id,
        event: event.success ? normalizeEvent(event.data) : unreadable(event.error),
      };
    }),
  );
}

function unreadable(error: z.ZodError): PlatformInbound {
  const issue = error.issues[0];
  return {
    kind: 'ignored',
    reason: `an event we cannot read (${issue.path.join('.') || 'event'}: ${issue.message})`,
  };
}

function normalizeEvent(event: z.infer<typeof readable>): PlatformInbound {
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
  if (message.is_deleted) return { kind: 'unsend', externalId: message.mid };

  const attachments: Attachment[] = [];
  let story: StoryRef | null = null;
  for (const a of message.attachments ?? []) {
    if (a.type === 'story_mention') {
      // The mention's payload is the story's media on Meta's CDN: its preview, and the link to it.
      const url = webUrl(a.payload?.url);
      story = { kind: 'mention', id: null, url, preview: url ? attachments.length : null };
      if (url) attachments.push(fromUrl('image', url));
      continue;
    }
    const kind = KINDS.get(a.type);
    if (kind) attachments.push(fromUrl(kind, a.payload?.url ?? null));
  }
  const repliedStory = message.reply_to?.story;
  if (repliedStory && !story) {
    const url = webUrl(repliedStory.url);
    story = { kind: 'reply', id: repliedStory.id ?? null, url, preview: url ? attachments.length : null };
    if (url) attachments.push(fromUrl('image', url));
  }
  const content = message.text ?? '';
  if (!content && !attachments.length) return { kind: 'ignored', reason: 'message with nothing we can show' };
  const media = attachments.flatMap((a, index) =>
    a.source ? [{ attachmentIndex: index, source: a.source }] : [],
  );
  if (message.is_echo) {
    // Sender and recipient swap on an echo: the customer is the recipient.
    if (!event.recipient) return { kind: 'ignored', reason: 'an echo that names no recipient' };
    return {
      kind: 'echo',
      externalId: message.mid,
      platformUserId: event.recipient.id,
      content,
      attachments,
      media,
      senderPlatformId: platformUserId,
    };
  }
  return {
    kind: 'message',
    platformUserId,
    profile: null,
    externalId: message.mid,
    content,
    attachments,
    sharedPhone: null,
    media,
    replyToExternalId: message.reply_to?.mid ?? null,
    story,
    // A tapped quick reply: Meta sends the title as the text and our payload beside it.
    ...(message.quick_reply ? { button: { payload: message.quick_reply.payload, caption: content } } : {}),
  };
}

const fromUrl = (kind: Attachment['kind'], url: string | null): Attachment => ({
  kind,
  mime: null,
  size: null,
  duration: null,
  storage_key: null,
  source: url,
});

/** A link an agent may open (and a preview to fetch): http(s) only, never a javascript: or data: URL. */
function webUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
