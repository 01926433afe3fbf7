import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelView, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ChannelIcon } from '../inbox/ChannelIcon';
import { dateTime } from '../ui/format';
import { ErrorLine } from '../ui/ErrorLine';

/** What each platform's connect form asks for: the body of POST /channels. */
const FIELDS = {
  telegram: [
    ['name', 'channels.name'],
    ['bot_token', 'channels.botToken'],
  ],
  instagram: [
    ['name', 'channels.name'],
    ['ig_user_id', 'channels.igUserId'],
    ['access_token', 'channels.accessToken'],
  ],
} as const;

/** Connect a Telegram bot by its token or an Instagram account; credentials are never shown back. */
export function ChannelsPage() {
  const { t } = useTranslation();
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    api<Page<ChannelView> | ChannelView[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      () => undefined,
    );
  useEffect(() => void load(), []);

  const connect = (event: FormEvent<HTMLFormElement>, type: 'telegram' | 'instagram') => {
    event.preventDefault();
    const form = event.currentTarget;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const body = Object.fromEntries([['type', type], ...FIELDS[type].map(([name]) => [name, field(name)])]);
    setError(null);
    api('/channels', { method: 'POST', body }).then(
      () => {
        form.reset();
        void load();
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error')),
    );
  };

  return (
    <main className="page">
      <h1>{t('channels.title')}</h1>
      <ErrorLine error={error} />
      <div className="grid2">
        {(['telegram', 'instagram'] as const).map((type) => (
          <form
            key={type}
            className="card"
            onSubmit={(e) => connect(e, type)}
            aria-label={t(`channels.${type}`)}
          >
            <h2>
              <ChannelIcon type={type} /> {t(`channels.${type}`)}
            </h2>
            {FIELDS[type].map(([name, label]) => (
              <label key={name} className="field">
                <span>{t(label)}</span>
                <input name={name} required autoComplete="off" dir={name === 'name' ? 'auto' : 'ltr'} />
              </label>
            ))}
            <button className="primary" type="submit">
              {t('channels.connect')}
            </button>
          </form>
        ))}
      </div>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('channels.type')}</th>
              <th scope="col">{t('channels.name')}</th>
              <th scope="col">{t('channels.status')}</th>
              <th scope="col">{t('channels.webhook')}</th>
              <th scope="col">{t('security.time')}</th>
            </tr>
          </thead>
          <tbody>
            {channels.map((channel) => (
              <tr key={channel.id} data-testid="channel-row">
                <td>
                  <ChannelIcon type={channel.type} />
                </td>
                <td dir="auto">{channel.name}</td>
                <td>{channel.status}</td>
                <td dir="ltr">
                  <code>{channel.webhook_url}</code>
                </td>
                <td>{dateTime(channel.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}
