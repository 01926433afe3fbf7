import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import type { Channel, Page } from '../api/types';
import { ChannelIcon } from '../inbox/ChannelIcon';
import { dateTime } from '../ui/format';

/** Connect a Telegram bot by its token or an Instagram account; credentials are never shown back. */
export function ChannelsPage() {
  const { t } = useTranslation();
  const [channels, setChannels] = useState<Channel[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    api<Page<Channel> | Channel[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      () => undefined,
    );
  useEffect(() => void load(), []);

  const connect = (event: FormEvent<HTMLFormElement>, type: 'telegram' | 'instagram') => {
    event.preventDefault();
    const form = event.currentTarget;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const body =
      type === 'telegram'
        ? { type, name: field('name'), bot_token: field('bot_token') }
        : { type, name: field('name'), ig_user_id: field('ig_user_id'), access_token: field('access_token') };
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
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="grid2">
        <form className="card" onSubmit={(e) => connect(e, 'telegram')} aria-label={t('channels.telegram')}>
          <h2>
            <ChannelIcon type="telegram" /> {t('channels.telegram')}
          </h2>
          <label className="field">
            <span>{t('channels.name')}</span>
            <input name="name" required dir="auto" />
          </label>
          <label className="field">
            <span>{t('channels.botToken')}</span>
            <input name="bot_token" required autoComplete="off" dir="ltr" />
          </label>
          <button className="primary" type="submit">
            {t('channels.connect')}
          </button>
        </form>
        <form className="card" onSubmit={(e) => connect(e, 'instagram')} aria-label={t('channels.instagram')}>
          <h2>
            <ChannelIcon type="instagram" /> {t('channels.instagram')}
          </h2>
          <label className="field">
            <span>{t('channels.name')}</span>
            <input name="name" required dir="auto" />
          </label>
          <label className="field">
            <span>{t('channels.igUserId')}</span>
            <input name="ig_user_id" required dir="ltr" />
          </label>
          <label className="field">
            <span>{t('channels.accessToken')}</span>
            <input name="access_token" required autoComplete="off" dir="ltr" />
          </label>
          <button className="primary" type="submit">
            {t('channels.connect')}
          </button>
        </form>
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
