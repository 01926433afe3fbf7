import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiKeyView } from '@parley/contract/api-keys';
import { BOT_SCOPES, type BotRemovedView, type BotView } from '@parley/contract/bots';
import type { OAuthInstallationView } from '@parley/contract/oauth-apps';
import type { ChannelView, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ChannelIcon } from '../inbox/ChannelIcon';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { number } from '../ui/format';
import { AppActivityPanel } from './AppActivityPanel';

/** Conversations a bot is handling change as customers write: the list follows them. */
const REFRESH_MS = 5000;

const canRunBot = (scopes: readonly string[]) => BOT_SCOPES.every((scope) => scopes.includes(scope));

/** An app that may become a bot: an admin's API key or an installed OAuth app's principal. */
interface Candidate {
  id: string;
  name: string;
  kind: 'key' | 'installed';
}

/**
 * Admins choose which app takes the new conversations of which channels first (the bot), change its
 * channels, and remove it (its conversations go to people). Channels held by another bot are shown
 * with its name and cannot be chosen; the server's refusals are shown in the admin's language.
 */
export function BotsPage() {
  const { t } = useTranslation();
  const [bots, setBots] = useState<BotView[] | null>(null);
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [candidates, setCandidates] = useState<Candidate[]>([]);
  const [appId, setAppId] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [editing, setEditing] = useState<BotView | null>(null);
  const [watching, setWatching] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removed, setRemoved] = useState<{ name: string; handedOff: number } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reloadBots = useCallback(() => api<BotView[]>('/bots').then(setBots), []);
  const loadApps = useCallback(
    () =>
      Promise.all([
        api<ApiKeyView[]>('/api-keys'),
        api<OAuthInstallationView[]>('/oauth-installations'),
      ]).then(([keys, installations]) =>
        setCandidates([
          ...keys
            .filter((key) => !key.revoked_at && canRunBot(key.scopes))
            .map((key) => ({ id: key.id, name: key.name, kind: 'key' as const })),
          ...installations
            .filter((item) => canRunBot(item.scopes))
            .map((item) => ({ id: item.api_key_id, name: item.app.name, kind: 'installed' as const })),
        ]),
      ),
    [],
  );

  /** A refusal in the admin's language; a channel taken meanwhile is named with the bot that has it. */
  const fail = useCallback(
    async (e: unknown, wanted: string[] = [], self: string | null = null) => {
      if (!(e instanceof ApiError)) return setError(t('common.error'));
      if (e.code === 'bot_channel_taken') {
        const now = await api<BotView[]>('/bots').catch(() => null);
        if (now) setBots(now);
        const holder = now?.find(
          (bot) => bot.id !== self && bot.channels.some((ch) => wanted.includes(ch.id)),
        );
        const channel = holder?.channels.find((ch) => wanted.includes(ch.id));
        if (holder && channel)
          return setError(t('bots.channelTaken', { channel: channel.name, bot: holder.name }));
      }
      setError(e.message);
    },
    [t],
  );

  useEffect(() => {
    void loadApps().catch(fail);
    void api<Page<ChannelView> | ChannelView[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      fail,
    );
    void reloadBots().catch(fail);
    const timer = setInterval(() => void reloadBots().catch(() => undefined), REFRESH_MS);
    return () => clearInterval(timer);
  }, [loadApps, reloadBots, fail]);

  /** The bot holding a channel, unless it is `self` (the bot being edited). */
  const holderOf = (channelId: string, self: string | null) =>
    bots?.find((bot) => bot.id !== self && bot.channels.some((ch) => ch.id === channelId)) ?? null;
  const isBot = (id: string) => bots?.some((bot) => bot.id === id) ?? false;
  const free = candidates.filter((app) => !isBot(app.id));

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(null);
    setRemoved(null);
    const wanted = chosen;
    api<BotView>('/bots', { method: 'POST', body: { api_key_id: appId, channel_ids: wanted } }).then(
      () => {
        setAppId('');
        setChosen([]);
        void reloadBots();
      },
      (e: unknown) => void fail(e, wanted),
    );
  };

  const saveChannels = (bot: BotView, wanted: string[]) => {
    setError(null);
    api<BotView>(`/bots/${bot.id}`, { method: 'PATCH', body: { channel_ids: wanted } }).then(
      () => {
        setEditing(null);
        void reloadBots();
      },
      (e: unknown) => void fail(e, wanted, bot.id),
    );
  };

  const remove = (bot: BotView) => {
    setError(null);
    setConfirming(null);
    api<BotRemovedView>(`/bots/${bot.id}`, { method: 'DELETE' }).then((answer) => {
      setRemoved({ name: bot.name, handedOff: answer.handed_off });
      if (editing?.id === bot.id) setEditing(null);
      void reloadBots();
    }, fail);
  };

  return (
    <main className="page">
      <h1>{t('bots.title')}</h1>
      <p className="muted">{t('bots.hint')}</p>
      <ErrorLine error={error} testId="bots-error" />
      {removed && (
        <p className="card notice" role="status" data-testid="bot-removed">
          {t('bots.removed', { name: removed.name, n: number(removed.handedOff) })}
        </p>
      )}
      <form className="card" onSubmit={create} aria-label={t('bots.createTitle')}>
        <h2>{t('bots.createTitle')}</h2>
        {free.length === 0 ? (
          <p className="muted" data-testid="bots-no-apps">
            {t('bots.noApps')} <a href="#/api-keys">{t('nav.apiKeys')}</a> ·{' '}
            <a href="#/apps">{t('nav.apps')}</a>
          </p>
        ) : (
          <label className="field">
            <span>{t('bots.app')}</span>
            <select
              name="app"
              required
              value={appId}
              onChange={(event) => setAppId(event.target.value)}
              data-testid="bot-app"
            >
              <option value="">{t('bots.chooseApp')}</option>
              {(['key', 'installed'] as const).map((kind) => {
                const group = free.filter((app) => app.kind === kind);
                return group.length ? (
                  <optgroup key={kind} label={kind === 'key' ? t('nav.apiKeys') : t('apps.installedTitle')}>
                    {group.map((app) => (
                      <option key={app.id} value={app.id}>
                        {app.name}
                      </option>
                    ))}
                  </optgroup>
                ) : null;
              })}
            </select>
          </label>
        )}
        <p className="muted">
          {t('bots.scopesNeeded')}{' '}
          {BOT_SCOPES.map((scope) => (
            <span key={scope}>
              <code dir="ltr">{scope}</code>{' '}
            </span>
          ))}
        </p>
        <ChannelChoice
          channels={channels}
          chosen={chosen}
          onChange={setChosen}
          holderOf={(id) => holderOf(id, null)}
        />
        <button className="primary" type="submit" disabled={!free.length || !chosen.length}>
          {t('bots.create')}
        </button>
      </form>

      <DataTable
        rows={bots ?? []}
        rowKey={(bot) => bot.id}
        rowTestId="bot-row"
        rowData={(bot) => ({
          'data-handling': bot.handling,
          'data-selected': editing?.id === bot.id || undefined,
        })}
        empty={bots ? t('bots.none') : t('common.loading')}
        columns={[
          { key: 'name', header: t('bots.name'), dir: 'auto', cell: (bot) => bot.name },
          {
            key: 'channels',
            header: t('bots.channels'),
            testId: 'bot-channels',
            cell: (bot) =>
              bot.channels.length ? (
                <ul className="plain-list">
                  {bot.channels.map((ch) => (
                    <li key={ch.id}>
                      <ChannelIcon type={ch.type} /> <span dir="auto">{ch.name}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="muted">{t('bots.noChannelsYet')}</span>
              ),
          },
          {
            key: 'handling',
            header: t('bots.handling'),
            testId: 'bot-handling',
            cell: (bot) => number(bot.handling),
          },
          {
            key: 'actions',
            header: t('bots.actions'),
            cell: (bot) =>
              confirming === bot.id ? (
                <span role="alert">
                  {t('bots.confirmRemove', { name: bot.name, n: number(bot.handling) })}{' '}
                  <button type="button" onClick={() => remove(bot)}>
                    {t('bots.removeNow')}
                  </button>{' '}
                  <button type="button" onClick={() => setConfirming(null)}>
                    {t('bots.cancel')}
                  </button>
                </span>
              ) : (
                <span className="row-actions">
                  <button type="button" onClick={() => setEditing(bot)}>
                    {t('bots.edit')}
                  </button>
                  <button type="button" onClick={() => setWatching(bot.id)} data-testid="app-activity-open">
                    {t('activity.open')}
                  </button>
                  <button type="button" onClick={() => setConfirming(bot.id)}>
                    {t('bots.remove')}
                  </button>
                </span>
              ),
          },
        ]}
      />

      {watching && bots?.some((bot) => bot.id === watching) && (
        <AppActivityPanel key={watching} apiKeyId={watching} onClose={() => setWatching(null)} />
      )}
      {editing && (
        <EditChannels
          key={editing.id}
          bot={editing}
          channels={channels}
          holderOf={(id) => holderOf(id, editing.id)}
          onSave={(wanted) => saveChannels(editing, wanted)}
          onCancel={() => setEditing(null)}
        />
      )}
    </main>
  );
}

/** One checkbox per channel; a channel another bot holds names that bot and cannot be chosen. */
function ChannelChoice({
  channels,
  chosen,
  onChange,
  holderOf,
}: {
  channels: ChannelView[];
  chosen: string[];
  onChange: (ids: string[]) => void;
  holderOf: (channelId: string) => BotView | null;
}) {
  const { t } = useTranslation();
  return (
    <fieldset className="checks">
      <legend>{t('bots.channels')}</legend>
      {channels.length === 0 && (
        <p className="muted">
          {t('bots.noChannels')} <a href="#/channels">{t('nav.channels')}</a>
        </p>
      )}
      {channels.map((channel) => {
        const holder = holderOf(channel.id);
        const checked = chosen.includes(channel.id);
        return (
          <label key={channel.id} data-testid="bot-channel-choice">
            <input
              type="checkbox"
              checked={checked}
              // Already chosen stays clickable, so a channel taken meanwhile can be let go.
              disabled={!!holder && !checked}
              onChange={(event) =>
                onChange(
                  event.target.checked ? [...chosen, channel.id] : chosen.filter((id) => id !== channel.id),
                )
              }
            />{' '}
            <ChannelIcon type={channel.type} /> <span dir="auto">{channel.name}</span>
            {holder && <span className="muted"> ({t('bots.takenBy', { name: holder.name })})</span>}
          </label>
        );
      })}
    </fieldset>
  );
}

function EditChannels({
  bot,
  channels,
  holderOf,
  onSave,
  onCancel,
}: {
  bot: BotView;
  channels: ChannelView[];
  holderOf: (channelId: string) => BotView | null;
  onSave: (ids: string[]) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState(bot.channels.map((ch) => ch.id));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onSave(chosen);
  };
  return (
    <form className="card" onSubmit={submit} aria-label={t('bots.editTitle', { name: bot.name })}>
      <h2>{t('bots.editTitle', { name: bot.name })}</h2>
      <p className="muted">{t('bots.editHint')}</p>
      <ChannelChoice channels={channels} chosen={chosen} onChange={setChosen} holderOf={holderOf} />
      <span className="row-actions">
        <button className="primary" type="submit">
          {t('bots.save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('bots.cancel')}
        </button>
      </span>
    </form>
  );
}
