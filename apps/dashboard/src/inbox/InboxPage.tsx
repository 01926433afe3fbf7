import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
// `Conversation`: the name ConversationView is this page's component.
import type { ConversationView as Conversation, ConversationStatus, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { unhandled } from '../api/frames';
import { contactName, number, shortTime } from '../ui/format';
import { useLive, type ListFrame } from '../ui/live';
import { ChannelIcon } from './ChannelIcon';
import { SlaBadge } from './SlaBadge';
import { CANNED_SHORTCUT_EVENT } from './Composer';
import { ConversationView } from './ConversationView';
import { KeyboardHelp } from './KeyboardHelp';
import { relabel } from './label-frames';
import { LabelChips, useLabels } from './Labels';
import { SavedViews } from '../search/SavedViews';
import { mergeReload, newestFirst } from './list-state';
import { navigate } from '../ui/hooks';
import type { BulkRequest, BulkResult } from '@parley/contract/bulk-actions';
import { ApiError } from '../api/session';

type Scope = 'mine' | 'unassigned' | 'bot' | 'all';
const STATUSES: ConversationStatus[] = ['open', 'support_active', 'pending', 'resolved'];
const PAGE = 50;

const nameOf = (c: Conversation) => contactName(c.contact);

function matches(c: Conversation, scope: Scope, status: string, q: string, me: string, label = ''): boolean {
  if (label && !c.labels.some((l) => l.id === label)) return false;
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
  const [label, setLabel] = useState('');
  const labels = useLabels();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const anchor = useRef<string | null>(null);
  const [help, setHelp] = useState(false);
  const [bulkError, setBulkError] = useState<string | null>(null);
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
    if (label) params.set('label', label);
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
        setItems(mergeReload(page.data, live.values(), (c) => matches(c, scope, status, query, me, label)));
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
  }, [scope, status, query, label, generation]);

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
              return matches(conversation, scope, status, query, me, label)
                ? [conversation, ...rest].sort(newestFirst)
                : rest;
            });
          }
          case 'label_updated':
          case 'label_deleted':
            // A deleted label filtered by leaves nothing to filter by: the filter goes back to any.
            if (frame.type === 'label_deleted' && frame.label_id === label) setLabel('');
            return setItems(
              (current) => current?.map((c) => ({ ...c, labels: relabel(c.labels, frame) })) ?? current,
            );
          default:
            unhandled(frame);
        }
      }),
    [live, scope, status, query, me, label],
  );

  // Shortcuts: never while the agent types in a field, except Alt+arrows, which typing does not use.
  const keys = useRef({ items, conversationId });
  keys.current = { items, conversationId };
  useEffect(() => {
    const step = (by: number) => {
      const list = keys.current.items ?? [];
      if (!list.length) return;
      // From the address itself: a key pressed again right after a move starts where that move went.
      const current = /^#\/inbox\/([^/?]+)/.exec(window.location.hash)?.[1] ?? keys.current.conversationId;
      const at = list.findIndex((c) => c.id === current);
      const next = at < 0 ? (by > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + by));
      navigate(`/inbox/${list[next].id}`);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
        event.preventDefault();
        return step(event.key === 'ArrowDown' ? 1 : -1);
      }
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"], [role="dialog"]')) return;
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      const open = /^#\/inbox\/([^/?]+)/.exec(window.location.hash)?.[1] ?? null;
      const handlers: Record<string, () => void> = {
        j: () => step(1),
        k: () => step(-1),
        '?': () => setHelp(true),
      };
      if (open)
        Object.assign(handlers, {
          e: () =>
            void api(`/message/conversation/${open}/status/`, { method: 'PATCH', body: { status: 'resolved' } }).catch(
              () => undefined,
            ),
          a: () =>
            void api(`/conversations/${open}/assign`, { method: 'POST', body: { agent_id: me } }).catch(() => undefined),
          r: () => document.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]')?.focus(),
          '/': () => window.dispatchEvent(new Event(CANNED_SHORTCUT_EVENT)),
        });
      const run = Object.hasOwn(handlers, event.key) ? handlers[event.key] : undefined;
      if (!run) return;
      event.preventDefault();
      run();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [me]);

  // Selection: a click ticks one; shift-click ticks the run from the last one ticked.
  const tick = (id: string, shift: boolean) => {
    const last = anchor.current;
    anchor.current = id;
    setSelected((current) => {
      const next = new Set(current);
      const list = items ?? [];
      const from = last ? list.findIndex((c) => c.id === last) : -1;
      const to = list.findIndex((c) => c.id === id);
      const on = !current.has(id);
      if (shift && from >= 0 && to >= 0)
        for (const c of list.slice(Math.min(from, to), Math.max(from, to) + 1)) {
          if (on) next.add(c.id);
          else next.delete(c.id);
        }
      else if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  const bulk = (request: Omit<BulkRequest, 'conversation_ids'>) => {
    setBulkError(null);
    api<BulkResult>('/conversations/bulk', {
      method: 'POST',
      body: { ...request, conversation_ids: [...selected] },
    }).then(
      () => setSelected(new Set()),
      (e: unknown) => setBulkError(e instanceof ApiError ? e.message : t('common.error')),
    );
  };

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
            {labels.length > 0 && (
              <select
                value={label}
                onChange={(event) => setLabel(event.target.value)}
                aria-label={t('essentials.labels.filter')}
                data-testid="label-filter"
              >
                <option value="">{t('essentials.labels.anyLabel')}</option>
                {labels.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            )}
          </div>
        </div>
        {selected.size > 0 && (
          <div className="bulk-bar" role="group" aria-label={t('essentials.bulk.actions')} data-testid="bulk-bar">
            <span>{t('essentials.bulk.selected', { n: number(selected.size) })}</span>
            <select
              value=""
              aria-label={t('essentials.bulk.assign')}
              data-testid="bulk-assign"
              onChange={(event) => event.target.value && bulk({ action: 'assign', agent_id: event.target.value })}
            >
              <option value="">{t('essentials.bulk.assign')}</option>
              {live.agents
                .filter((a) => a.is_active)
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
            </select>
            {labels.length > 0 && (
              <select
                value=""
                aria-label={t('essentials.bulk.label')}
                data-testid="bulk-label"
                onChange={(event) => event.target.value && bulk({ action: 'label', label_ids: [event.target.value] })}
              >
                <option value="">{t('essentials.bulk.label')}</option>
                {labels.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            )}
            <button type="button" onClick={() => bulk({ action: 'resolve' })} data-testid="bulk-resolve">
              {t('essentials.bulk.resolve')}
            </button>
            <button type="button" className="link" onClick={() => setSelected(new Set())}>
              {t('essentials.bulk.clear')}
            </button>
            {bulkError && (
              <p role="alert" className="error">
                {bulkError}
              </p>
            )}
          </div>
        )}
        <SavedViews />
        {items === null ? (
          <p className="muted center">{t('common.loading')}</p>
        ) : items.length === 0 ? (
          <p className="muted center">{t('inbox.empty')}</p>
        ) : (
          <ul className="conversations" data-testid="conversation-list">
            {items.map((c) => (
              <li key={c.id} className="selectable">
                <input
                  type="checkbox"
                  className="pick"
                  checked={selected.has(c.id)}
                  onChange={() => undefined}
                  onClick={(event) => tick(c.id, event.shiftKey)}
                  aria-label={t('essentials.bulk.select', { name: nameOf(c) })}
                  data-testid="conversation-pick"
                />
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
                    <LabelChips labels={c.labels} />
                    <span className="item-meta">
                      <span className={`status-pill ${c.status}`}>{t(`status.${c.status}`)}</span>
                      <SlaBadge sla={c.sla} />
                      {c.bot ? (
                        <span
                          className="bot-badge ellipsis"
                          data-testid="bot-badge"
                          dir="auto"
                          title={c.bot.name}
                        >
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
      {help && <KeyboardHelp onClose={() => setHelp(false)} />}
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
