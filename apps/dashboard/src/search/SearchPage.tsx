import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SavedViewView, SearchQuery, SearchResults, SearchType } from '@parley/contract/search';
import {
  CONVERSATION_STATUSES,
  type ChannelView,
  type ConversationStatus,
  type Page,
} from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ChannelIcon } from '../inbox/ChannelIcon';
import { useLabels } from '../inbox/Labels';
import { ErrorLine } from '../ui/ErrorLine';
import { shortTime } from '../ui/format';
import { navigate } from '../ui/hooks';
import { useLive } from '../ui/live';
import { Marked } from './Marked';
import { fromParams, searchRoute } from './search-query';
import { SAVED_VIEWS_CHANGED } from './SavedViews';

const TYPES: SearchType[] = ['message', 'note', 'contact'];

/** `YYYY-MM-DD` of an ISO instant in local time, for a date input; and back, at local midnight. */
const dayOf = (iso?: string) => {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
const instantOf = (day: string, nextDay = false) => {
  if (!day) return undefined;
  const d = new Date(`${day}T00:00:00`);
  if (nextDay) d.setDate(d.getDate() + 1);
  return d.toISOString();
};

/** Search results for the route's query, the filters that make it, and saving it as a view. */
export function SearchPage({ query }: { query: string }) {
  const { t } = useTranslation();
  const live = useLive();
  const isAdmin = live.session.agent.role === 'admin';
  const asked = fromParams(query);
  const [draft, setDraft] = useState<SearchQuery>(asked);
  const [results, setResults] = useState<SearchResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const labels = useLabels();
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [viewName, setViewName] = useState('');
  const [shared, setShared] = useState(false);
  const [saved, setSaved] = useState(false);

  const failed = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  useEffect(() => setDraft(fromParams(query)), [query]);
  useEffect(() => {
    if (!isAdmin) return;
    api<Page<ChannelView> | ChannelView[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      () => undefined,
    );
  }, [isAdmin]);

  useEffect(() => {
    let current = true;
    setResults(null);
    setError(null);
    setSaved(false);
    if (!asked.q.trim()) return;
    api<SearchResults>(`/search?${new URLSearchParams(query)}`).then(
      (answer) => current && setResults(answer),
      (e: unknown) => current && failed(e),
    );
    return () => {
      current = false;
    };
  }, [query]);

  const more = async () => {
    if (!results?.next_cursor) return;
    const params = new URLSearchParams(query);
    params.set('cursor', results.next_cursor);
    try {
      const page = await api<SearchResults>(`/search?${params}`);
      setResults({
        messages: [...results.messages, ...page.messages],
        contacts: [...results.contacts, ...page.contacts],
        next_cursor: page.next_cursor,
      });
    } catch (e) {
      failed(e);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(searchRoute(draft));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api<SavedViewView>('/saved-views', {
        method: 'POST',
        body: { name: viewName, query: asked, shared },
      });
      setSaved(true);
      setViewName('');
      window.dispatchEvent(new Event(SAVED_VIEWS_CHANGED));
    } catch (e) {
      failed(e);
    }
  };

  const set = (patch: Partial<SearchQuery>) => setDraft((d) => ({ ...d, ...patch }));
  const types = draft.type ?? [];

  return (
    <main className="search-page" data-testid="search-page">
      <form className="search-filters" onSubmit={submit} role="search" aria-label={t('search.title')}>
        <input
          type="search"
          dir="auto"
          value={draft.q}
          onChange={(event) => set({ q: event.target.value })}
          placeholder={t('search.placeholder')}
          aria-label={t('search.words')}
          data-testid="search-q"
          maxLength={256}
        />
        <fieldset className="search-types">
          <legend>{t('search.in')}</legend>
          {TYPES.map((type) => (
            <label key={type}>
              <input
                type="checkbox"
                checked={types.includes(type)}
                data-testid={`search-type-${type}`}
                onChange={(event) =>
                  set({
                    type: event.target.checked ? [...types, type] : types.filter((x) => x !== type),
                  })
                }
              />
              {t(`search.type.${type}`)}
            </label>
          ))}
        </fieldset>
        <select
          value={draft.status?.[0] ?? ''}
          onChange={(event) =>
            set({ status: event.target.value ? [event.target.value as ConversationStatus] : undefined })
          }
          aria-label={t('status.label')}
          data-testid="search-status"
        >
          <option value="">{t('inbox.anyStatus')}</option>
          {CONVERSATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
        <select
          value={draft.assignee ?? ''}
          onChange={(event) => set({ assignee: event.target.value || undefined })}
          aria-label={t('assign.label')}
          data-testid="search-assignee"
        >
          <option value="">{t('search.anyone')}</option>
          <option value="me">{t('search.me')}</option>
          <option value="unassigned">{t('assign.nobody')}</option>
          {live.agents
            .filter((a) => a.is_active)
            .map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
        </select>
        {(isAdmin || draft.channel_id) && (
          <select
            value={draft.channel_id ?? ''}
            onChange={(event) => set({ channel_id: event.target.value || undefined })}
            aria-label={t('search.channel')}
            data-testid="search-channel"
          >
            <option value="">{t('search.anyChannel')}</option>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
            {draft.channel_id && !channels.some((c) => c.id === draft.channel_id) && (
              <option value={draft.channel_id}>{t('search.channel')}</option>
            )}
          </select>
        )}
        {labels.length > 0 && (
          <select
            value={draft.label_id ?? ''}
            onChange={(event) => set({ label_id: event.target.value || undefined })}
            aria-label={t('search.label')}
            data-testid="search-label"
          >
            <option value="">{t('search.anyLabel')}</option>
            {labels.map((l) => (
              <option key={l.id} value={l.id}>
                {l.name}
              </option>
            ))}
          </select>
        )}
        <label className="search-date">
          {t('search.from')}
          <input
            type="date"
            value={dayOf(draft.from)}
            onChange={(event) => set({ from: instantOf(event.target.value) })}
            data-testid="search-from"
          />
        </label>
        <label className="search-date">
          {t('search.to')}
          <input
            type="date"
            value={dayOf(draft.to) ? dayOf(new Date(new Date(draft.to!).getTime() - 1).toISOString()) : ''}
            onChange={(event) => set({ to: instantOf(event.target.value, true) })}
            data-testid="search-to"
          />
        </label>
        <button type="submit" className="primary" data-testid="search-submit">
          {t('search.go')}
        </button>
      </form>
      <ErrorLine error={error} />
      {asked.q.trim() && results === null && !error && <p className="muted center">{t('common.loading')}</p>}
      {results && (
        <section className="search-results" aria-label={t('search.results')}>
          <form className="save-view" onSubmit={(event) => void save(event)}>
            <input
              dir="auto"
              value={viewName}
              onChange={(event) => setViewName(event.target.value)}
              placeholder={t('search.viewName')}
              aria-label={t('search.viewName')}
              maxLength={80}
              required
              data-testid="view-name"
            />
            {isAdmin && (
              <label>
                <input
                  type="checkbox"
                  checked={shared}
                  onChange={(event) => setShared(event.target.checked)}
                />
                {t('search.shareView')}
              </label>
            )}
            <button type="submit" data-testid="save-view">
              {t('search.saveView')}
            </button>
            {saved && (
              <span role="status" className="muted">
                {t('search.viewSaved')}
              </span>
            )}
          </form>
          {results.contacts.length > 0 && (
            <>
              <h2>{t('search.contacts')}</h2>
              <ul className="search-hits" data-testid="contact-hits">
                {results.contacts.map((hit) => (
                  <li
                    key={hit.contact.id}
                    className="search-hit"
                    data-testid="contact-hit"
                    data-id={hit.contact.id}
                  >
                    <strong dir="auto">{hit.contact.name ?? hit.contact.username ?? '—'}</strong>
                    <span className="muted">{t(`search.field.${hit.highlight.field}`)}: </span>
                    <Marked highlight={hit.highlight} />
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2>{t('search.messages')}</h2>
          {results.messages.length === 0 ? (
            <p className="muted">{t('search.none')}</p>
          ) : (
            <ul className="search-hits" data-testid="message-hits">
              {results.messages.map((hit) => (
                <li key={hit.message.id}>
                  <a
                    className="search-hit"
                    href={`#/inbox/${hit.conversation.id}?message=${hit.message.id}`}
                    data-testid="search-hit"
                    data-id={hit.message.id}
                    data-type={hit.message.type}
                  >
                    <span className="item-top">
                      <ChannelIcon type={hit.conversation.channel.type} />
                      <strong dir="auto" className="ellipsis">
                        {hit.conversation.contact.name ?? '—'}
                      </strong>
                      {hit.message.type === 'note' && <span className="tag">{t('search.type.note')}</span>}
                      <span className={`status-pill ${hit.conversation.status}`}>
                        {t(`status.${hit.conversation.status}`)}
                      </span>
                      <time dateTime={hit.message.created_at}>{shortTime(hit.message.created_at)}</time>
                    </span>
                    <span className="search-snippet">
                      {hit.highlight.field === 'file_name' && <span className="muted">📎 </span>}
                      <Marked highlight={hit.highlight} />
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
          {results.next_cursor && (
            <button
              type="button"
              className="link center"
              onClick={() => void more()}
              data-testid="search-more"
            >
              {t('inbox.loadMore')}
            </button>
          )}
        </section>
      )}
    </main>
  );
}
