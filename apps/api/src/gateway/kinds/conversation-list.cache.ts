import type { ConversationView } from '@parley/contract/views';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { previewOf } from '@parley/domain/services/message-preview';
import { is, type Of } from './event-guards';

/** Customer messages kept per conversation to count unread ones without asking Postgres. */
export const UNREAD_WINDOW = 500;
const MAX_CONVERSATIONS = 5000;
/** A cached view is refreshed this often anyway (a contact renamed by the platform emits no event). */
const VIEW_TTL_MS = 60_000;

/** What the list needs to count an agent's unread messages in one conversation. */
export interface UnreadState {
  /** The workspace seq this state is current to: events at or below it are already in it. */
  upTo: number;
  /** agent id → the seq it has read up to. */
  reads: Map<string, number>;
  /** Seqs of the newest customer messages (not deleted), ascending. */
  customerSeqs: number[];
  /** Every customer message with a seq above this is in customerSeqs (0: all of them are). */
  complete: number;
}

/**
 * One workspace's inbox list as this api instance last heard it: each conversation's shared view
 * and what counting unread messages needs. Kept current by every event the instance delivers, in
 * seq order, so a busy inbox is answered from memory instead of a query per event per agent.
 * Whatever the events cannot keep exact (a deleted message's effect on the preview or the count)
 * is dropped and read again when next needed.
 */
export class ConversationListCache {
  private readonly views = new Map<string, { view: ConversationView; at: number }>();
  private readonly unread = new Map<string, UnreadState>();

  view(conversationId: string): ConversationView | undefined {
    const hit = this.views.get(conversationId);
    if (!hit || Date.now() - hit.at > VIEW_TTL_MS) return undefined;
    return hit.view;
  }

  setView(view: ConversationView): void {
    this.views.delete(view.id);
    this.views.set(view.id, { view: { ...view, unread_count: undefined }, at: Date.now() });
    if (this.views.size > MAX_CONVERSATIONS) this.views.delete(this.views.keys().next().value!);
  }

  unreadState(conversationId: string): UnreadState | undefined {
    return this.unread.get(conversationId);
  }

  setUnreadState(conversationId: string, state: UnreadState): void {
    this.unread.delete(conversationId);
    this.unread.set(conversationId, state);
    if (this.unread.size > MAX_CONVERSATIONS) this.unread.delete(this.unread.keys().next().value!);
  }

  /** An agent's unread count, or undefined when its read position is older than the window kept. */
  unreadOf(state: UnreadState, agentId: string): number | undefined {
    const read = state.reads.get(agentId) ?? 0;
    if (read < state.complete) return undefined;
    let low = 0;
    let high = state.customerSeqs.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (state.customerSeqs[mid] <= read) low = mid + 1;
      else high = mid;
    }
    return state.customerSeqs.length - low;
  }

  /** Applies one delivered event (every event of the workspace, in seq order). */
  observe(event: PublishedEvent): void {
    if (is(event, 'label.updated') || is(event, 'label.deleted')) {
      this.relabel(event);
      return;
    }
    const id = event.conversation_id;
    if (!id) return;
    if (is(event, 'conversation.created') || is(event, 'conversation.updated')) {
      this.setView(event.payload.conversation);
      return;
    }
    if (is(event, 'message.created')) {
      const { message } = event.payload;
      if (message.type === 'note') return;
      const hit = this.views.get(id);
      if (hit) {
        hit.view = {
          ...hit.view,
          last_message_at: message.created_at,
          last_message_preview: previewOf(message.content, message.attachments),
          ...(message.type === 'customer' ? { last_customer_message_at: message.created_at } : {}),
        };
      }
      const state = this.unread.get(id);
      if (state && message.type === 'customer' && event.seq > state.upTo) {
        state.customerSeqs.push(message.seq);
        if (state.customerSeqs.length > UNREAD_WINDOW) state.complete = state.customerSeqs.shift()!;
      }
      return;
    }
    if (is(event, 'conversation.read')) {
      const state = this.unread.get(id);
      const { agent_id, seq } = event.payload;
      // A read position only moves forward (Postgres keeps the greatest).
      if (state && event.seq > state.upTo)
        state.reads.set(agent_id, Math.max(state.reads.get(agent_id) ?? 0, seq));
      return;
    }
    if (is(event, 'message.deleted')) {
      // The preview was recomputed and a customer message may have left the count: read both again.
      this.views.delete(id);
      this.unread.delete(id);
    }
  }

  /** A renamed label is renamed, and a deleted one dropped, in every view kept (no conversation event tells). */
  private relabel(event: Of<'label.updated'> | Of<'label.deleted'>): void {
    const label = 'label' in event.payload ? event.payload.label : null;
    const id = 'label' in event.payload ? event.payload.label.id : event.payload.label_id;
    for (const hit of this.views.values()) {
      if (!hit.view.labels.some((l) => l.id === id)) continue;
      hit.view = {
        ...hit.view,
        labels: label
          ? hit.view.labels.map((l) => (l.id === id ? { id, name: label.name, color: label.color } : l))
          : hit.view.labels.filter((l) => l.id !== id),
      };
    }
  }
}
