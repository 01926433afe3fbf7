import type { UserPresenceFrame } from '@parley/contract/server-frames';
import type { DomainEvent, PublishedEvent } from '@parley/domain/events/domain-event';

export type Of<T extends DomainEvent['type']> = PublishedEvent<Extract<DomainEvent, { type: T }>>;

export const is = <T extends DomainEvent['type']>(event: PublishedEvent, type: T): event is Of<T> =>
  event.type === type;

/** An agent's recorded presence change, as every chat and conversations socket shows it. */
export const presenceFrame = (event: Of<'agent.presence'>): UserPresenceFrame => ({
  type: 'user_presence',
  seq: event.seq,
  ...event.payload,
  timestamp: event.created_at,
});
