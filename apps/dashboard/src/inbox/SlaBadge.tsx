import { useTranslation } from 'react-i18next';
import { SLA_TIMERS, type ConversationSlaView, type SlaTimer } from '@parley/contract/business-hours';
import { span } from '../ui/format';
import { useTick } from '../ui/hooks';

const DUE: Record<SlaTimer, keyof ConversationSlaView> = {
  first_response: 'first_response_due_at',
  next_response: 'next_response_due_at',
  resolution: 'resolution_due_at',
};

/**
 * A conversation's SLA at a glance: the breach marker when a timer broke, else a countdown to the
 * nearest deadline (amber once warned, red once past); nothing without a running timer.
 */
export function SlaBadge({ sla }: { sla: ConversationSlaView | null | undefined }) {
  const { t } = useTranslation();
  const now = useTick(30_000);
  if (!sla) return null;
  if (sla.breached.length)
    return (
      <span className="sla-badge" data-state="breached" data-testid="sla-badge">
        {t('sla.breached', { timers: sla.breached.map((timer) => t(`sla.${timer}`)).join(', ') })}
      </span>
    );
  const next = SLA_TIMERS.map((timer) => ({ timer, due: sla[DUE[timer]] as string | null }))
    .filter((entry): entry is { timer: SlaTimer; due: string } => entry.due !== null)
    .sort((a, b) => a.due.localeCompare(b.due))[0];
  if (!next) return null;
  const left = Date.parse(next.due) - now;
  const state = left <= 0 ? 'breached' : sla.warned.includes(next.timer) ? 'warning' : 'running';
  return (
    <span
      className="sla-badge"
      data-state={state}
      data-testid="sla-badge"
      title={new Date(next.due).toLocaleString()}
    >
      {left <= 0
        ? t('sla.overdue', { timer: t(`sla.${next.timer}`) })
        : t('sla.dueIn', { timer: t(`sla.${next.timer}`), time: span(left) })}
    </span>
  );
}
