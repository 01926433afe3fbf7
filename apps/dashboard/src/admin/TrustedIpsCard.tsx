import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TrustedIpsView } from '@parley/contract/security';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ErrorLine } from '../ui/ErrorLine';

/**
 * The workspace's office addresses: sign-ins to this workspace from them are never blacklisted,
 * whoever else behind the same address guesses at other workspaces.
 */
export function TrustedIpsCard() {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  useEffect(() => {
    api<TrustedIpsView>('/admin/security/trusted-ips').then(({ ips }) => setDraft(ips.join('\n')), fail);
  }, []);

  const save = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const ips = draft
      .split(/[\s,]+/)
      .map((entry) => entry.trim())
      .filter(Boolean);
    api<TrustedIpsView>('/admin/security/trusted-ips', { method: 'PUT', body: { ips } }).then((answer) => {
      setDraft(answer.ips.join('\n'));
      setSaved(true);
    }, fail);
  };

  return (
    <form className="card" onSubmit={save} data-testid="trusted-ips">
      <h2>{t('trusted.title')}</h2>
      <p className="muted">{t('trusted.hint')}</p>
      <label>
        <span>{t('trusted.label')}</span>
        <textarea
          dir="ltr"
          rows={3}
          value={draft}
          placeholder="203.0.113.10&#10;198.51.100.0/24"
          onChange={(event) => setDraft(event.target.value)}
        />
      </label>
      <ErrorLine error={error} />
      {saved && <p role="status">{t('trusted.saved')}</p>}
      <button type="submit">{t('trusted.save')}</button>
    </form>
  );
}
