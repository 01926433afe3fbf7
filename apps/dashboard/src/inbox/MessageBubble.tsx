import { MouseEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  AttachmentView,
  MessageView,
  PlatformChangeSupport,
  ReplyButton,
  StoryRef,
} from '@parley/contract/views';
import { dateTime, shortTime } from '../ui/format';
import { MediaLinkState, useMediaLink } from '../ui/hooks';
import { AppCard } from './AppCard';
import { VoicePlayer } from './VoicePlayer';

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🙏', '✅'];

const TICKS: Record<MessageView['status'], string> = {
  sending: '🕓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '⚠',
};

interface Props {
  message: MessageView;
  mine: boolean;
  quoted: MessageView | undefined;
  onReply(message: MessageView): void;
  onReact(message: MessageView, emoji: string, action: 'add' | 'remove'): void;
  onEdit(message: MessageView, content: string): void;
  onDelete(message: MessageView): void;
  onRetry(message: MessageView): void;
  /** An image finished loading: the list may need to keep its bottom in view. */
  onMediaLoad(): void;
  myId: string;
  /** The conversation's platform and what agents' changes do there; unknown until loaded. */
  platform?: { name: string; changes: PlatformChangeSupport };
}

const HOUR_MS = 3600_000;
const bare = (emoji: string) => emoji.replace(/\uFE0F/g, '');

/** How the agent's newest change of this message stands at the platform. */
function PlatformChangeLine({ message, platform }: { message: MessageView; platform: string }) {
  const { t } = useTranslation();
  const change = message.platform_change;
  if (!change || change.state === 'applied') return null;
  return (
    <p
      className={`platform-change state-${change.state}`}
      data-testid="platform-change"
      data-kind={change.kind}
      data-state={change.state}
      title={change.reason ?? undefined}
      dir="auto"
      role={change.state === 'failed' ? 'alert' : undefined}
    >
      {t(`change.${change.state}`, { platform, reason: change.reason ?? '' })}
    </p>
  );
}

/** A click opens the link as it is now: a fresh one if the page has shown this one past its expiry. */
const openFresh =
  (link: MediaLinkState, download?: string) => async (event: MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    const url = await link.current();
    if (!url) return;
    const anchor = document.createElement('a');
    anchor.href = url;
    anchor.target = '_blank';
    anchor.rel = 'noreferrer';
    if (download) anchor.download = download;
    anchor.click();
  };

/** A failed load (most likely an expired link) asks for a new link, a couple of times at most. */
const MAX_RENEWALS = 2;

function StoredAttachment(props: {
  messageId: string;
  index: number;
  attachment: AttachmentView;
  onMediaLoad(): void;
}) {
  const { t } = useTranslation();
  const { attachment } = props;
  const link = useMediaLink(props.messageId, props.index);
  const renewals = useRef(0);
  if (attachment.kind === 'voice' || attachment.kind === 'audio')
    return (
      <VoicePlayer
        link={link}
        duration={attachment.duration}
        mime={attachment.mime}
        playable={!!attachment.playable_mime}
      />
    );
  if (attachment.kind === 'image' || attachment.kind === 'sticker')
    return (
      <a href={link.url ?? undefined} onClick={openFresh(link)} rel="noreferrer" className="image-link">
        <img
          src={link.url ?? undefined}
          alt={t('message.image')}
          loading="lazy"
          data-testid="image-preview"
          onLoad={() => {
            renewals.current = 0;
            props.onMediaLoad();
          }}
          onError={() => {
            if (renewals.current++ < MAX_RENEWALS) void link.renew();
          }}
        />
      </a>
    );
  return (
    <a
      href={link.url ?? undefined}
      onClick={openFresh(link, attachment.file_name ?? undefined)}
      rel="noreferrer"
      download={attachment.file_name ?? undefined}
    >
      📎 {attachment.file_name ?? t('message.file')}
    </a>
  );
}

/** What is shown of an attachment not downloaded (yet, or ever). */
function PendingAttachment({ attachment }: { attachment: AttachmentView }) {
  const { t } = useTranslation();
  return (
    <p className="muted">
      {t(`message.${attachment.kind === 'image' ? 'image' : attachment.kind === 'voice' ? 'voice' : 'file'}`)}{' '}
      ·{' '}
      {attachment.error ? (
        <span data-testid="media-unavailable" title={attachment.error}>
          {t('message.unavailableMedia')}
        </span>
      ) : (
        t('message.pendingMedia')
      )}
    </p>
  );
}

/**
 * The story a customer replied to or mentioned us in: what happened, the story's link (Meta's
 * CDN, http(s) only, dead once the story expires) and Parley's copy of its preview.
 */
function StoryCard({
  message,
  story,
  onMediaLoad,
}: {
  message: MessageView;
  story: StoryRef;
  onMediaLoad(): void;
}) {
  const { t } = useTranslation();
  const preview = story.preview === null ? undefined : message.attachments[story.preview];
  const link = story.url && /^https?:\/\//.test(story.url) ? story.url : null;
  return (
    <div className="story" data-testid="story" data-kind={story.kind}>
      <p className="muted">
        {t(story.kind === 'reply' ? 'message.storyReply' : 'message.storyMention')}
        {link && (
          <>
            {' · '}
            <a href={link} target="_blank" rel="noreferrer noopener" data-testid="story-link">
              {t('message.openStory')}
            </a>
          </>
        )}
      </p>
      {preview &&
        (preview.storage_key ? (
          <StoredAttachment
            messageId={message.id}
            index={story.preview ?? 0}
            attachment={preview}
            onMediaLoad={onMediaLoad}
          />
        ) : (
          <PendingAttachment attachment={preview} />
        ))}
    </div>
  );
}

function Attachments({ message, onMediaLoad }: { message: MessageView; onMediaLoad(): void }) {
  return (
    <>
      {message.attachments.map((attachment, index) =>
        // The story's preview is shown with the story.
        index === message.story?.preview ? null : attachment.storage_key ? (
          <StoredAttachment
            key={index}
            messageId={message.id}
            index={index}
            attachment={attachment}
            onMediaLoad={onMediaLoad}
          />
        ) : (
          <PendingAttachment key={index} attachment={attachment} />
        ),
      )}
    </>
  );
}

/**
 * The buttons a reply carries, as the customer sees them: a link button opens its page; a payload
 * button answers the app that sent it, so here it is only shown (its payload as a tooltip).
 */
function ReplyButtons({ rows }: { rows: ReplyButton[][] }) {
  const { t } = useTranslation();
  return (
    <div className="reply-buttons" role="group" aria-label={t('bot.buttons')} data-testid="reply-buttons">
      {rows.map((row, r) => (
        <div className="reply-button-row" key={r}>
          {row.map((button, b) =>
            'url' in button && /^https:\/\//.test(button.url) ? (
              <a
                key={b}
                className="reply-button"
                href={button.url}
                target="_blank"
                rel="noopener noreferrer"
                dir="auto"
              >
                {button.caption}
              </a>
            ) : (
              <span
                key={b}
                className="reply-button"
                title={'payload' in button ? button.payload : undefined}
                dir="auto"
              >
                {button.caption}
              </span>
            ),
          )}
        </div>
      ))}
    </div>
  );
}

/** One message. Content is always rendered as text (React escapes it); its direction follows its own text. */
export function MessageBubble(props: Props) {
  const { t } = useTranslation();
  const { message, mine } = props;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.content);
  const outgoing = message.type === 'support';
  const kind =
    message.type === 'note' ? 'note' : outgoing ? 'out' : message.type === 'system' ? 'system' : 'in';

  const platformName = props.platform?.name ?? '';
  const changes = props.platform?.changes;
  // What the platform will not show, said before the agent acts (a platform not yet known: nothing said).
  const editStays = outgoing && !!changes && !changes.edit;
  const tooOld =
    !!changes?.delete_within_hours &&
    Date.now() - new Date(message.created_at).getTime() > changes.delete_within_hours * HOUR_MS;
  const deleteQuestion =
    outgoing && changes && !changes.delete
      ? t('change.deleteStays', { platform: platformName })
      : outgoing && tooOld
        ? t('change.deleteTooOld', { platform: platformName, hours: changes!.delete_within_hours })
        : t('message.confirmDelete');
  const reactionStays = (emoji: string) =>
    message.type === 'customer' &&
    !!changes &&
    (!changes.react ||
      (changes.reactions !== null && !changes.reactions.some((r) => bare(r) === bare(emoji))));

  const grouped = new Map<string, { count: number; mine: boolean }>();
  for (const reaction of message.reactions) {
    const entry = grouped.get(reaction.emoji) ?? { count: 0, mine: false };
    entry.count += 1;
    if (reaction.sender.kind === 'agent' && reaction.sender.id === props.myId) entry.mine = true;
    grouped.set(reaction.emoji, entry);
  }

  return (
    <li
      className={`bubble-row ${kind}`}
      data-testid="message"
      data-id={message.id}
      data-status={message.status}
      data-type={message.type}
    >
      <article className={`bubble ${kind}`} aria-label={message.sender?.name ?? undefined}>
        <header className="bubble-head">
          <span className="sender" dir="auto" data-testid="sender">
            {mine
              ? t('message.you')
              : message.sender?.kind === 'platform_app'
                ? t(`message.apps.${message.sender.platform}`, { defaultValue: message.sender.name })
                : (message.sender?.name ?? t('message.contact'))}
          </span>
          {message.sender?.kind === 'app' && (
            <span className="tag" data-testid="app-tag">
              {t('message.viaApi')}
            </span>
          )}
          {message.sender?.kind === 'automatic' && (
            <span className="tag" data-testid="automatic-tag">
              {t(`message.automatic.${message.sender.id}`)}
            </span>
          )}
          {message.type === 'note' && <span className="tag">{t('message.note')}</span>}
        </header>
        {props.quoted && (
          <blockquote className="quote" dir="auto">
            {props.quoted.deleted
              ? t('message.deleted')
              : props.quoted.expired
                ? t('message.expired', { days: props.quoted.expired.after_days })
                : props.quoted.content || t('message.voice')}
          </blockquote>
        )}
        {message.deleted ? (
          <p className="muted deleted">{t('message.deleted')}</p>
        ) : message.expired ? (
          <p className="muted deleted" data-testid="expired">
            {t('message.expired', { days: message.expired.after_days })}
          </p>
        ) : editing ? (
          <form
            className="edit"
            onSubmit={(event) => {
              event.preventDefault();
              if (draft.trim() && draft !== message.content) props.onEdit(message, draft);
              setEditing(false);
            }}
          >
            {editStays && (
              <p className="muted" data-testid="edit-stays">
                {t('change.editStays', { platform: platformName })}
              </p>
            )}
            <textarea
              dir="auto"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              aria-label={t('message.edit')}
              autoFocus
            />
            <div className="row">
              <button type="submit">{t('message.save')}</button>
              <button type="button" onClick={() => setEditing(false)}>
                {t('message.cancel')}
              </button>
            </div>
          </form>
        ) : (
          <>
            {message.story && (
              <StoryCard message={message} story={message.story} onMediaLoad={props.onMediaLoad} />
            )}
            {message.button && (
              <p className="pressed muted" data-testid="pressed-button">
                {t('bot.pressed')}
              </p>
            )}
            {message.card ? (
              <AppCard card={message.card} />
            ) : (
              message.content && (
                <p
                  className={message.button ? 'content pressed-caption' : 'content'}
                  dir="auto"
                  data-testid="content"
                >
                  {message.content}
                </p>
              )
            )}
            <Attachments message={message} onMediaLoad={props.onMediaLoad} />
            {message.buttons && <ReplyButtons rows={message.buttons} />}
          </>
        )}
        {message.spam_reason && (
          <p className="spam" role="note">
            {t('message.spam', { reason: message.spam_reason })}
          </p>
        )}
        {grouped.size > 0 && (
          <div className="reactions">
            {[...grouped].map(([emoji, { count, mine: reacted }]) => (
              <button
                key={emoji}
                type="button"
                className={reacted ? 'reaction mine' : 'reaction'}
                aria-pressed={reacted}
                onClick={() => props.onReact(message, emoji, reacted ? 'remove' : 'add')}
              >
                {emoji} {count}
              </button>
            ))}
          </div>
        )}
        {props.platform && <PlatformChangeLine message={message} platform={platformName} />}
        <footer className="bubble-foot">
          <time dateTime={message.created_at} title={dateTime(message.created_at)}>
            {shortTime(message.created_at)}
          </time>
          {message.edited_at && !message.deleted && <span className="muted"> · {t('message.edited')}</span>}
          {outgoing && (
            <span
              className={`ticks ${message.status}`}
              data-testid="status"
              title={t(`message.${message.status}`)}
            >
              {TICKS[message.status]} <span className="sr-only">{t(`message.${message.status}`)}</span>
            </span>
          )}
        </footer>
        {message.status === 'failed' && (
          <div className="failed" role="alert">
            <span data-testid="failure-reason" dir="auto">
              {message.failure_code
                ? t(`message.failures.${message.failure_code}`, {
                    defaultValue: message.failure_reason ?? t('message.failed'),
                  })
                : (message.failure_reason ?? t('message.failed'))}
            </span>
            <button type="button" onClick={() => props.onRetry(message)} data-testid="retry">
              {t('message.retry')}
            </button>
          </div>
        )}
        {!message.deleted && !message.expired && !editing && (
          <div className="actions" role="group" aria-label={t('message.actions')}>
            <button type="button" onClick={() => props.onReply(message)}>
              {t('message.reply')}
            </button>
            {QUICK_REACTIONS.slice(0, 3).map((emoji) => (
              <button
                key={emoji}
                type="button"
                aria-label={`${t('message.react')} ${emoji}`}
                title={
                  reactionStays(emoji) ? t('change.reactionStays', { platform: platformName }) : undefined
                }
                onClick={() => props.onReact(message, emoji, grouped.get(emoji)?.mine ? 'remove' : 'add')}
              >
                {emoji}
              </button>
            ))}
            {mine && message.type !== 'customer' && (
              <>
                <button
                  type="button"
                  title={editStays ? t('change.editStays', { platform: platformName }) : undefined}
                  onClick={() => {
                    setDraft(message.content);
                    setEditing(true);
                  }}
                >
                  {t('message.edit')}
                </button>
                <button
                  type="button"
                  data-testid="delete"
                  onClick={() => window.confirm(deleteQuestion) && props.onDelete(message)}
                >
                  {t('message.delete')}
                </button>
                {editStays && (
                  <small className="muted" data-testid="stays-as-sent">
                    {t('change.unsupported', { platform: platformName })}
                  </small>
                )}
              </>
            )}
          </div>
        )}
      </article>
    </li>
  );
}
