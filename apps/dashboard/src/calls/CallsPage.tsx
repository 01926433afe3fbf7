import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallView } from '@parley/contract/calls';
import type { Page } from '@parley/contract/views';
import { api } from '../api/http';
import { DataTable } from '../ui/DataTable';
import { clock, dateTime } from '../ui/format';
import { presenceOf, useLive } from '../ui/live';
import { calls, inCall } from './call-store';
import { useCalls } from './CallCenter';

/** A "Call" button for one agent (the team list, the agents page). */
export function CallButton({ agentId, name }: { agentId: string; name: string }) {
  const { t } = useTranslation();
  const state = useCalls();
  const busy = inCall(state.current);
  return (
    <button
      type="button"
      disabled={busy}
      aria-label={t('calls.callName', { name })}
      data-testid="call-agent"
      onClick={() => void calls.place({ agent_id: agentId }, name)}
    >
      {t('calls.call')}
    </button>
  );
}

/** `#/calls`: the team (with a Call button each) and the agent's call history. */
export function CallsPage() {
  const { t } = useTranslation();
  const live = useLive();
  const me = live.session.agent.id;
  const state = useCalls();
  const [history, setHistory] = useState<CallView[]>([]);
  const [next, setNext] = useState<string | null>(null);

  const load = useCallback((cursor?: string) => {
    api<Page<CallView>>(`/calls${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`).then(
      (page) => {
        setHistory((current) => (cursor ? [...current, ...page.data] : page.data));
        setNext(page.next_cursor);
      },
      () => undefined,
    );
  }, []);
  // Reloaded whenever a call of this tab moves on, so the one just made is listed.
  useEffect(() => load(), [load, state.current?.status]);

  const team = live.agents.filter((a) => a.id !== me && a.is_active && !a.invitation_pending);
  const other = (call: CallView) => (call.caller.id === me ? call.callee : call.caller);

  return (
    <main className="page" data-testid="calls-page">
      <h1>{t('calls.title')}</h1>
      <h2>{t('calls.team')}</h2>
      <DataTable
        rows={team}
        rowKey={(a) => a.id}
        rowTestId="team-row"
        empty={t('calls.noTeam')}
        columns={[
          { key: 'name', header: t('agents.name'), dir: 'auto', cell: (a) => a.name },
          {
            key: 'presence',
            header: t('calls.presence'),
            cell: (a) => t(`presence.${presenceOf(live, a.id).status}`),
          },
          { key: 'call', header: '', cell: (a) => <CallButton agentId={a.id} name={a.name} /> },
        ]}
      />
      <h2>{t('calls.history')}</h2>
      <DataTable
        rows={history}
        rowKey={(c) => c.id}
        rowTestId="call-row"
        rowData={(c) => ({ 'data-status': c.status })}
        empty={t('calls.noHistory')}
        columns={[
          {
            key: 'direction',
            header: t('calls.direction'),
            cell: (c) => (c.caller.id === me ? t('calls.outgoing') : t('calls.incomingShort')),
          },
          { key: 'who', header: t('calls.who'), dir: 'auto', cell: (c) => other(c).name ?? '—' },
          { key: 'status', header: t('calls.statusHeader'), cell: (c) => t(`calls.status.${c.status}`) },
          { key: 'when', header: t('calls.when'), cell: (c) => dateTime(c.started_at) },
          {
            key: 'duration',
            header: t('calls.duration'),
            cell: (c) => (c.duration_seconds === null ? '—' : clock(c.duration_seconds)),
          },
        ]}
      />
      {next && (
        <button type="button" onClick={() => load(next)}>
          {t('calls.more')}
        </button>
      )}
    </main>
  );
}
