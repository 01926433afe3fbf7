import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  AgentReportRow,
  AgentsReport,
  ChannelReportRow,
  ChannelsReport,
  CsatCommentRow,
  CsatReport,
  DurationStats,
  HoursReport,
  OverviewReport,
  ReportName,
  TeamReportRow,
  TeamsReport,
} from '@parley/contract/reports';
import type { TeamView } from '@parley/contract/teams';
import type { ChannelView, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { session } from '../api/session';
import { locale } from '../i18n';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime, number, span } from '../ui/format';
import { useLive } from '../ui/live';
import { drawBars, type Series } from './charts';

interface Reports {
  overview: OverviewReport;
  channels: ChannelsReport;
  agents: AgentsReport;
  teams: TeamsReport;
  hours: HoursReport;
  csat: CsatReport;
}

const OPENED = '#2563eb';
const RESOLVED = '#16a34a';
const RATING = '#f59e0b';

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** "42 s", "3 min" or "2 h 5 min"; "—" without data. */
const duration = (seconds: number | null) => {
  if (seconds === null) return '—';
  if (seconds >= 60) return span(seconds * 1000);
  return new Intl.NumberFormat(locale(), { style: 'unit', unit: 'second', unitDisplay: 'short' }).format(
    Math.round(seconds),
  );
};
const stat = (stats: DurationStats) => `${duration(stats.median_seconds)} · ${duration(stats.p90_seconds)}`;

/** A bar chart on a canvas of its own, redrawn when its data or the language changes. */
function BarChart({
  labels,
  series,
  testId,
  title,
}: {
  labels: string[];
  series: Series[];
  testId: string;
  title: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { i18n } = useTranslation();
  const [drawn, setDrawn] = useState(false);
  const key = JSON.stringify([labels, series, i18n.language]);
  useEffect(() => {
    if (!canvas.current) return;
    let cancelled = false;
    let chart: { destroy(): void } | null = null;
    setDrawn(false);
    void drawBars(canvas.current, labels, series, {
      rtl: document.documentElement.dir === 'rtl',
      locale: locale(),
    }).then((made) => {
      if (cancelled) made.destroy();
      else {
        chart = made;
        setDrawn(true);
      }
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
    // `key` stands for the labels, the series and the language.
  }, [key]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div className="chart-box">
        <canvas ref={canvas} data-testid={testId} data-drawn={drawn} role="img" aria-label={title} />
      </div>
    </figure>
  );
}

/**
 * Admins' reports: conversations opened and resolved, first response and resolution times
 * (median · 90th percentile), by hour of day (in the chosen time zone), by channel, by agent and by
 * team, and CSAT, for everyone or one channel, agent or team; each downloadable as CSV. chart.js is loaded only when this page draws.
 */
export function ReportsPage() {
  const { t } = useTranslation();
  const live = useLive();
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 7 * 86400_000)));
  const [to, setTo] = useState(() => isoDay(new Date(Date.now() + 86400_000)));
  const [tz, setTz] = useState(browserZone);
  const [channelId, setChannelId] = useState('');
  const [agentId, setAgentId] = useState('');
  const [teamId, setTeamId] = useState('');
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [reports, setReports] = useState<Reports | null>(null);
  const [error, setError] = useState<string | null>(null);

  const query = useMemo(() => {
    const params = new URLSearchParams({ from, to, tz });
    if (channelId) params.set('channel_id', channelId);
    if (agentId) params.set('agent_id', agentId);
    if (teamId) params.set('team_id', teamId);
    return params.toString();
  }, [from, to, tz, channelId, agentId, teamId]);

  useEffect(() => {
    void api<Page<ChannelView> | ChannelView[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      () => undefined,
    );
    void api<TeamView[]>('/teams').then(setTeams, () => undefined);
  }, []);

  useEffect(() => {
    let stale = false;
    const get = <T,>(name: ReportName) => api<T>(`/reports/${name}?${query}`);
    Promise.all([
      get<OverviewReport>('overview'),
      get<ChannelsReport>('channels'),
      get<AgentsReport>('agents'),
      get<TeamsReport>('teams'),
      get<HoursReport>('hours'),
      get<CsatReport>('csat'),
    ]).then(
      ([overview, byChannel, byAgent, byTeam, hours, csat]) => {
        if (stale) return;
        setError(null);
        setReports({ overview, channels: byChannel, agents: byAgent, teams: byTeam, hours, csat });
      },
      (failure: Error) => !stale && setError(failure.message),
    );
    return () => {
      stale = true;
    };
  }, [query]);

  /** The report as CSV, fetched with the session's token (never in a URL) and saved as a file. */
  const download = async (name: ReportName) => {
    const token = await session.freshToken();
    const response = await fetch(`/api/v1/reports/${name}?${query}&format=csv`, {
      headers: { authorization: `Bearer ${token ?? ''}`, 'accept-language': session.language },
    });
    if (!response.ok) return setError(t('common.error'));
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `parley-${name}-${from}-${to}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const csvButton = (name: ReportName) => (
    <button type="button" onClick={() => void download(name)} data-testid={`csv-${name}`}>
      {t('reports.csv')}
    </button>
  );

  const overview = reports?.overview;
  const hourLabels = Array.from({ length: 24 }, (_, hour) => number(hour));
  const channelColumns = [
    {
      key: 'name',
      header: t('reports.channel'),
      cell: (r: ChannelReportRow) => r.name,
      dir: 'auto' as const,
    },
    { key: 'opened', header: t('reports.opened'), cell: (r: ChannelReportRow) => number(r.opened) },
    { key: 'resolved', header: t('reports.resolved'), cell: (r: ChannelReportRow) => number(r.resolved) },
    { key: 'frt', header: t('reports.firstResponse'), cell: (r: ChannelReportRow) => stat(r.first_response) },
    { key: 'res', header: t('reports.resolution'), cell: (r: ChannelReportRow) => stat(r.resolution) },
    {
      key: 'csat',
      header: t('reports.csat'),
      cell: (r: ChannelReportRow) => (r.csat_average === null ? '—' : number(r.csat_average)),
    },
  ];
  const agentColumns = [
    { key: 'name', header: t('reports.agent'), cell: (r: AgentReportRow) => r.name, dir: 'auto' as const },
    {
      key: 'answered',
      header: t('reports.answered'),
      cell: (r: AgentReportRow) => number(r.first_responses),
    },
    { key: 'resolved', header: t('reports.resolved'), cell: (r: AgentReportRow) => number(r.resolved) },
    { key: 'frt', header: t('reports.firstResponse'), cell: (r: AgentReportRow) => stat(r.first_response) },
    { key: 'res', header: t('reports.resolution'), cell: (r: AgentReportRow) => stat(r.resolution) },
    {
      key: 'csat',
      header: t('reports.csat'),
      cell: (r: AgentReportRow) =>
        r.csat_average === null ? '—' : `${number(r.csat_average)} (${number(r.csat_count)})`,
    },
  ];

  const teamName = (r: TeamReportRow) => r.name ?? t('reports.noTeam');
  const teamColumns = [
    { key: 'name', header: t('reports.team'), cell: teamName, dir: 'auto' as const },
    { key: 'opened', header: t('reports.opened'), cell: (r: TeamReportRow) => number(r.opened) },
    { key: 'resolved', header: t('reports.resolved'), cell: (r: TeamReportRow) => number(r.resolved) },
    { key: 'frt', header: t('reports.firstResponse'), cell: (r: TeamReportRow) => stat(r.first_response) },
    { key: 'res', header: t('reports.resolution'), cell: (r: TeamReportRow) => stat(r.resolution) },
    {
      key: 'csat',
      header: t('reports.csat'),
      cell: (r: TeamReportRow) =>
        r.csat_average === null ? '—' : `${number(r.csat_average)} (${number(r.csat_count)})`,
    },
  ];

  const commentColumns = [
    {
      key: 'score',
      header: t('reports.score'),
      cell: (r: CsatCommentRow) => `${number(r.score)} ★`,
      testId: 'csat-comment-score',
    },
    {
      key: 'comment',
      header: t('reports.comment'),
      cell: (r: CsatCommentRow) => r.comment,
      dir: 'auto' as const,
      testId: 'csat-comment-text',
    },
    {
      key: 'channel',
      header: t('reports.channel'),
      cell: (r: CsatCommentRow) => r.channel_name,
      dir: 'auto' as const,
    },
    {
      key: 'agent',
      header: t('reports.agent'),
      cell: (r: CsatCommentRow) => r.agent_name ?? '—',
      dir: 'auto' as const,
    },
    { key: 'date', header: t('reports.date'), cell: (r: CsatCommentRow) => dateTime(r.commented_at) },
  ];

  return (
    <main className="page" data-testid="reports-page">
      <h1>{t('reports.title')}</h1>
      <form className="card form-row" aria-label={t('reports.filters')} onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>{t('reports.from')}</span>
          <input
            type="date"
            value={from}
            max={to}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="report-from"
          />
        </label>
        <label className="field">
          <span>{t('reports.to')}</span>
          <input
            type="date"
            value={to}
            min={from}
            onChange={(e) => setTo(e.target.value)}
            data-testid="report-to"
          />
        </label>
        <label className="field">
          <span>{t('reports.timeZone')}</span>
          <input
            value={tz}
            dir="ltr"
            onChange={(e) => setTz(e.target.value.trim())}
            data-testid="report-tz"
          />
        </label>
        <label className="field">
          <span>{t('reports.channel')}</span>
          <select
            value={channelId}
            onChange={(e) => setChannelId(e.target.value)}
            data-testid="report-channel"
          >
            <option value="">{t('reports.all')}</option>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('reports.agent')}</span>
          <select value={agentId} onChange={(e) => setAgentId(e.target.value)} data-testid="report-agent">
            <option value="">{t('reports.all')}</option>
            {live.agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('reports.team')}</span>
          <select value={teamId} onChange={(e) => setTeamId(e.target.value)} data-testid="report-team">
            <option value="">{t('reports.all')}</option>
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorLine error={error} testId="report-error" />
      {!reports && !error && <p className="muted">{t('common.loading')}</p>}
      {overview && reports && (
        <>
          <section className="card" aria-label={t('reports.overview')}>
            <div className="page-head">
              <h2>{t('reports.overview')}</h2>
              {csvButton('overview')}
            </div>
            <dl className="kpis" data-testid="report-kpis">
              <div>
                <dt>{t('reports.opened')}</dt>
                <dd data-testid="kpi-opened">{number(overview.opened)}</dd>
              </div>
              <div>
                <dt>{t('reports.resolved')}</dt>
                <dd data-testid="kpi-resolved">{number(overview.resolved)}</dd>
              </div>
              <div>
                <dt>{t('reports.firstResponse')}</dt>
                <dd>{stat(overview.first_response)}</dd>
              </div>
              <div>
                <dt>{t('reports.resolution')}</dt>
                <dd>{stat(overview.resolution)}</dd>
              </div>
              <div>
                <dt>{t('reports.csat')}</dt>
                <dd data-testid="kpi-csat">
                  {overview.csat.average === null ? '—' : `${number(overview.csat.average)} / ${number(5)}`}
                </dd>
              </div>
            </dl>
            <p className="muted">{t('reports.medianP90')}</p>
          </section>
          <div className="grid2">
            <section className="card">
              <div className="page-head">
                <h2>{t('reports.byHour')}</h2>
                {csvButton('hours')}
              </div>
              <BarChart
                testId="chart-hours"
                title={t('reports.byHourTitle', { tz })}
                labels={hourLabels}
                series={[
                  {
                    label: t('reports.opened'),
                    values: reports.hours.rows.map((h) => h.opened),
                    color: OPENED,
                  },
                  {
                    label: t('reports.resolved'),
                    values: reports.hours.rows.map((h) => h.resolved),
                    color: RESOLVED,
                  },
                ]}
              />
            </section>
            <section className="card">
              <div className="page-head">
                <h2>{t('reports.csat')}</h2>
                {csvButton('csat')}
              </div>
              <BarChart
                testId="chart-csat"
                title={t('reports.csatTitle', { count: overview.csat.count, n: number(overview.csat.count) })}
                labels={(['1', '2', '3', '4', '5'] as const).map((s) => `${number(Number(s))} ★`)}
                series={[
                  {
                    label: t('reports.ratings'),
                    values: (['1', '2', '3', '4', '5'] as const).map((s) => overview.csat.distribution[s]),
                    color: RATING,
                  },
                ]}
              />
            </section>
          </div>
          <section className="card">
            <h2>{t('reports.comments')}</h2>
            <DataTable
              testId="report-csat-comments"
              columns={commentColumns}
              rows={reports.csat.comments}
              rowKey={(r) => `${r.conversation_id}:${r.commented_at}`}
              empty={t('reports.commentsEmpty')}
            />
          </section>
          <section className="card">
            <div className="page-head">
              <h2>{t('reports.byChannel')}</h2>
              {csvButton('channels')}
            </div>
            <BarChart
              testId="chart-channels"
              title={t('reports.byChannel')}
              labels={reports.channels.rows.map((c) => c.name)}
              series={[
                {
                  label: t('reports.opened'),
                  values: reports.channels.rows.map((c) => c.opened),
                  color: OPENED,
                },
                {
                  label: t('reports.resolved'),
                  values: reports.channels.rows.map((c) => c.resolved),
                  color: RESOLVED,
                },
              ]}
            />
            <DataTable
              testId="report-channels"
              columns={channelColumns}
              rows={reports.channels.rows}
              rowKey={(r) => r.channel_id}
              empty={t('reports.empty')}
            />
          </section>
          <section className="card">
            <div className="page-head">
              <h2>{t('reports.byTeam')}</h2>
              {csvButton('teams')}
            </div>
            <BarChart
              testId="chart-teams"
              title={t('reports.byTeam')}
              labels={reports.teams.rows.map(teamName)}
              series={[
                {
                  label: t('reports.opened'),
                  values: reports.teams.rows.map((r) => r.opened),
                  color: OPENED,
                },
                {
                  label: t('reports.resolved'),
                  values: reports.teams.rows.map((r) => r.resolved),
                  color: RESOLVED,
                },
              ]}
            />
            <DataTable
              testId="report-teams"
              columns={teamColumns}
              rows={reports.teams.rows}
              rowKey={(r) => r.team_id ?? 'none'}
              empty={t('reports.empty')}
            />
          </section>
          <section className="card">
            <div className="page-head">
              <h2>{t('reports.byAgent')}</h2>
              {csvButton('agents')}
            </div>
            <DataTable
              testId="report-agents"
              columns={agentColumns}
              rows={reports.agents.rows}
              rowKey={(r) => r.agent_id}
              empty={t('reports.empty')}
            />
          </section>
        </>
      )}
    </main>
  );
}
