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
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime } from '../ui/format';

/** Admins create API keys with chosen scopes (the key shown once), see when each was last used, and revoke them. */
export function ApiKeysPage() {
  const { t, i18n } = useTranslation();
  const language = (['en', 'fa', 'ar'].includes(i18n.language) ? i18n.language : 'en') as Language;
  const [keys, setKeys] = useState<ApiKeyView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ApiKeyCreatedView | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);

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
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('apiKeys.name')}</th>
              <th scope="col">{t('apiKeys.scopes')}</th>
              <th scope="col">{t('apiKeys.createdBy')}</th>
              <th scope="col">{t('apiKeys.lastUsed')}</th>
              <th scope="col">{t('apiKeys.status')}</th>
              <th scope="col">{t('apiKeys.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {!keys.length && (
              <tr>
                <td colSpan={6}>{t('apiKeys.none')}</td>
              </tr>
            )}
            {keys.map((key) => (
              <tr key={key.id} data-testid="api-key-row" data-revoked={key.revoked_at ? 'true' : 'false'}>
                <td dir="auto">{key.name}</td>
                <td dir="ltr">{key.scopes.join(', ')}</td>
                <td dir="auto">{key.created_by?.name ?? '—'}</td>
                <td>{key.last_used_at ? dateTime(key.last_used_at) : t('apiKeys.never')}</td>
                <td>{key.revoked_at ? t('apiKeys.revoked') : t('apiKeys.active')}</td>
                <td>
                  {!key.revoked_at &&
                    (confirming === key.id ? (
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
                      <button type="button" onClick={() => setConfirming(key.id)}>
                        {t('apiKeys.revoke')}
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}
