import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentRole, AgentView, InviteAnswer } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { useLive } from '../ui/live';
import { CallButton } from '../calls/CallsPage';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';

/** Admins invite agents (a one-time link), change roles and deactivate. */
export function AgentsPage() {
  const { t } = useTranslation();
  const live = useLive();
  const [error, setError] = useState<string | null>(null);
  const [invite, setInvite] = useState<{ email: string; link: string } | null>(null);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));
  const update = (agent: AgentView, body: Partial<{ role: AgentRole; is_active: boolean }>) => {
    setError(null);
    api(`/agents/${agent.id}`, { method: 'PATCH', body }).then(live.reloadAgents, fail);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    setError(null);
    api<InviteAnswer>('/agents', {
      method: 'POST',
      body: { name: field('name'), email: field('email'), role: field('role') },
    }).then((answer) => {
      setInvite({
        email: answer.agent.email,
        link: `${window.location.origin}/#/accept/${encodeURIComponent(answer.invite_token)}`,
      });
      form.reset();
      live.reloadAgents();
    }, fail);
  };

  return (
    <main className="page">
      <h1>{t('agents.title')}</h1>
      <ErrorLine error={error} />
      <form className="card form-row" onSubmit={submit} aria-label={t('agents.inviteTitle')}>
        <h2>{t('agents.inviteTitle')}</h2>
        <label className="field">
          <span>{t('agents.name')}</span>
          <input name="name" required dir="auto" />
        </label>
        <label className="field">
          <span>{t('agents.email')}</span>
          <input name="email" type="email" required />
        </label>
        <label className="field">
          <span>{t('agents.role')}</span>
          <select name="role" defaultValue="agent">
            <option value="agent">{t('agents.agent')}</option>
            <option value="admin">{t('agents.admin')}</option>
          </select>
        </label>
        <button className="primary" type="submit">
          {t('agents.invite')}
        </button>
      </form>
      {invite && (
        <p className="card" role="status">
          {t('agents.inviteLink', { email: invite.email })}{' '}
          <code dir="ltr" data-testid="invite-link">
            {invite.link}
          </code>
        </p>
      )}
      <DataTable
        rows={live.agents}
        rowKey={(agent) => agent.id}
        rowTestId="agent-row"
        columns={[
          { key: 'name', header: t('agents.name'), dir: 'auto', cell: (agent) => agent.name },
          { key: 'email', header: t('agents.email'), dir: 'ltr', cell: (agent) => agent.email },
          {
            key: 'role',
            header: t('agents.role'),
            cell: (agent) => (
              <select
                aria-label={`${t('agents.role')}: ${agent.name}`}
                value={agent.role}
                onChange={(event) => update(agent, { role: event.target.value as AgentRole })}
              >
                <option value="agent">{t('agents.agent')}</option>
                <option value="admin">{t('agents.admin')}</option>
              </select>
            ),
          },
          {
            key: 'status',
            header: t('channels.status'),
            cell: (agent) =>
              !agent.is_active
                ? t('agents.inactive')
                : agent.invitation_pending
                  ? t('agents.pending')
                  : t('agents.active'),
          },
          {
            key: 'actions',
            header: t('agents.actions'),
            cell: (agent) => (
              <>
                <button type="button" onClick={() => update(agent, { is_active: !agent.is_active })}>
                  {agent.is_active ? t('agents.deactivate') : t('agents.activate')}
                </button>
                {agent.is_active && !agent.invitation_pending && agent.id !== live.session.agent.id && (
                  <CallButton agentId={agent.id} name={agent.name} />
                )}
              </>
            ),
          },
        ]}
      />
    </main>
  );
}
