import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { API_KEY_SCOPE_DESCRIPTIONS, API_KEY_SCOPES } from '@parley/contract/api-keys';
import type { OAuthAppCreatedView, OAuthAppView, OAuthInstallationView } from '@parley/contract/oauth-apps';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import type { Language } from '../i18n';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime } from '../ui/format';
import { AppActivityPanel } from './AppActivityPanel';

/**
 * OAuth apps, both sides: the apps installed in this workspace (their activity, uninstall), and the apps this
 * workspace develops for any workspace to install (register, the client secret shown once, rotate).
 */
export function AppsPage() {
  const { t, i18n } = useTranslation();
  const language = (['en', 'fa', 'ar'].includes(i18n.language) ? i18n.language : 'en') as Language;
  const [installed, setInstalled] = useState<OAuthInstallationView[]>([]);
  const [apps, setApps] = useState<OAuthAppView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<OAuthAppCreatedView | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [watching, setWatching] = useState<string | null>(null);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));
  const reload = () => {
    void api<OAuthInstallationView[]>('/oauth-installations').then(setInstalled, fail);
    void api<OAuthAppView[]>('/oauth-apps').then(setApps, fail);
  };
  useEffect(reload, []);

  const act = (promise: Promise<unknown>) => {
    setError(null);
    setConfirming(null);
    promise.then(reload, fail);
  };

  const register = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const body = {
      name: value('name'),
      redirect_uris: value('redirect_uris').split(/\s+/).filter(Boolean),
      homepage_url: value('homepage_url') || undefined,
      description: value('description') || undefined,
      scopes: API_KEY_SCOPES.filter(
        (scope) => (form.elements.namedItem(`app-${scope}`) as HTMLInputElement | null)?.checked,
      ),
    };
    setError(null);
    api<OAuthAppCreatedView>('/oauth-apps', { method: 'POST', body }).then((answer) => {
      setSecret(answer);
      form.reset();
      reload();
    }, fail);
  };

  const rotate = (app: OAuthAppView) => {
    setError(null);
    api<OAuthAppCreatedView>(`/oauth-apps/${app.id}/rotate-secret`, { method: 'POST' }).then(setSecret, fail);
  };

  const confirm = (id: string, question: string, yes: string, onYes: () => void) =>
    confirming === id ? (
      <span role="alert">
        {question}{' '}
        <button type="button" onClick={onYes}>
          {yes}
        </button>{' '}
        <button type="button" onClick={() => setConfirming(null)}>
          {t('apps.cancel')}
        </button>
      </span>
    ) : null;

  return (
    <main className="page">
      <h1>{t('apps.title')}</h1>
      <ErrorLine error={error} />

      <section aria-labelledby="installed-apps">
        <h2 id="installed-apps">{t('apps.installedTitle')}</h2>
        <p className="muted">{t('apps.installedHint')}</p>
        <DataTable
          rows={installed}
          rowKey={(item) => item.id}
          rowTestId="installed-app-row"
          rowData={(item) => ({ 'data-selected': watching === item.api_key_id || undefined })}
          empty={t('apps.noneInstalled')}
          columns={[
            {
              key: 'app',
              header: t('apps.app'),
              cell: (item) => (
                <>
                  <span dir="auto">{item.app.name}</span>
                  <br />
                  <small className="muted">
                    {t('apps.by')} <span dir="auto">{item.app.workspace_name}</span>
                  </small>
                </>
              ),
            },
            { key: 'scopes', header: t('apps.scopes'), dir: 'ltr', cell: (item) => item.scopes.join(', ') },
            {
              key: 'by',
              header: t('apps.installedBy'),
              cell: (item) => (
                <>
                  <span dir="auto">{item.installed_by?.name ?? '—'}</span>
                  <br />
                  <small className="muted">{dateTime(item.installed_at)}</small>
                </>
              ),
            },
            {
              key: 'used',
              header: t('apps.lastUsed'),
              cell: (item) => (item.last_used_at ? dateTime(item.last_used_at) : t('apps.never')),
            },
            {
              key: 'actions',
              header: t('apps.actions'),
              cell: (item) =>
                confirm(
                  item.id,
                  t('apps.confirmUninstall', { name: item.app.name }),
                  t('apps.uninstallNow'),
                  () => act(api(`/oauth-installations/${item.id}`, { method: 'DELETE' })),
                ) ?? (
                  <span className="row-actions">
                    <button
                      type="button"
                      onClick={() => setWatching(item.api_key_id)}
                      data-testid="app-activity-open"
                    >
                      {t('activity.open')}
                    </button>
                    <button type="button" onClick={() => setConfirming(item.id)}>
                      {t('apps.uninstall')}
                    </button>
                  </span>
                ),
            },
          ]}
        />
        {watching && installed.some((item) => item.api_key_id === watching) && (
          <AppActivityPanel key={watching} apiKeyId={watching} onClose={() => setWatching(null)} />
        )}
      </section>

      <section aria-labelledby="your-apps">
        <h2 id="your-apps">{t('apps.yoursTitle')}</h2>
        <p className="muted">{t('apps.yoursHint')}</p>
        {secret && (
          <div className="card" role="status" data-testid="new-app-secret">
            <p className="notice">{t('apps.shownOnce', { name: secret.name })}</p>
            <p>
              client_id: <code dir="ltr">{secret.client_id}</code>
            </p>
            <p>
              client_secret:{' '}
              <code dir="ltr" data-testid="new-app-secret-value">
                {secret.client_secret}
              </code>
            </p>
            <button type="button" className="primary" onClick={() => setSecret(null)}>
              {t('apps.done')}
            </button>
          </div>
        )}
        <form className="card" onSubmit={register} aria-label={t('apps.registerTitle')}>
          <h3>{t('apps.registerTitle')}</h3>
          <label className="field">
            <span>{t('apps.name')}</span>
            <input name="name" required maxLength={80} dir="auto" />
          </label>
          <label className="field">
            <span>{t('apps.redirectUris')}</span>
            <textarea
              name="redirect_uris"
              required
              rows={2}
              dir="ltr"
              placeholder="https://example.com/callback"
            />
          </label>
          <label className="field">
            <span>{t('apps.homepage')}</span>
            <input name="homepage_url" type="url" dir="ltr" />
          </label>
          <label className="field">
            <span>{t('apps.description')}</span>
            <input name="description" maxLength={500} dir="auto" />
          </label>
          <fieldset>
            <legend>{t('apps.scopes')}</legend>
            {API_KEY_SCOPES.map((scope) => (
              <label key={scope} className="scope-choice">
                <input type="checkbox" name={`app-${scope}`} data-testid={`app-scope-${scope}`} />{' '}
                <code dir="ltr">{scope}</code> — {API_KEY_SCOPE_DESCRIPTIONS[scope][language]}
              </label>
            ))}
          </fieldset>
          <button className="primary" type="submit">
            {t('apps.register')}
          </button>
        </form>
        <DataTable
          rows={apps}
          rowKey={(app) => app.id}
          rowTestId="your-app-row"
          empty={t('apps.noneYours')}
          columns={[
            { key: 'app', header: t('apps.app'), dir: 'auto', cell: (app) => app.name },
            { key: 'client', header: 'client_id', dir: 'ltr', cell: (app) => <code>{app.client_id}</code> },
            {
              key: 'redirects',
              header: t('apps.redirectUris'),
              dir: 'ltr',
              cell: (app) => app.redirect_uris.join(' '),
            },
            { key: 'scopes', header: t('apps.scopes'), dir: 'ltr', cell: (app) => app.scopes.join(', ') },
            { key: 'installations', header: t('apps.installations'), cell: (app) => app.installations },
            {
              key: 'actions',
              header: t('apps.actions'),
              cell: (app) =>
                confirm(app.id, t('apps.confirmDelete', { name: app.name }), t('apps.deleteNow'), () =>
                  act(api(`/oauth-apps/${app.id}`, { method: 'DELETE' })),
                ) ?? (
                  <span className="row-actions">
                    <button type="button" onClick={() => rotate(app)}>
                      {t('apps.rotate')}
                    </button>
                    <button type="button" onClick={() => setConfirming(app.id)}>
                      {t('apps.delete')}
                    </button>
                  </span>
                ),
            },
          ]}
        />
      </section>
    </main>
  );
}
