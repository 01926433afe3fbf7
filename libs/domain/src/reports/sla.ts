import { SLA_TIMERS, SlaTimer } from '@parley/contract/business-hours';

/** A conversation's SLA timers as stored on it. */
export interface SlaState {
  first_response: Date | null;
  next_response: Date | null;
  resolution: Date | null;
  warned: SlaTimer[];
  breached: SlaTimer[];
}

export interface SlaAlert {
  timer: SlaTimer;
  level: 'warning' | 'breach';
}

export const NO_SLA_STATE: SlaState = {
  first_response: null,
  next_response: null,
  resolution: null,
  warned: [],
  breached: [],
};

/** When the scanner must look at the conversation next: the earliest warning or deadline still to come. */
export function checkAt(state: SlaState, warnBeforeMinutes: number): Date | null {
  const times = SLA_TIMERS.flatMap((timer) => {
    const due = state[timer];
    if (!due || state.breached.includes(timer)) return [];
    const warn = warnBeforeMinutes > 0 && !state.warned.includes(timer);
    return [warn ? due.getTime() - warnBeforeMinutes * 60_000 : due.getTime()];
  });
  return times.length ? new Date(Math.min(...times)) : null;
}

/** What has come due by `now`: warnings (before a deadline) and breaches (past it), each once. */
export function alertsAt(
  state: SlaState,
  now: Date,
  warnBeforeMinutes: number,
): { state: SlaState; alerts: SlaAlert[] } {
  const alerts: SlaAlert[] = [];
  const warned = [...state.warned];
  const breached = [...state.breached];
  for (const timer of SLA_TIMERS) {
    const due = state[timer];
    if (!due || breached.includes(timer)) continue;
    if (due.getTime() <= now.getTime()) {
      breached.push(timer);
      alerts.push({ timer, level: 'breach' });
    } else if (
      warnBeforeMinutes > 0 &&
      !warned.includes(timer) &&
      due.getTime() - warnBeforeMinutes * 60_000 <= now.getTime()
    ) {
      warned.push(timer);
      alerts.push({ timer, level: 'warning' });
    }
  }
  return { state: { ...state, warned, breached }, alerts };
}

const same = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

export function sameSlaState(a: SlaState, b: SlaState): boolean {
  return (
    SLA_TIMERS.every((t) => same(a[t], b[t])) &&
    a.warned.join() === b.warned.join() &&
    a.breached.join() === b.breached.join()
  );
}

/** A timer started anew forgets its earlier warning and breach. */
export function restart(state: SlaState, timer: SlaTimer, due: Date | null): SlaState {
  return {
    ...state,
    [timer]: due,
    warned: state.warned.filter((t) => t !== timer),
    breached: state.breached.filter((t) => t !== timer),
  };
}
