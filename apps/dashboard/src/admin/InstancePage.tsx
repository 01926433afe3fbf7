import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InstanceSecuritySummary } from '@parley/contract/security';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { number } from '../ui/format';
import { ErrorLine } from '../ui/ErrorLine';
import { BlockedIpTable } from './BlockedIpTable';

const REFRESH_MS = 5000;

/**
 * The instance operator's page: attacks on the whole instance (guesses at accounts that do not
 * exist included) and every blocked address, which only the operator may lift when it protects
 * more than one workspace.
 */
export function InstancePage() {
  const { t } = useTranslation();
  const [summary, setSummary] = useState<InstanceSecuritySummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error')),
    [t],
  );
  const load = useCallback(() => {
    api<InstanceSecuritySummary>('/operator/security/summary?hours=24').then(setSummary, fail);
  }, [fail]);
  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const unblock = (ip: string) =>
    api(`/operator/security/blacklist/${encodeURIComponent(ip)}`, { method: 'DELETE' }).then(load, fail);

  return (
    <main className="page security" data-testid="instance-page">
      <div className="page-head">
        <h1>{t('instance.title')}</h1>
      </div>
      <p className="muted">{t('instance.hint')}</p>
      <ErrorLine error={error} />
      {summary && (
        <>
          <section className="cards">
            {(
              [
                ['failedLogins', summary.failed_authentications],
                ['unattributed', summary.unattributed_failed_authentications],
                ['blacklisted', summary.blacklisted_now.length],
              ] as const
            ).map(([key, value]) => (
              <div key={key} className="card stat" data-testid={`instance-${key}`}>
                <span className="stat-value" data-value={value}>
                  {number(value)}
                </span>
                <span className="stat-label">{t(`instance.${key}`)}</span>
              </div>
            ))}
          </section>
          <section className="card">
            <h2>{t('security.blacklist')}</h2>
            <BlockedIpTable
              rows={summary.blacklisted_now}
              testId="instance-blacklist"
              extra={[
                { title: t('instance.workspaces'), cell: (row) => number(row.workspace_ids.length) },
                { title: t('instance.unattributed'), cell: (row) => number(row.unattributed_failures) },
              ]}
              action={(row) => (
                <button type="button" onClick={() => void unblock(row.ip)}>
                  {t('security.unblock')}
                </button>
              )}
            />
          </section>
        </>
      )}
    </main>
  );
}
