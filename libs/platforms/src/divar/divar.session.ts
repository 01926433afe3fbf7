/**
 * Divar's add-on open flow (`../shared/platforms/divar.md` §6): when a user opens the app from a
 * chat (or clicks one of its buttons), Divar posts to the app's Session Initialization URL and
 * opens the `url` it is answered.
 */

/** What Divar says about the chat the page is opened from. */
export interface DivarSessionRequest {
  conversationId: string;
  /** The ad the chat is about; empty for a chatbot conversation. */
  postToken: string;
  userSide: 'supply' | 'demand' | null;
  source: string | null;
  completionUrl: string | null;
}

const CONVERSATION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const POST_TOKEN = /^[A-Za-z0-9_-]{0,64}$/;

/** Validates a session request's body: the request, or the words of what is wrong. */
export function parseDivarSessionRequest(body: unknown): DivarSessionRequest | { problems: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { problems: 'the body must be a JSON object' };
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.conversation_id !== 'string' || !CONVERSATION_ID.test(b.conversation_id))
    problems.push('conversation_id must be the Divar conversation id');
  const postToken = b.post_token ?? '';
  if (typeof postToken !== 'string' || !POST_TOKEN.test(postToken))
    problems.push('post_token must be a Divar post token');
  let userSide: DivarSessionRequest['userSide'] = null;
  if (b.user_side !== undefined && b.user_side !== null) {
    // Divar's two documents spell it Supply/Demand and SUPPLY/DEMAND.
    const side = typeof b.user_side === 'string' ? b.user_side.toLowerCase() : '';
    if (side === 'supply' || side === 'demand') userSide = side;
    else problems.push('user_side must be Supply or Demand');
  }
  if (b.source !== undefined && b.source !== null && (typeof b.source !== 'string' || b.source.length > 64))
    problems.push('source must be a string');
  if (
    b.completion_url !== undefined &&
    b.completion_url !== null &&
    (typeof b.completion_url !== 'string' || b.completion_url.length > 2048)
  )
    problems.push('completion_url must be a URL');
  if (problems.length) return { problems: problems.join('; ') };
  return {
    conversationId: b.conversation_id as string,
    postToken: postToken as string,
    userSide,
    source: (b.source as string | undefined) ?? null,
    completionUrl: (b.completion_url as string | undefined) ?? null,
  };
}

/**
 * The platform user ids a Divar conversation's customer may have on the channel: a post chat's
 * (`post:`) or a chatbot conversation's (`bot:`).
 */
export const divarCustomerIds = (conversationId: string): { post: string; bot: string } => ({
  post: `post:${conversationId}`,
  bot: `bot:${conversationId}`,
});

/**
 * Where to return the customer: Divar's completion URL when the request's is on the configured
 * origin (https only), else the configured one. Never a URL of another host from the request.
 */
export function completionUrlFor(requested: string | null, configured: string): string {
  if (!requested || requested.length > 512) return configured;
  try {
    const given = new URL(requested);
    const allowed = new URL(configured);
    if (
      given.protocol === allowed.protocol &&
      given.host === allowed.host &&
      !given.username &&
      !given.password
    )
      return given.toString();
  } catch {
    // not a URL: the configured one
  }
  return configured;
}

/** An ad's page on Divar. */
export const divarPostUrl = (postToken: string): string =>
  `https://divar.ir/v/${encodeURIComponent(postToken)}`;
