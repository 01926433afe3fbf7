import type { ConversationView } from '@parley/contract/views';

export const newestFirst = (a: ConversationView, b: ConversationView) =>
  b.last_message_at.localeCompare(a.last_message_at);

/**
 * A list page fetched over REST, with the conversations the list socket sent while that request
 * was in flight laid over it. The page's snapshot may predate those frames (a customer writes
 * while the inbox reloads), so a frame wins unless the page's copy is strictly newer; a
 * conversation that no longer matches the filters (`keep`) leaves the list.
 */
export function mergeReload(
  page: ConversationView[],
  liveDuringFetch: Iterable<ConversationView>,
  keep: (c: ConversationView) => boolean,
): ConversationView[] {
  const byId = new Map(page.map((c) => [c.id, c]));
  for (const live of liveDuringFetch) {
    const fetched = byId.get(live.id);
    if (fetched && fetched.updated_at > live.updated_at) continue;
    if (keep(live)) byId.set(live.id, live);
    else byId.delete(live.id);
  }
  return [...byId.values()].sort(newestFirst);
}
