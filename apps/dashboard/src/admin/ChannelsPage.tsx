import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelView, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ChannelIcon } from '../inbox/ChannelIcon';
import { dateTime, number } from '../ui/format';
import { ErrorLine } from '../ui/ErrorLine';
import { WebChannelForm, WidgetSnippet } from './WebChannelForm';

type Connectable = 'telegram' | 'instagram' | 'divar';

/** What each platform's connect form asks for: the body of POST /channels; secrets are password inputs. */
const FIELDS: Record<Connectable, readonly (readonly [name: string, label: string, secret?: true])[]> = {
  telegram: [
    ['name', 'channels.name'],
    ['bot_token', 'channels.botToken'],
  ],
  instagram: [
    ['name', 'channels.name'],
    ['ig_user_id', 'channels.igUserId'],
    ['access_token', 'channels.accessToken'],
  ],
  divar: [
    ['name', 'channels.name'],
    ['app_slug', 'channels.appSlug'],
    ['api_key', 'channels.apiKey', true],
    ['identification_key', 'channels.identificationKey', true],
    ['client_secret', 'channels.clientSecret', true],
  ],
};

/**
 * Where Divar's OAuth left the admin (`#/channels?divar=connected` or `?divar=error`, in the hash
 * or the query): read once, then taken off the address so a reload does not say it again.
 */
function divarOutcome(): 'connected' | 'failed' | null {
  const params = [
    new URLSearchParams(window.location.search),
    new URLSearchParams(window.location.hash.split('?')[1] ?? ''),
  ];
  const value = params.map((p) => p.get('divar')).find((v) => v !== null);
  if (value === undefined || value === null) return null;
  const clean = `${window.location.pathname}${window.location.hash.split('?')[0] || '#/channels'}`;
  window.history.replaceState(null, '', clean);
  return ['connected', 'success', 'ok'].includes(value) ? 'connected' : 'failed';
}

/** Connect a Telegram bot, an Instagram account, a Divar app or a website's chat widget; credentials are never shown back. */
export function ChannelsPage() {
  const { t } = useTranslation();
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [outcome] = useState(divarOutcome);

  const load = () =>
    api<Page<ChannelView> | ChannelView[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      () => undefined,
    );
  useEffect(() => void load(), []);

  const failed = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  const connect = (event: FormEvent<HTMLFormElement>, type: Connectable) => {
    event.preventDefault();
    const form = event.currentTarget;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const body = Object.fromEntries([['type', type], ...FIELDS[type].map(([name]) => [name, field(name)])]);
    setError(null);
    api('/channels', { method: 'POST', body }).then(() => {
      form.reset();
      void load();
    }, failed);
  };

  const divar = channels.filter((c) => c.type === 'divar');
  const web = channels.filter((c) => c.type === 'web');

  return (
    <main className="page">
      <h1>{t('channels.title')}</h1>
      {outcome === 'connected' && (
        <p className="notice" role="status" data-testid="divar-outcome" data-outcome="connected">
          {t('channels.divarConnected')}
        </p>
      )}
      {outcome === 'failed' && (
        <p className="error" role="alert" data-testid="divar-outcome" data-outcome="failed">
          {t('channels.divarFailed')}
        </p>
      )}
      <ErrorLine error={error} />
      <div className="grid2">
        {(['telegram', 'instagram', 'divar'] as const).map((type) => (
          <form
            key={type}
            className="card"
            onSubmit={(e) => connect(e, type)}
            aria-label={t(`channels.${type}`)}
          >
            <h2>
              <ChannelIcon type={type} /> {t(`channels.${type}`)}
            </h2>
            {FIELDS[type].map(([name, label, secret]) => (
              <label key={name} className="field">
                <span>{t(label)}</span>
                <input
                  name={name}
                  required
                  type={secret ? 'password' : 'text'}
                  autoComplete={secret ? 'new-password' : 'off'}
                  dir={name === 'name' ? 'auto' : 'ltr'}
                />
              </label>
            ))}
            <button className="primary" type="submit">
              {t('channels.connect')}
            </button>
          </form>
        ))}
      </div>
      <WebChannelForm onCreated={() => void load()} onError={failed} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('channels.type')}</th>
              <th scope="col">{t('channels.name')}</th>
              <th scope="col">{t('channels.status')}</th>
              <th scope="col">{t('channels.webhook')}</th>
              <th scope="col">{t('channels.retention')}</th>
              <th scope="col">{t('security.time')}</th>
            </tr>
          </thead>
          <tbody>
            {channels.map((channel) => (
              <tr key={channel.id} data-testid="channel-row" data-id={channel.id}>
                <td>
                  <ChannelIcon type={channel.type} />
                </td>
                <td dir="auto">{channel.name}</td>
                <td data-testid="channel-status">{statusText(t, channel)}</td>
                <td dir="ltr">{channel.type !== 'web' && <code>{channel.webhook_url}</code>}</td>
                <td>
                  {channel.retention_days === null
                    ? t('channels.kept')
                    : t('channels.days', { n: number(channel.retention_days) })}
                </td>
                <td>{dateTime(channel.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {web.map((channel) => (
        <section key={channel.id} className="card" data-testid="web-card" data-id={channel.id}>
          <h2>
            <ChannelIcon type="web" /> <span dir="auto">{channel.name}</span>
          </h2>
          {channel.web && (
            <p data-testid="web-origins">
              {t('webChannel.origins')}:{' '}
              <code dir="ltr">{channel.web.allowed_origins.join(' ')}</code>
            </p>
          )}
          <WidgetSnippet channelId={channel.id} />
        </section>
      ))}
      {divar.map((channel) => (
        <DivarCard
          key={`${channel.id}:${channel.retention_days}`}
          channel={channel}
          onChanged={load}
          onError={failed}
        />
      ))}
    </main>
  );
}

const statusText = (t: (key: string) => string, channel: ChannelView) =>
  channel.status === 'reauthorization_required' ? t('channels.statusReauth') : t('channels.statusActive');

/**
 * One Divar channel: the two URLs to paste in Divar's panel, the OAuth grant (the api's authorize
 * route answers Divar's URL, where the admin goes), and how long its messages are kept.
 */
function DivarCard(props: { channel: ChannelView; onChanged: () => void; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const { channel } = props;
  const [keep, setKeep] = useState(channel.retention_days === null);
  const [days, setDays] = useState(String(channel.retention_days ?? 30));
  const [saved, setSaved] = useState(false);
  const reauth = channel.status === 'reauthorization_required';

  const authorize = () =>
    api<{ url?: unknown }>(`/channels/${channel.id}/divar/authorize`).then((answer) => {
      // Only a web address leaves the dashboard: never a javascript: or data: URL.
      const url = typeof answer.url === 'string' ? answer.url : '';
      if (!/^https?:\/\//i.test(url)) throw new ApiError(502, 'platform_unavailable', t('common.error'));
      window.location.assign(url);
    }, props.onError);

  const saveRetention = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    api(`/channels/${channel.id}`, {
      method: 'PATCH',
      body: { retention_days: keep ? null : Number(days) },
    }).then(() => {
      setSaved(true);
      props.onChanged();
    }, props.onError);
  };

  return (
    <section className="card divar-card" data-testid="divar-card" data-id={channel.id}>
      <h2>
        <ChannelIcon type="divar" /> <span dir="auto">{channel.name}</span>
      </h2>
      <p data-testid="divar-status" data-status={channel.status}>
        {t('channels.status')}: {statusText(t, channel)}
      </p>
      <label className="field">
        <span>{t('channels.eventsUrl')}</span>
        <input readOnly dir="ltr" value={channel.webhook_url} data-testid="divar-events-url" />
      </label>
      <label className="field">
        <span>{t('channels.sessionUrl')}</span>
        <input readOnly dir="ltr" value={`${channel.webhook_url}/session`} data-testid="divar-session-url" />
      </label>
      <button type="button" className="primary" onClick={() => void authorize()} data-testid="divar-connect">
        {reauth ? t('channels.divarReconnect') : t('channels.divarConnect')}
      </button>
      <form onSubmit={saveRetention} aria-label={t('channels.retention')}>
        <h3>{t('channels.retention')}</h3>
        <p data-testid="retention-note">
          {channel.retention_days === null
            ? t('channels.retentionKept')
            : t('channels.retentionNote', { n: number(channel.retention_days) })}
        </p>
        <label className="inline">
          <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.target.checked)} />
          <span>{t('channels.keepForever')}</span>
        </label>
        <label className="field">
          <span>{t('channels.retentionDays')}</span>
          <input
            type="number"
            min={1}
            max={3650}
            step={1}
            required={!keep}
            disabled={keep}
            value={days}
            onChange={(e) => setDays(e.target.value)}
            data-testid="retention-days"
          />
        </label>
        <button type="submit">{t('channels.save')}</button>
        {saved && <span role="status"> {t('channels.saved')}</span>}
      </form>
    </section>
  );
}
