import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ROUTING_MODES, type RoutingMode, type TeamView } from '@parley/contract/teams';
import type { ChannelView } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { useLive } from '../ui/live';

/** Admins group agents into teams, choose each team's routing, and send each channel's new conversations to a team. */
export function TeamsPage() {
  const { t } = useTranslation();
  const live = useLive();
  const agents = live.agents.filter((a) => a.is_active);
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));
  const reload = () =>
    Promise.all([api<TeamView[]>('/teams'), api<ChannelView[]>('/channels')]).then(
      ([teamList, channelList]) => {
        setTeams(teamList);
        setChannels(channelList);
      },
      fail,
    );
  useEffect(() => {
    void reload();
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const max = value('max');
    setError(null);
    api('/teams', {
      method: 'POST',
      body: {
        name: value('name'),
        routing: value('routing'),
        max_open_per_agent: max ? Number(max) : null,
        agent_ids: agents
          .filter((a) => (form.elements.namedItem(`member-${a.id}`) as HTMLInputElement).checked)
          .map((a) => a.id),
      },
    }).then(() => {
      form.reset();
      void reload();
    }, fail);
  };
  const change = (team: TeamView, body: object) =>
    api(`/teams/${team.id}`, { method: 'PATCH', body }).then(() => void reload(), fail);
  const toggleMember = (team: TeamView, agentId: string) => {
    const ids = new Set(team.members.map((m) => m.id));
    if (ids.has(agentId)) ids.delete(agentId);
    else ids.add(agentId);
    void change(team, { agent_ids: [...ids] });
  };
  const route = (channel: ChannelView, teamId: string) =>
    api(`/channels/${channel.id}`, { method: 'PATCH', body: { team_id: teamId || null } }).then(
      () => void reload(),
      fail,
    );

  return (
    <main className="page">
      <h1>{t('essentials.teams.title')}</h1>
      <p className="muted">{t('essentials.teams.intro')}</p>
      <ErrorLine error={error} />
      <form className="card" onSubmit={submit} aria-label={t('essentials.teams.add')}>
        <label className="field">
          <span>{t('essentials.teams.name')}</span>
          <input name="name" required maxLength={64} dir="auto" data-testid="team-name" />
        </label>
        <label className="field">
          <span>{t('essentials.teams.routing')}</span>
          <select name="routing" defaultValue="round_robin" data-testid="team-routing">
            {ROUTING_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {t(`essentials.teams.routing_${mode}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('essentials.teams.max')}</span>
          <input name="max" type="number" min={1} max={1000} data-testid="team-max" />
        </label>
        <fieldset>
          <legend>{t('essentials.teams.members')}</legend>
          {agents.map((agent) => (
            <label key={agent.id} className="inline" dir="auto">
              <input type="checkbox" name={`member-${agent.id}`} /> {agent.name}
            </label>
          ))}
        </fieldset>
        <button className="primary" type="submit" data-testid="team-add">
          {t('essentials.teams.add')}
        </button>
      </form>
      <DataTable
        rows={teams}
        rowKey={(team) => team.id}
        rowTestId="team-row"
        empty={t('essentials.teams.empty')}
        columns={[
          { key: 'name', header: t('essentials.teams.name'), dir: 'auto', cell: (team) => team.name },
          {
            key: 'routing',
            header: t('essentials.teams.routing'),
            cell: (team) => (
              <select
                value={team.routing}
                aria-label={t('essentials.teams.routing')}
                onChange={(event) => void change(team, { routing: event.target.value as RoutingMode })}
              >
                {ROUTING_MODES.map((mode) => (
                  <option key={mode} value={mode}>
                    {t(`essentials.teams.routing_${mode}`)}
                  </option>
                ))}
              </select>
            ),
          },
          {
            key: 'max',
            header: t('essentials.teams.max'),
            cell: (team) => (
              <input
                type="number"
                min={1}
                max={1000}
                defaultValue={team.max_open_per_agent ?? ''}
                aria-label={t('essentials.teams.max')}
                onBlur={(event) =>
                  void change(team, {
                    max_open_per_agent: event.target.value ? Number(event.target.value) : null,
                  })
                }
              />
            ),
          },
          {
            key: 'members',
            header: t('essentials.teams.members'),
            cell: (team) => (
              <span className="row-actions">
                {agents.map((agent) => (
                  <label key={agent.id} className="inline" dir="auto">
                    <input
                      type="checkbox"
                      checked={team.members.some((m) => m.id === agent.id)}
                      onChange={() => toggleMember(team, agent.id)}
                    />{' '}
                    {agent.name}
                  </label>
                ))}
              </span>
            ),
          },
          {
            key: 'actions',
            header: '',
            cell: (team) => (
              <button
                type="button"
                onClick={() => api(`/teams/${team.id}`, { method: 'DELETE' }).then(() => void reload(), fail)}
              >
                {t('essentials.teams.delete')}
              </button>
            ),
          },
        ]}
      />
      <h2>{t('essentials.teams.channels')}</h2>
      <p className="muted">{t('essentials.teams.channelsIntro')}</p>
      <DataTable
        rows={channels}
        rowKey={(channel) => channel.id}
        rowTestId="channel-team-row"
        columns={[
          {
            key: 'channel',
            header: t('essentials.teams.channel'),
            dir: 'auto',
            cell: (channel) => channel.name,
          },
          {
            key: 'team',
            header: t('essentials.teams.team'),
            cell: (channel) => (
              <select
                value={channel.team_id ?? ''}
                aria-label={t('essentials.teams.team')}
                data-testid="channel-team"
                onChange={(event) => void route(channel, event.target.value)}
              >
                <option value="">{t('essentials.teams.noTeam')}</option>
                {teams.map((team) => (
                  <option key={team.id} value={team.id}>
                    {team.name}
                  </option>
                ))}
              </select>
            ),
          },
        ]}
      />
    </main>
  );
}
