import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentActivity, SecuritySummary, WsStats } from '@parley/contract/security';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { dateTime, hourLabel, number } from '../ui/format';
import { useLive } from '../ui/live';
import { ErrorLine } from '../ui/ErrorLine';
import { BlockedIpTable } from './BlockedIpTable';
import { PolicyCard } from './PolicyCard';
import { TrustedIpsCard } from './TrustedIpsCard';

const SERIES = [
  { key: 'failedLogins', kinds: ['auth_failed'], color: '#e03131' },
  { key: 'rateLimits', kinds: ['rate_limited'], color: '#f08c00' },
  { key: 'spam', kinds: ['spam_inbound', 'spam_outbound'], color: '#7048e8' },
  { key: 'blacklisted', kinds: ['ip_blocked', 'request_blocked'], color: '#1c7ed6' },
] as const;
const LIVE_REFRESH_MS = 5000;

/** Hourly bars per series over the period: a small SVG chart with a data table for screen readers. */
function OverTime({ summary }: { summary: SecuritySummary }) {
  const { t } = useTranslation();
  const hours = Math.min(summary.hours, 72);
  const end = new Date();
  end.setUTCMinutes(0, 0, 0);
  const buckets = Array.from({ length: hours }, (_, i) =>
    new Date(end.getTime() - (hours - 1 - i) * 3600_000).toISOString().replace('.000Z', 'Z'),
  );
  const value = (bucket: string, kinds: readonly string[]) =>
    summary.over_time
      .filter((r) => r.bucket === bucket && kinds.includes(r.kind))
      .reduce((n, r) => n + r.count, 0);
  const max = Math.max(1, ...buckets.flatMap((b) => SERIES.map((s) => value(b, s.kinds))));
  const width = 720;
  const height = 120;
  const slot = width / buckets.length;
  const bar = Math.max(1, slot / (SERIES.length + 1));
  return (
    <figure className="card chart" data-testid="chart">
      <figcaption>
        <h2>{t('security.overTime')}</h2>
        <ul className="legend">
          {SERIES.map((s) => (
            <li key={s.key}>
              <span className="swatch" style={{ background: s.color }} /> {t(`security.${s.key}`)}
            </li>
          ))}
        </ul>
      </figcaption>
      <svg
        style={{ direction: 'ltr' }}
        viewBox={`0 0 ${width} ${height + 20}`}
        role="img"
        aria-label={t('security.overTime')}
        className="chart-svg"
      >
        <line x1="0" y1={height} x2={width} y2={height} stroke="#ced4da" />
        {buckets.map((bucket, i) =>
          SERIES.map((s, j) => {
            const v = value(bucket, s.kinds);
            if (!v) return null;
            const h = (v / max) * (height - 10);
            return (
              <rect
                key={`${bucket}-${s.key}`}
                x={i * slot + j * bar}
                y={height - h}
                width={bar}
                height={h}
                fill={s.color}
                data-kind={s.key}
                data-count={v}
              >
                <title>{`${dateTime(bucket)} · ${t(`security.${s.key}`)}: ${v}`}</title>
              </rect>
            );
          }),
        )}
        {buckets.map((bucket, i) =>
          i % Math.ceil(buckets.length / 6) === 0 ? (
            <text key={bucket} x={i * slot} y={height + 15} fontSize="11" fill="#868e96">
              {hourLabel(bucket)}
            </text>
          ) : null,
        )}
      </svg>
    </figure>
  );
}

export function SecurityPage() {
  const { t } = useTranslation();
  const live = useLive();
  const [hours, setHours] = useState(24);
  const [summary, setSummary] = useState<SecuritySummary | null>(null);
  const [stats, setStats] = useState<WsStats | null>(null);
  const [agentId, setAgentId] = useState('');
  const [activity, setActivity] = useState<AgentActivity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error')),
    [t],
  );

  const load = useCallback(() => {
    api<SecuritySummary>(`/admin/security/summary?hours=${hours}`).then(setSummary, fail);
  }, [hours, fail]);
  useEffect(load, [load]);

  useEffect(() => {
    const refresh = () => api<WsStats>('/admin/security/ws-stats').then(setStats, () => undefined);
    void refresh();
    const timer = setInterval(() => {
      void refresh();
      load();
    }, LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  useEffect(() => {
    if (!agentId) return setActivity(null);
    api<AgentActivity>(`/admin/security/agents/${agentId}/activity?hours=${hours}`).then(setActivity, fail);
  }, [agentId, hours, fail]);

  const unblock = (ip: string) =>
    api(`/admin/security/blacklist/${encodeURIComponent(ip)}`, { method: 'DELETE' }).then(load, fail);

  const cards = summary
    ? [
        ['failedLogins', summary.failed_authentications],
        ['rateLimits', summary.rate_limit_hits],
        ['spam', summary.spam_caught],
        ['blacklisted', summary.blacklisted_now.length],
        ['refused', summary.connections_refused],
        ['scopeRefused', summary.counts_by_kind.scope_refused ?? 0],
      ]
    : [];

  return (
    <main className="page security">
      <div className="page-head">
        <h1>{t('security.title')}</h1>
        <label className="inline">
          <span>{t('security.hours')}</span>
          <select value={hours} onChange={(event) => setHours(Number(event.target.value))}>
            {[1, 24, 72, 168].map((h) => (
              <option key={h} value={h}>
                {t('security.lastHours', { count: h, n: number(h) })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorLine error={error} />
      {summary && (
        <>
          <section className="cards">
            {cards.map(([key, value]) => (
              <div key={key} className="card stat" data-testid={`stat-${key}`}>
                <span className="stat-value" data-value={value}>
                  {number(Number(value))}
                </span>
                <span className="stat-label">{t(`security.${key}`)}</span>
              </div>
            ))}
          </section>
          <OverTime summary={summary} />
          <div className="grid2">
            <section className="card">
              <h2>{t('security.topIps')}</h2>
              {summary.top_ips.length === 0 ? (
                <p className="muted">{t('security.none')}</p>
              ) : (
                <table>
                  <tbody>
                    {summary.top_ips.map((row) => (
                      <tr key={row.ip}>
                        <td dir="ltr">{row.ip}</td>
                        <td>{number(row.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            <section className="card">
              <h2>{t('security.blacklist')}</h2>
              <BlockedIpTable
                rows={summary.blacklisted_now}
                testId="blacklist"
                action={(row) =>
                  row.can_unblock ? (
                    <button type="button" onClick={() => void unblock(row.ip)}>
                      {t('security.unblock')}
                    </button>
                  ) : (
                    <span className="muted" data-testid="shared-block">
                      {t('security.sharedBlock')}
                    </span>
                  )
                }
              />
            </section>
          </div>
        </>
      )}
      <div className="grid2">
        <section className="card" data-testid="ws-stats">
          <h2>{t('security.live')}</h2>
          {stats && (
            <p className="muted">
              {t('security.total', { count: stats.total_connections, n: number(stats.total_connections) })}
            </p>
          )}
          <table>
            <thead>
              <tr>
                <th scope="col">{t('agents.name')}</th>
                <th scope="col">{t('security.connections')}</th>
                <th scope="col">{t('security.perMinute')}</th>
              </tr>
            </thead>
            <tbody>
              {stats?.agents.map((row) => (
                <tr key={row.agent_id}>
                  <td dir="auto">{row.name}</td>
                  <td>{number(row.connections)}</td>
                  <td>{number(row.messages_last_minute)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card">
          <h2>{t('security.activity')}</h2>
          <select
            value={agentId}
            onChange={(event) => setAgentId(event.target.value)}
            aria-label={t('security.chooseAgent')}
          >
            <option value="">{t('security.chooseAgent')}</option>
            {live.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          {activity && (
            <>
              <dl className="facts">
                <dt>{t('security.sent')}</dt>
                <dd>{number(activity.messages_sent)}</dd>
                <dt>{t('security.failed')}</dt>
                <dd>{number(activity.messages_failed)}</dd>
                <dt>{t('security.connections')}</dt>
                <dd>{number(activity.connections_now)}</dd>
                <dt>{t('security.perMinute')}</dt>
                <dd>{number(activity.messages_last_minute)}</dd>
                <dt>{t('security.events')}</dt>
                <dd>{number(activity.security_events)}</dd>
              </dl>
              <h3>{t('security.recent')}</h3>
              <ul className="events">
                {activity.recent_events.map((event, i) => (
                  <li key={i}>
                    <time>{dateTime(event.created_at)}</time> ·{' '}
                    <span data-kind={event.kind}>
                      {t(`eventKind.${event.kind}`, { defaultValue: event.kind })}
                    </span>{' '}
                    {event.ip && <span dir="ltr">{event.ip}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
      <TrustedIpsCard />
      <PolicyCard />
    </main>
  );
}
