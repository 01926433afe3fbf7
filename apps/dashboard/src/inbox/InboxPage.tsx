import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
// `Conversation`: the name ConversationView is this page's component.
import type { ConversationView as Conversation, ConversationStatus, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { unhandled } from '../api/frames';
import { number, shortTime } from '../ui/format';
import { useLive, type ListFrame } from '../ui/live';
import { ChannelIcon } from './ChannelIcon';
import { ConversationView } from './ConversationView';
import { SavedViews } from '../search/SavedViews';
import { mergeReload, newestFirst } from './list-state';

type Scope = 'mine' | 'unassigned' | 'bot' | 'all';
const STATUSES: ConversationStatus[] = ['open', 'support_active', 'pending', 'resolved'];
const PAGE = 50;

const nameOf = (c: Conversation) => c.contact.name ?? c.contact.username ?? '—';

function matches(c: Conversation, scope: Scope, status: string, q: string, me: string): boolean {
  if (scope === 'mine' && c.assignee?.id !== me) return false;
  // The agents' queue leaves out what a bot is handling; the Bot tab shows only that.
  if (scope === 'unassigned' && (c.assignee || c.bot)) return false;
  if (scope === 'bot' && !c.bot) return false;
  if (status && c.status !== status) return false;
  const needle = q.trim().toLowerCase();
  if (needle && ![c.contact.name, c.contact.username].some((v) => v?.toLowerCase().includes(needle)))
    return false;
  return true;
}

/** The inbox: filters, search and a list kept live by `/ws/conversations/`; the open conversation beside it. */
export function InboxPage({
  conversationId,
  focusMessageId = null,
}: {
  conversationId: string | null;
  focusMessageId?: string | null;
}) {
  const { t } = useTranslation();
  const live = useLive();
  const me = live.session.agent.id;
  const [scope, setScope] = useState<Scope>('all');
  const [status, setStatus] = useState('');
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [items, setItems] = useState<Conversation[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  // Bumped when the list socket is ready: a reload then covers whatever committed before it listened.
  const [generation, setGeneration] = useState(0);
  // What the list socket sent while the current reload was in flight (null when none is).
  const duringFetch = useRef<Map<string, Conversation> | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setQuery(q), 250);
    return () => clearTimeout(timer);
  }, [q]);

  const url = (after?: string | null) => {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (scope === 'mine') params.set('assignee', 'me');
    if (scope === 'unassigned') {
      params.set('assignee', 'unassigned');
      params.set('handled_by', 'people');
    }
    if (scope === 'bot') params.set('handled_by', 'bot');
    if (status) params.set('status', status);
    if (query.trim()) params.set('q', query.trim());
    if (after) params.set('cursor', after);
    return `/conversations?${params}`;
  };

  useEffect(() => {
    let current = true;
    const live = new Map<string, Conversation>();
    duringFetch.current = live;
    const done = () => {
      if (duringFetch.current === live) duringFetch.current = null;
    };
    api<Page<Conversation>>(url()).then(
      (page) => {
        if (!current) return;
        done();
        setItems(mergeReload(page.data, live.values(), (c) => matches(c, scope, status, query, me)));
        setCursor(page.next_cursor);
      },
      () => {
        if (!current) return;
        done();
        setItems([]);
      },
    );
    return () => {
      current = false;
      done();
    };
  }, [scope, status, query, generation]);

  useEffect(
    () =>
      live.onListFrame((frame: ListFrame) => {
        switch (frame.type) {
          case 'ready':
            return setGeneration((g) => g + 1);
          case 'conversation_created':
          case 'conversation_updated': {
            const { conversation } = frame;
            duringFetch.current?.set(conversation.id, conversation);
            return setItems((current) => {
              if (!current) return current;
              const rest = current.filter((c) => c.id !== conversation.id);
              return matches(conversation, scope, status, query, me)
                ? [conversation, ...rest].sort(newestFirst)
                : rest;
            });
          }
          default:
            unhandled(frame);
        }
      }),
    [live, scope, status, query, me],
  );

  const more = async () => {
    if (!cursor) return;
    const page = await api<Page<Conversation>>(url(cursor));
    setItems((current) => [
      ...(current ?? []),
      ...page.data.filter((c) => !current?.some((x) => x.id === c.id)),
    ]);
    setCursor(page.next_cursor);
  };

  return (
    <main className={conversationId ? 'inbox has-selection' : 'inbox'}>
      <aside className="list-pane" aria-label={t('inbox.list')}>
        <div className="filters" role="group" aria-label={t('inbox.filters')}>
          <div className="tabs">
            {(['mine', 'unassigned', 'bot', 'all'] as Scope[]).map((s) => (
              <button
                key={s}
                type="button"
                aria-pressed={scope === s}
                onClick={() => setScope(s)}
                data-testid={`scope-${s}`}
              >
                {t(`inbox.${s}`)}
              </button>
            ))}
          </div>
          <div className="row">
            <select
              value={status}
              onChange={(event) => setStatus(event.target.value)}
              aria-label={t('status.label')}
              data-testid="status-filter"
            >
              <option value="">{t('inbox.anyStatus')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
            </select>
            <input
              type="search"
              dir="auto"
              value={q}
              onChange={(event) => setQ(event.target.value)}
              placeholder={t('inbox.search')}
              aria-label={t('inbox.search')}
              data-testid="search"
            />
          </div>
        </div>
        <SavedViews />
        {items === null ? (
          <p className="muted center">{t('common.loading')}</p>
        ) : items.length === 0 ? (
          <p className="muted center">{t('inbox.empty')}</p>
        ) : (
          <ul className="conversations" data-testid="conversation-list">
            {items.map((c) => (
              <li key={c.id}>
                <a
                  href={`#/inbox/${c.id}`}
                  className={c.id === conversationId ? 'item selected' : 'item'}
                  aria-current={c.id === conversationId ? 'true' : undefined}
                  data-testid="conversation-item"
                  data-id={c.id}
                >
                  <ChannelIcon type={c.channel.type} />
                  <span className="item-main">
                    <span className="item-top">
                      <strong dir="auto" className="ellipsis">
                        {nameOf(c)}
                      </strong>
                      <time dateTime={c.last_message_at}>{shortTime(c.last_message_at)}</time>
                    </span>
                    <span className="item-preview ellipsis" dir="auto">
                      {c.last_message_preview ?? ''}
                    </span>
                    <span className="item-meta">
                      <span className={`status-pill ${c.status}`}>{t(`status.${c.status}`)}</span>
                      {c.bot ? (
                        <span className="bot-badge ellipsis" data-testid="bot-badge" dir="auto" title={c.bot.name}>
                          {t('bot.badge', { name: c.bot.name })}
                        </span>
                      ) : (
                        <span className="muted ellipsis" dir="auto">
                          {c.assignee ? c.assignee.name : t('assign.nobody')}
                        </span>
                      )}
                      {(c.unread_count ?? 0) > 0 && (
                        <span
                          className="badge"
                          data-testid="unread"
                          aria-label={t('inbox.unread', {
                            count: c.unread_count,
                            n: number(c.unread_count ?? 0),
                          })}
                        >
                          {number(c.unread_count ?? 0)}
                        </span>
                      )}
                    </span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
        {cursor && (
          <button type="button" className="link center" onClick={() => void more()}>
            {t('inbox.loadMore')}
          </button>
        )}
      </aside>
      {conversationId ? (
        <ConversationView
          key={conversationId}
          conversationId={conversationId}
          focusMessageId={focusMessageId}
        />
      ) : (
        <section className="conversation empty">
          <p className="muted">{t('inbox.pick')}</p>
        </section>
      )}
    </main>
  );
}
