import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  API_KEY_SCOPE_DESCRIPTIONS,
  API_KEY_SCOPES,
  type ApiKeyCreatedView,
  type ApiKeyView,
} from '@parley/contract/api-keys';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import type { Language } from '../i18n';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime } from '../ui/format';
import { AppActivityPanel } from './AppActivityPanel';

/**
 * Admins create API keys with chosen scopes (the key shown once), see when each was last used and
 * what it did (its activity), and revoke them.
 */
export function ApiKeysPage() {
  const { t, i18n } = useTranslation();
  const language = (['en', 'fa', 'ar'].includes(i18n.language) ? i18n.language : 'en') as Language;
  const [keys, setKeys] = useState<ApiKeyView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiKeyCreatedView | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [watching, setWatching] = useState<string | null>(null);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));
  const reload = () => api<ApiKeyView[]>('/api-keys').then(setKeys, fail);
  useEffect(() => {
    void reload();
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const name = (form.elements.namedItem('name') as HTMLInputElement).value;
    const scopes = API_KEY_SCOPES.filter(
      (scope) => (form.elements.namedItem(scope) as HTMLInputElement | null)?.checked,
    );
    setError(null);
    api<ApiKeyCreatedView>('/api-keys', { method: 'POST', body: { name, scopes } }).then((answer) => {
      setCreated(answer);
      setCopied(false);
      form.reset();
      void reload();
    }, fail);
  };

  const copy = () => {
    if (!created) return;
    void navigator.clipboard.writeText(created.key).then(() => setCopied(true), fail);
  };

  const revoke = (key: ApiKeyView) => {
    setError(null);
    setConfirming(null);
    api(`/api-keys/${key.id}`, { method: 'DELETE' }).then(() => void reload(), fail);
  };

  return (
    <main className="page">
      <h1>{t('apiKeys.title')}</h1>
      <p className="muted">{t('apiKeys.hint')}</p>
      <ErrorLine error={error} />
      {created && (
        <div className="card" role="status" data-testid="new-key">
          <p className="notice">{t('apiKeys.shownOnce')}</p>
          <p>
            <code dir="ltr" data-testid="new-key-value">
              {created.key}
            </code>
          </p>
          <button type="button" onClick={copy}>
            {copied ? t('apiKeys.copied') : t('apiKeys.copy')}
          </button>{' '}
          <button type="button" className="primary" onClick={() => setCreated(null)}>
            {t('apiKeys.done')}
          </button>
        </div>
      )}
      <form className="card" onSubmit={submit} aria-label={t('apiKeys.createTitle')}>
        <h2>{t('apiKeys.createTitle')}</h2>
        <label className="field">
          <span>{t('apiKeys.name')}</span>
          <input name="name" required maxLength={80} dir="auto" />
        </label>
        <fieldset>
          <legend>{t('apiKeys.scopes')}</legend>
          {API_KEY_SCOPES.map((scope) => (
            <label key={scope} className="scope-choice">
              <input type="checkbox" name={scope} data-testid={`scope-${scope}`} />{' '}
              <code dir="ltr">{scope}</code> — {API_KEY_SCOPE_DESCRIPTIONS[scope][language]}
            </label>
          ))}
        </fieldset>
        <button className="primary" type="submit">
          {t('apiKeys.create')}
        </button>
      </form>
      <DataTable
        rows={keys}
        rowKey={(key) => key.id}
        rowTestId="api-key-row"
        rowData={(key) => ({
          'data-revoked': key.revoked_at ? 'true' : 'false',
          'data-selected': watching === key.id || undefined,
        })}
        empty={t('apiKeys.none')}
        columns={[
          { key: 'name', header: t('apiKeys.name'), dir: 'auto', cell: (key) => key.name },
          { key: 'scopes', header: t('apiKeys.scopes'), dir: 'ltr', cell: (key) => key.scopes.join(', ') },
          {
            key: 'by',
            header: t('apiKeys.createdBy'),
            dir: 'auto',
            cell: (key) => key.created_by?.name ?? '—',
          },
          {
            key: 'used',
            header: t('apiKeys.lastUsed'),
            cell: (key) => (key.last_used_at ? dateTime(key.last_used_at) : t('apiKeys.never')),
          },
          {
            key: 'status',
            header: t('apiKeys.status'),
            cell: (key) => (key.revoked_at ? t('apiKeys.revoked') : t('apiKeys.active')),
          },
          {
            key: 'actions',
            header: t('apiKeys.actions'),
            cell: (key) =>
              confirming === key.id ? (
                <span role="alert">
                  {t('apiKeys.confirmRevoke', { name: key.name })}{' '}
                  <button type="button" onClick={() => revoke(key)}>
                    {t('apiKeys.confirm')}
                  </button>{' '}
                  <button type="button" onClick={() => setConfirming(null)}>
                    {t('apiKeys.cancel')}
                  </button>
                </span>
              ) : (
                <span className="row-actions">
                  <button type="button" onClick={() => setWatching(key.id)} data-testid="app-activity-open">
                    {t('activity.open')}
                  </button>
                  {!key.revoked_at && (
                    <button type="button" onClick={() => setConfirming(key.id)}>
                      {t('apiKeys.revoke')}
                    </button>
                  )}
                </span>
              ),
          },
        ]}
      />
      {watching && <AppActivityPanel key={watching} apiKeyId={watching} onClose={() => setWatching(null)} />}
    </main>
  );
}
