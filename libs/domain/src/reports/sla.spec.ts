import { alertsAt, checkAt, NO_SLA_STATE, SlaState } from './sla';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 9, minute));

describe('SLA timers', () => {
  const state: SlaState = { ...NO_SLA_STATE, first_response: at(30), resolution: at(50) };

  it('is looked at first when the earliest warning is due, then at the deadline', () => {
    expect(checkAt(state, 5)).toEqual(at(25));
    expect(checkAt({ ...state, warned: ['first_response'] }, 5)).toEqual(at(30));
    expect(checkAt({ ...state, breached: ['first_response'], warned: ['first_response'] }, 5)).toEqual(
      at(45),
    );
    expect(checkAt(NO_SLA_STATE, 5)).toBeNull();
  });

  it('warns once before a deadline and marks the breach once after it', () => {
    const early = alertsAt(state, at(24), 5);
    expect(early.alerts).toEqual([]);
    const warned = alertsAt(state, at(26), 5);
    expect(warned.alerts).toEqual([{ timer: 'first_response', level: 'warning' }]);
    expect(alertsAt(warned.state, at(27), 5).alerts).toEqual([]);
    const breached = alertsAt(warned.state, at(31), 5);
    expect(breached.alerts).toEqual([{ timer: 'first_response', level: 'breach' }]);
    expect(breached.state.breached).toEqual(['first_response']);
    expect(alertsAt(breached.state, at(32), 5).alerts).toEqual([]);
  });

  it('without a warning time only breaches are marked', () => {
    expect(alertsAt(state, at(29), 0).alerts).toEqual([]);
    expect(alertsAt(state, at(51), 0).alerts).toEqual([
      { timer: 'first_response', level: 'breach' },
      { timer: 'resolution', level: 'breach' },
    ]);
  });
});
