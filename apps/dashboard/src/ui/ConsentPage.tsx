import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { API_KEY_SCOPE_DESCRIPTIONS } from '@parley/contract/api-keys';
import type { OAuthConsentView, OAuthRedirectView } from '@parley/contract/oauth-apps';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import type { Language } from '../i18n';
import { ErrorLine } from './ErrorLine';

/** The authorize request's parameters the api accepts back, nothing else from the URL. */
const PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
] as const;

/**
 * Where `/oauth/authorize` sends the browser: the app, who registered it and each scope it asks for
 * in the agent's language; an admin approves or denies, and the browser goes back to the app.
 */
export function ConsentPage({ query }: { query: string }) {
  const { t, i18n } = useTranslation();
  const language = (['en', 'fa', 'ar'].includes(i18n.language) ? i18n.language : 'en') as Language;
  const [consent, setConsent] = useState<OAuthConsentView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const given = new URLSearchParams(query);
  const request = Object.fromEntries(
    PARAMS.filter((key) => given.has(key)).map((key) => [key, given.get(key) ?? '']),
  );
  const search = new URLSearchParams(request).toString();

  const fail = (e: unknown) => {
    setBusy(false);
    setError(e instanceof ApiError ? e.message : t('common.error'));
  };
  useEffect(() => {
    api<OAuthConsentView>(`/oauth/consent?${search}`).then(setConsent, fail);
  }, [search, language]);

  const decide = (path: string) => {
    setBusy(true);
    setError(null);
    api<OAuthRedirectView>(path, { method: 'POST', body: request }).then(
      (answer) => window.location.assign(answer.redirect_url),
      fail,
    );
  };

  return (
    <main className="page consent">
      <h1>{t('consent.title')}</h1>
      <ErrorLine error={error} testId="consent-error" />
      {consent && (
        <div className="card" data-testid="consent">
          <h2 dir="auto" data-testid="consent-app">
            {consent.app.name}
          </h2>
          <p className="muted">
            {t('consent.by')} <span dir="auto">{consent.app.workspace_name}</span>
            {consent.app.homepage_url && (
              <>
                {' · '}
                <a href={consent.app.homepage_url} target="_blank" rel="noopener noreferrer" dir="ltr">
                  {consent.app.homepage_url}
                </a>
              </>
            )}
          </p>
          {consent.app.description && <p dir="auto">{consent.app.description}</p>}
          <p>{t('consent.asks')}</p>
          <ul data-testid="consent-scopes">
            {consent.scopes.map((scope) => (
              <li key={scope} data-testid={`consent-scope-${scope}`}>
                {API_KEY_SCOPE_DESCRIPTIONS[scope][language]} <code dir="ltr">{scope}</code>
              </li>
            ))}
          </ul>
          {consent.installed_scopes && (
            <p className="muted">{t('consent.installed', { scopes: consent.installed_scopes.join(', ') })}</p>
          )}
          <p className="muted">
            {t('consent.redirect')} <code dir="ltr">{new URL(consent.redirect_uri).host}</code>
          </p>
          {consent.can_install ? (
            <div className="row-actions">
              <button
                type="button"
                className="primary"
                disabled={busy}
                onClick={() => decide('/oauth/authorizations')}
              >
                {t('consent.approve')}
              </button>
              <button type="button" disabled={busy} onClick={() => decide('/oauth/authorizations/deny')}>
                {t('consent.deny')}
              </button>
            </div>
          ) : (
            <>
              <p role="alert" data-testid="consent-admins-only">
                {t('consent.adminsOnly')}
              </p>
              <button type="button" disabled={busy} onClick={() => decide('/oauth/authorizations/deny')}>
                {t('consent.back')}
              </button>
            </>
          )}
        </div>
      )}
    </main>
  );
}
