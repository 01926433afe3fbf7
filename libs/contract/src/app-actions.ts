/**
 * Apps inside a conversation: the actions an app declares, what agents open (the app's page with
 * a signed context), and the result cards an app posts back into the conversation.
 */
import type { AgentRole, ConversationStatus } from './views';
import type { ChannelType } from './channel-types';

/** How much an app may declare: a handful of short-named actions with reasonable URLs. */
export const APP_ACTION_LIMITS = {
  perApp: 5,
  keyMax: 40,
  nameMax: 40,
  urlMax: 2048,
} as const;

/** The query parameter the signed context is appended as when an agent opens an action. */
export const APP_CONTEXT_PARAM = 'parley_context';
/** How long an opened action's context verifies (seconds). */
export const APP_CONTEXT_TTL_SECONDS = 300;
/** The context's `iss`. Its `aud` is the app's id (its API key's id). */
export const APP_CONTEXT_ISSUER = 'parley';

/** What an app sends to declare one action (`PUT /app/actions {actions: [...]}`). */
export interface AppActionInput {
  /** The app's own name for it, `[a-z0-9_-]`, 1–40: the context's `action` claim. */
  key: string;
  /** What agents see, 1–40 characters; `name_fa` and `name_ar` for agents using those languages. */
  name: string;
  name_fa?: string | null;
  name_ar?: string | null;
  /** https (http only for localhost in development, or when the operator allows it). */
  url: string;
}

/** One declared action, as the app that declared it reads it. */
export interface AppActionView {
  id: string;
  key: string;
  name: string;
  name_fa: string | null;
  name_ar: string | null;
  url: string;
  created_at: string;
  updated_at: string;
}

/**
 * `GET`/`PUT /app/actions`: the app's actions; `context_secret` only on the answer that created it
 * (the app's first declaration) and on rotation — it is never shown again.
 */
export interface AppActionsView {
  app: { id: string; name: string };
  actions: AppActionView[];
  context_secret?: string;
}

/** `POST /app/actions/rotate-secret`: the new secret, shown this once. */
export interface AppContextSecretView {
  context_secret: string;
}

/** An action as agents see it for a conversation (`GET /conversations/{id}/actions`). */
export interface ConversationActionView {
  id: string;
  key: string;
  name: string;
  name_fa: string | null;
  name_ar: string | null;
  app: { id: string; name: string };
}

/** `POST /conversations/{id}/actions/{action_id}/open`: the page to load, with the context in it. */
export interface OpenedActionView {
  url: string;
  expires_at: string;
  action: ConversationActionView;
}

/** The claims of the signed context (a JWT, HS256, signed with the app's context secret). */
export interface AppContextClaims {
  iss: typeof APP_CONTEXT_ISSUER;
  /** The app's id. */
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  /** The key of the action opened. */
  action: string;
  workspace: { id: string; name: string };
  conversation: { id: string; status: ConversationStatus; channel_type: ChannelType };
  contact: { id: string; name: string | null };
  agent: { id: string; name: string; role: AgentRole };
}

/** How big a result card may be. */
export const CARD_LIMITS = {
  titleMax: 200,
  textMax: 2000,
  fields: 10,
  labelMax: 60,
  valueMax: 500,
} as const;

export interface CardField {
  label: string;
  value: string;
}

/** `POST /conversations/{id}/cards`: what an app posts back into the conversation. */
export interface CardInput {
  title: string;
  text?: string | null;
  fields?: CardField[];
  url?: string | null;
}

/** A result card on a message (a private note): always the app that posted it. */
export interface MessageCard {
  title: string;
  text: string | null;
  fields: CardField[];
  url: string | null;
  app: { id: string; name: string };
}
