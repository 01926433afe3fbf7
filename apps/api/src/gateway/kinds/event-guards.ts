import type { LabelDeletedFrame, LabelUpdatedFrame, UserPresenceFrame } from '@parley/contract/server-frames';
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

/** A label renamed, recoloured or deleted, as every conversations and chat socket of the workspace shows it. */
export const labelFrame = (event: PublishedEvent): LabelUpdatedFrame | LabelDeletedFrame | undefined =>
  is(event, 'label.updated')
    ? { type: 'label_updated', seq: event.seq, label: event.payload.label }
    : is(event, 'label.deleted')
      ? { type: 'label_deleted', seq: event.seq, label_id: event.payload.label_id }
      : undefined;
