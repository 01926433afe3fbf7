import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AppActivity } from '@parley/contract/security';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime, number } from '../ui/format';

const REFRESH_MS = 5000;
const PERIODS = [1, 24, 72, 168];

/**
 * What one app (an API key, or an installed OAuth app's principal) did over a period: its messages,
 * the conversations it changed, its pace against its budget, and the security events naming it.
 * Refreshed while open, so the last minute stays the last minute.
 */
export function AppActivityPanel({ apiKeyId, onClose }: { apiKeyId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const [hours, setHours] = useState(24);
  const [activity, setActivity] = useState<AppActivity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const panel = useRef<HTMLElement>(null);

  const load = useCallback(
    () =>
      api<AppActivity>(`/admin/security/apps/${apiKeyId}/activity?hours=${hours}`).then(
        (answer) => {
          setActivity(answer);
          setError(null);
        },
        (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error')),
      ),
    [apiKeyId, hours, t],
  );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  // Opened from a row's button: the reader is taken to what opened, all of it in view once loaded.
  const loaded = activity !== null;
  useEffect(() => heading.current?.focus(), [apiKeyId]);
  useEffect(() => {
    if (loaded) panel.current?.scrollIntoView({ block: 'nearest' });
  }, [loaded]);

  const facts: [string, string, number][] = activity
    ? [
        ['sent', t('activity.sent'), activity.messages_sent],
        ['failed', t('activity.failed'), activity.messages_failed],
        ['changed', t('activity.changed'), activity.conversations_changed],
        ['events', t('activity.events'), activity.security_events],
      ]
    : [];

  return (
    <section className="card" ref={panel} aria-labelledby="app-activity-title" data-testid="app-activity">
      <div className="page-head">
        <h2 id="app-activity-title" ref={heading} tabIndex={-1}>
          {activity ? t('activity.title', { name: activity.name }) : t('common.loading')}
        </h2>
        <label className="inline">
          <span>{t('security.hours')}</span>
          <select value={hours} onChange={(event) => setHours(Number(event.target.value))}>
            {PERIODS.map((h) => (
              <option key={h} value={h}>
                {t('security.lastHours', { count: h, n: number(h) })}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
      <ErrorLine error={error} />
      {activity && (
        <>
          {activity.revoked_at && (
            <p className="notice">{t('activity.revoked', { time: dateTime(activity.revoked_at) })}</p>
          )}
          <dl className="facts">
            {facts.map(([key, label, value]) => (
              <div key={key} className="fact" data-testid={`activity-${key}`} data-value={value}>
                <dt>{label}</dt>
                <dd>{number(value)}</dd>
              </div>
            ))}
            <div
              className="fact"
              data-testid="activity-pace"
              data-value={activity.messages_last_minute}
              data-limit={activity.messages_per_minute_limit ?? ''}
            >
              <dt>{t('activity.pace')}</dt>
              <dd>
                {activity.messages_per_minute_limit === null
                  ? t('activity.paceUnlimited', { n: number(activity.messages_last_minute) })
                  : t('activity.paceOf', {
                      n: number(activity.messages_last_minute),
                      limit: number(activity.messages_per_minute_limit),
                    })}
              </dd>
            </div>
            <div className="fact" data-testid="activity-last-used">
              <dt>{t('activity.lastUsed')}</dt>
              <dd>{activity.last_used_at ? dateTime(activity.last_used_at) : t('apiKeys.never')}</dd>
            </div>
          </dl>
          <h3>{t('security.recent')}</h3>
          {activity.recent_events.length === 0 ? (
            <p className="muted">{t('security.none')}</p>
          ) : (
            <ul className="events" data-testid="activity-recent">
              {activity.recent_events.map((event, i) => (
                <li key={i} data-kind={event.kind}>
                  <time>{dateTime(event.created_at)}</time> ·{' '}
                  {t(`eventKind.${event.kind}`, { defaultValue: event.kind })}{' '}
                  {event.ip && <span dir="ltr">{event.ip}</span>}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
