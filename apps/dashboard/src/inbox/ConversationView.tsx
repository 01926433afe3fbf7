import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CannedAttachmentView } from '@parley/contract/canned-responses';
// `Conversation`: the name ConversationView is this file's component.
import type {
  ConversationView as Conversation,
  ConversationStatus,
  MessageView,
  Page,
  PlatformView,
} from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { contactName, relative, span } from '../ui/format';
import { navigate, useLiveSocket, useTick, useVisible } from '../ui/hooks';
import { presenceOf, useLive } from '../ui/live';
import { AppActionsMenu, AppPanel, OpenApp } from './AppActions';
import { chatReducer, emptyChat, ordered, RECENT_PAGE } from './chat-state';
import { calls } from '../calls/call-store';
import { CallLinkButton } from '../calls/CallLinkButton';
import { CallVisitorButton } from '../calls/CallVisitorButton';
import { ChannelIcon } from './ChannelIcon';
import { SlaBadge } from './SlaBadge';
import { Composer } from './Composer';
import { LabelChips, LabelPicker } from './Labels';
import type { TeamView } from '@parley/contract/teams';
import { MessageBubble } from './MessageBubble';

const STATUSES: ConversationStatus[] = ['open', 'support_active', 'pending', 'resolved'];
const DAY_MS = 24 * 3600_000;

let clientIds = 0;

function InstagramWindow({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const now = useTick(30_000);
  if (conversation.channel.type !== 'instagram' || !conversation.last_customer_message_at) return null;
  const since = now - new Date(conversation.last_customer_message_at).getTime();
  const text =
    since < DAY_MS
      ? t('window.left', { time: span(DAY_MS - since) })
      : since < 7 * DAY_MS
        ? t('window.closed')
        : t('window.expired');
  return (
    <p className={since < DAY_MS ? 'window' : 'window closed'} data-testid="ig-window">
      {text}
    </p>
  );
}

function TeamPresence({ exclude }: { exclude: string }) {
  const live = useLive();
  const { t } = useTranslation();
  useTick(30_000);
  const others = live.agents.filter((a) => a.is_active && a.id !== exclude);
  if (!others.length) return null;
  return (
    <ul className="team" aria-label={t('presence.team')}>
      {others.map((agent) => {
        const { status, lastSeen } = presenceOf(live, agent.id);
        return (
          <li key={agent.id} data-testid="presence" data-agent={agent.id} data-status={status}>
            <span className={`dot ${status}`} aria-hidden="true" />
            <span dir="auto">{agent.name}</span>{' '}
            <span className="muted">
              {status === 'offline' && lastSeen
                ? t('presence.lastSeen', { time: relative(lastSeen) })
                : t(`presence.${status}`)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** How many older pages a search result's conversation loads, at most, to reach the message found. */
const FOCUS_PAGES = 40;

/** One conversation, live on `/ws/chat/{id}/`: history, replies, ticks, typing, reactions, status and assignment. */
export function ConversationView({
  conversationId,
  focusMessageId = null,
}: {
  conversationId: string;
  /** A message to show (a search result): older pages load until it is there, then it is scrolled to. */
  focusMessageId?: string | null;
}) {
  const { t } = useTranslation();
  const live = useLive();
  const me = live.session.agent;
  const [state, dispatch] = useReducer(chatReducer, undefined, emptyChat);
  const [replyTo, setReplyTo] = useState<MessageView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const scroller = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const lastRead = useRef<string | null>(null);
  // An app's page beside the conversation; it belongs to this conversation only.
  const [openApp, setOpenApp] = useState<OpenApp | null>(null);
  useEffect(() => setOpenApp(null), [conversationId]);

  const report = useCallback(
    (e: unknown) =>
      setError(e instanceof ApiError && e.code !== 'network_error' ? e.message : t('common.network_error')),
    [t],
  );

  // Loaded again once the chat socket is live, so no change slips between the two.
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    api<Conversation>(`/conversations/${conversationId}`).then(
      (conversation) => dispatch({ kind: 'conversation', conversation }),
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 404) navigate('/inbox');
        else report(e);
      },
    );
  }, [conversationId, report, generation]);

  // What agents' edits, deletes and reactions do on each platform, to say so before an agent acts.
  const [platforms, setPlatforms] = useState<PlatformView[]>([]);
  useEffect(() => {
    api<PlatformView[]>('/platforms').then(setPlatforms, () => setPlatforms([]));
  }, []);
  const channelType = state.conversation?.channel.type;
  const platformChanges = platforms.find((p) => p.type === channelType)?.changes;
  const platform =
    channelType && platformChanges
      ? { name: channelType.charAt(0).toUpperCase() + channelType.slice(1), changes: platformChanges }
      : undefined;

  // A hidden tab lets go of its chat socket after a while (the per-agent cap), and catches up when shown.
  const visible = useVisible();
  const socket = useLiveSocket(
    'chat',
    `/ws/chat/${conversationId}/`,
    (frame) => {
      if (frame.type === 'error') {
        const reason = frame.message || frame.code;
        if (frame.client_id) dispatch({ kind: 'refused', client_id: frame.client_id, reason });
        else setError(reason);
        return;
      }
      if (frame.type === 'recent_messages') setGeneration((g) => g + 1);
      dispatch({ kind: 'frame', frame, now: Date.now() });
    },
    visible,
  );

  useEffect(() => {
    const timer = setInterval(() => dispatch({ kind: 'expire-typing', now: Date.now() }), 1000);
    return () => clearInterval(timer);
  }, []);

  const messages = ordered(state);
  const byId = state.messages;

  // Read what is on screen: the newest customer message, once per new one, while the tab is visible.
  const newestCustomer = [...messages].reverse().find((m) => m.type === 'customer');
  useEffect(() => {
    if (!newestCustomer || lastRead.current === newestCustomer.id || !visible) return;
    if (socket?.send({ type: 'mark_read', message_id: newestCustomer.id }))
      lastRead.current = newestCustomer.id;
  }, [newestCustomer, socket, socket?.state, visible]);

  // Keep the newest message in view unless the agent scrolled up to read older ones.
  const followBottom = useCallback(() => {
    const element = scroller.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, []);
  useLayoutEffect(followBottom, [messages.length, state.pending.length, followBottom]);

  const loadOlder = async () => {
    if (loadingOlder || !state.hasOlder || state.oldestSeq === null) return;
    setLoadingOlder(true);
    const element = scroller.current!;
    const before = element.scrollHeight;
    try {
      const page = await api<Page<MessageView>>(
        `/conversations/${conversationId}/messages?before_seq=${state.oldestSeq}&limit=${RECENT_PAGE}`,
      );
      dispatch({ kind: 'older', messages: page.data, hasOlder: page.next_cursor !== null });
      requestAnimationFrame(() => {
        element.scrollTop += element.scrollHeight - before;
      });
    } catch (e) {
      report(e);
    } finally {
      setLoadingOlder(false);
    }
  };

  // Pages back (a bounded number of times) until the message searched for is loaded, then shows it.
  const focused = useRef<string | null>(null);
  const focusPages = useRef(0);
  useEffect(() => {
    if (!focusMessageId || focused.current === focusMessageId || !messages.length) return;
    if (byId.has(focusMessageId)) {
      const element = scroller.current?.querySelector(`[data-id="${CSS.escape(focusMessageId)}"]`);
      if (!element) return;
      focused.current = focusMessageId;
      stickToBottom.current = false;
      element.setAttribute('data-focused', 'true');
      element.scrollIntoView({ block: 'center' });
    } else if (state.hasOlder && !loadingOlder && focusPages.current < FOCUS_PAGES) {
      focusPages.current += 1;
      void loadOlder();
    }
  });

  const send = (content: string, isNote: boolean, quoted: string | null = replyTo?.id ?? null) => {
    setError(null);
    const clientId = `c${Date.now().toString(36)}${clientIds++}`;
    const frame = {
      type: 'chat_message' as const,
      content,
      client_id: clientId,
      reply_to: quoted,
      is_note: isNote,
    };
    if (socket?.send(frame)) {
      dispatch({
        kind: 'pending',
        reply: {
          client_id: clientId,
          content,
          is_note: isNote,
          reply_to: frame.reply_to,
          created_at: new Date().toISOString(),
        },
      });
    } else {
      // The socket is reconnecting: REST stores the reply just the same.
      api(`/message/conversation/${conversationId}/send-message/`, {
        method: 'POST',
        body: { content, type: isNote ? 'note' : 'support', ...(quoted ? { reply_to: quoted } : {}) },
      }).catch(report);
    }
    setReplyTo(null);
    stickToBottom.current = true;
  };

  const upload = (file: Blob, kind: 'voice' | 'image', name: string, duration?: number) => {
    setError(null);
    const form = new FormData();
    form.append('kind', kind);
    if (duration) form.append('duration', String(duration));
    form.append('file', file, name);
    stickToBottom.current = true;
    api(`/conversations/${conversationId}/attachments`, { method: 'POST', form }).catch(report);
  };

  // In order, each waiting for the one before: the text first, then each canned file as its own attachment.
  const sendFiles = async (content: string, files: CannedAttachmentView[]) => {
    setError(null);
    const quoted = replyTo?.id ?? null;
    setReplyTo(null);
    stickToBottom.current = true;
    try {
      if (content)
        await api(`/message/conversation/${conversationId}/send-message/`, {
          method: 'POST',
          body: { content, type: 'support', ...(quoted ? { reply_to: quoted } : {}) },
        });
      for (const file of files)
        await api(`/conversations/${conversationId}/attachments`, {
          method: 'POST',
          body: { canned_attachment_id: file.id },
        });
    } catch (e) {
      report(e);
    }
  };

  const conversation = state.conversation;
  const setStatus = (status: ConversationStatus) =>
    api<Conversation>(`/message/conversation/${conversationId}/status/`, {
      method: 'PATCH',
      body: { status },
    }).then((c) => dispatch({ kind: 'conversation', conversation: c }), report);
  const assign = (agentId: string) =>
    api<Conversation>(`/conversations/${conversationId}/${agentId ? 'assign' : 'unassign'}`, {
      method: 'POST',
      body: agentId ? { agent_id: agentId } : {},
    }).then((c) => dispatch({ kind: 'conversation', conversation: c }), report);

  const [teams, setTeams] = useState<TeamView[]>([]);
  useEffect(() => {
    api<TeamView[]>('/teams').then(setTeams, () => setTeams([]));
  }, []);
  const moveToTeam = (teamId: string) =>
    api<Conversation>(`/conversations/${conversationId}/assign`, {
      method: 'POST',
      body: { team_id: teamId || null },
    }).then((c) => dispatch({ kind: 'conversation', conversation: c }), report);

  const typing = [...state.typing.values()].map((x) => x.name);
  const title = conversation ? contactName(conversation.contact) : '';

  return (
    <section
      className={openApp ? 'conversation with-app' : 'conversation'}
      aria-label={title}
      data-testid="conversation"
    >
      <header className="conversation-head">
        <button
          type="button"
          className="back"
          onClick={() => navigate('/inbox')}
          aria-label={t('inbox.back')}
        >
          ←
        </button>
        {conversation && (
          <>
            <div className="who">
              <h2 dir="auto">
                <ChannelIcon type={conversation.channel.type} /> {title}
              </h2>
              {conversation.contact.username && (
                <span className="muted" dir="ltr">
                  @{conversation.contact.username}
                </span>
              )}
              {conversation.ad && /^https:\/\//.test(conversation.ad.url) && (
                <a
                  className="ad-link"
                  href={conversation.ad.url}
                  target="_blank"
                  rel="noopener noreferrer"
                  dir="ltr"
                  data-testid="conversation-ad"
                >
                  {t('inbox.ad', { token: conversation.ad.post_token })}
                </a>
              )}
              <SlaBadge sla={conversation.sla} />
              <LabelChips labels={conversation.labels} />
            </div>
            <LabelPicker conversationId={conversationId} current={conversation.labels} onError={report} />
            {(teams.length > 0 || conversation.team) && (
              <label className="inline">
                <span>{t('essentials.teams.team')}</span>
                <select
                  value={conversation.team?.id ?? ''}
                  onChange={(event) => void moveToTeam(event.target.value)}
                  data-testid="team-select"
                >
                  <option value="">{t('essentials.teams.noTeam')}</option>
                  {conversation.team && !teams.some((team) => team.id === conversation.team?.id) && (
                    <option value={conversation.team.id}>{conversation.team.name}</option>
                  )}
                  {teams.map((team) => (
                    <option key={team.id} value={team.id}>
                      {team.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label className="inline">
              <span>{t('status.label')}</span>
              <select
                value={conversation.status}
                onChange={(event) => void setStatus(event.target.value as ConversationStatus)}
                data-testid="status-select"
              >
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            </label>
            <label className="inline">
              <span>{t('assign.label')}</span>
              <select
                value={conversation.assignee?.id ?? ''}
                onChange={(event) => void assign(event.target.value)}
                data-testid="assignee-select"
              >
                <option value="">{t('assign.nobody')}</option>
                {live.agents
                  .filter((a) => a.is_active || a.id === conversation.assignee?.id)
                  .map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.id === me.id ? `${a.name} (${t('message.you')})` : a.name}
                    </option>
                  ))}
              </select>
            </label>
            {conversation.assignee && conversation.assignee.id !== me.id && (
              <button
                type="button"
                data-testid="call-assignee"
                onClick={() =>
                  void calls.place({ conversation_id: conversationId }, conversation.assignee?.name ?? '')
                }
              >
                {t('calls.callAssignee', { name: conversation.assignee.name })}
              </button>
            )}
            {conversation.channel.type === 'web' && (
              <CallVisitorButton conversationId={conversationId} name={contactName(conversation.contact)} />
            )}
            <CallLinkButton conversationId={conversationId} />
            <AppActionsMenu conversationId={conversationId} onOpen={setOpenApp} />
          </>
        )}
      </header>
      {conversation?.bot && (
        <p className="bot-banner" role="status" data-testid="bot-banner">
          <span dir="auto">{t('bot.handling', { name: conversation.bot.name })}</span>
          {/* Taking it is assigning it to oneself: the bot stops at once (so does replying). */}
          <button type="button" onClick={() => void assign(me.id)} data-testid="take-over">
            {t('bot.takeOver')}
          </button>
        </p>
      )}
      {openApp && <AppPanel app={openApp} onClose={() => setOpenApp(null)} />}
      {conversation && <InstagramWindow conversation={conversation} />}
      <TeamPresence exclude={me.id} />
      <ol
        className="messages"
        ref={scroller}
        aria-label={t('message.history')}
        aria-live="polite"
        data-testid="messages"
        onScroll={(event) => {
          const element = event.currentTarget;
          stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
          if (element.scrollTop < 120) void loadOlder();
        }}
      >
        {loadingOlder && <li className="muted center">{t('message.older')}</li>}
        {messages.map((message) => (
          <MessageBubble
            key={message.id}
            message={message}
            myId={me.id}
            platform={platform}
            mine={message.sender?.kind === 'agent' && message.sender.id === me.id}
            quoted={message.reply_to ? byId.get(message.reply_to) : undefined}
            onReply={setReplyTo}
            onReact={(m, emoji, action) =>
              socket?.send({ type: 'reaction', message_id: m.id, emoji, action })
            }
            onEdit={(m, content) => socket?.send({ type: 'edit_message', message_id: m.id, content })}
            onDelete={(m) => socket?.send({ type: 'delete_message', message_id: m.id })}
            onRetry={(m) => void api(`/messages/${m.id}/retry`, { method: 'POST' }).catch(report)}
            onMediaLoad={followBottom}
          />
        ))}
        {state.pending.map((p) => (
          <li key={p.client_id} className={`bubble-row ${p.is_note ? 'note' : 'out'}`} data-testid="pending">
            <article className={`bubble ${p.is_note ? 'note' : 'out'} ${p.error ? '' : 'pending'}`}>
              <p className="content" dir="auto">
                {p.content}
              </p>
              {p.error ? (
                <div className="failed" role="alert">
                  <span data-testid="refusal">{p.error}</span>
                  <button
                    type="button"
                    onClick={() => {
                      dispatch({ kind: 'unpend', client_id: p.client_id });
                      send(p.content, p.is_note, p.reply_to);
                    }}
                  >
                    {t('message.retry')}
                  </button>
                  <button type="button" onClick={() => dispatch({ kind: 'unpend', client_id: p.client_id })}>
                    {t('message.cancel')}
                  </button>
                </div>
              ) : (
                <footer className="bubble-foot">
                  <span className="ticks sending">🕓 {t('message.sending')}</span>
                </footer>
              )}
            </article>
          </li>
        ))}
      </ol>
      <p className="typing" aria-live="polite" data-testid="typing">
        {typing.length > 0 ? t('message.typing', { name: typing.join(', ') }) : ''}
      </p>
      <Composer
        conversationId={conversationId}
        disabled={!conversation}
        replyTo={replyTo}
        clearReply={() => setReplyTo(null)}
        onSend={send}
        onTyping={(isTyping) => socket?.send({ type: 'typing', is_typing: isTyping })}
        onUpload={upload}
        onSendFiles={(content, files) => void sendFiles(content, files)}
        voiceFormat={conversation?.channel.type === 'instagram' ? 'wav' : 'ogg'}
        error={error}
        teammates={live.agents.filter((a) => a.is_active && a.id !== me.id)}
      />
    </section>
  );
}
