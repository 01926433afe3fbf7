/** OAuth apps: registered by a developer's workspace, installed by an admin of any workspace. */
import type { ApiKeyScope } from './api-keys';

/** Prefixes that make each secret recognisable in a leak (secret scanners, logs). */
export const OAUTH_CLIENT_ID_PREFIX = 'pcl_';
export const OAUTH_CLIENT_SECRET_PREFIX = 'pcs_';
export const OAUTH_ACCESS_TOKEN_PREFIX = 'poa_';
export const OAUTH_REFRESH_TOKEN_PREFIX = 'por_';

/** A registered app as its developer's workspace sees it: never the client secret. */
export interface OAuthAppView {
  id: string;
  client_id: string;
  name: string;
  description: string | null;
  homepage_url: string | null;
  redirect_uris: string[];
  /** The most an installation may be granted. */
  scopes: ApiKeyScope[];
  created_by: { id: string; name: string } | null;
  created_at: string;
  updated_at: string;
  /** Live installations in any workspace. */
  installations: number;
}

/** Registering an app or rotating its secret: the only times `client_secret` is shown. */
export interface OAuthAppCreatedView extends OAuthAppView {
  client_secret: string;
}

/** What the consent page shows before an admin approves. */
export interface OAuthConsentView {
  app: {
    name: string;
    description: string | null;
    homepage_url: string | null;
    /** The workspace that registered the app. */
    workspace_name: string;
  };
  scopes: ApiKeyScope[];
  redirect_uri: string;
  /** Only admins may install; the page says so to an agent. */
  can_install: boolean;
  /** The scopes of this app's live installation here, if it is installed already. */
  installed_scopes: ApiKeyScope[] | null;
}

/** Where the browser goes next after Approve or Deny: the app's redirect URI with code/error and state. */
export interface OAuthRedirectView {
  redirect_url: string;
}

/** An app installed in this workspace, as its admins see it. */
export interface OAuthInstallationView {
  id: string;
  app: { id: string; name: string; homepage_url: string | null; workspace_name: string };
  scopes: ApiKeyScope[];
  /** The principal the app acts as: a message it sends has this `sender.id`. */
  api_key_id: string;
  installed_by: { id: string; name: string } | null;
  installed_at: string;
  last_used_at: string | null;
}

/** `POST /oauth/token`'s answer (RFC 6749 §5.1). */
export interface OAuthTokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** `POST /oauth/token`'s refusals (RFC 6749 §5.2): this route's errors are OAuth's, not Parley's. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope';
