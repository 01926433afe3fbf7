import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { CANNED_VARIABLES, type CannedResponseView } from '@parley/contract/canned-responses';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { useLive } from '../ui/live';

/** Every agent keeps their own canned replies here; admins also the workspace's. */
export function CannedResponsesPage() {
  const { t } = useTranslation();
  const me = useLive().session.agent;
  const isAdmin = me.role === 'admin';
  const [replies, setReplies] = useState<CannedResponseView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));
  const reload = () => api<CannedResponseView[]>('/canned-responses').then(setReplies, fail);
  useEffect(() => {
    void reload();
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value;
    setError(null);
    api('/canned-responses', {
      method: 'POST',
      body: { shortcut: value('shortcut'), content: value('content'), scope: value('scope') ?? 'personal' },
    }).then(() => {
      form.reset();
      void reload();
    }, fail);
  };
  const remove = (reply: CannedResponseView) =>
    api(`/canned-responses/${reply.id}`, { method: 'DELETE' }).then(() => void reload(), fail);
  const writable = (reply: CannedResponseView) => (reply.owner_id ? reply.owner_id === me.id : isAdmin);

  return (
    <main className="page">
      <h1>{t('essentials.canned.title')}</h1>
      <p className="muted">
        {t('essentials.canned.intro', { vars: CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ') })}
      </p>
      <ErrorLine error={error} />
      <form className="card" onSubmit={submit} aria-label={t('essentials.canned.add')}>
        <label className="field">
          <span>{t('essentials.canned.shortcut')}</span>
          <input
            name="shortcut"
            required
            maxLength={64}
            pattern="[\p{L}\p{N}_\-]+"
            dir="auto"
            data-testid="canned-shortcut"
          />
        </label>
        <label className="field">
          <span>{t('essentials.canned.content')}</span>
          <textarea
            name="content"
            required
            maxLength={4096}
            rows={3}
            dir="auto"
            data-testid="canned-content"
          />
        </label>
        {isAdmin && (
          <label className="field">
            <span>{t('essentials.canned.scope')}</span>
            <select name="scope" defaultValue="workspace" data-testid="canned-scope">
              <option value="workspace">{t('essentials.canned.scope_workspace')}</option>
              <option value="personal">{t('essentials.canned.scope_personal')}</option>
            </select>
          </label>
        )}
        <button className="primary" type="submit" data-testid="canned-add">
          {t('essentials.canned.add')}
        </button>
      </form>
      <DataTable
        rows={replies}
        rowKey={(reply) => reply.id}
        rowTestId="canned-row"
        empty={t('essentials.canned.empty')}
        columns={[
          {
            key: 'shortcut',
            header: t('essentials.canned.shortcut'),
            dir: 'auto',
            cell: (r) => `/${r.shortcut}`,
          },
          { key: 'content', header: t('essentials.canned.content'), dir: 'auto', cell: (r) => r.content },
          {
            key: 'scope',
            header: t('essentials.canned.scope'),
            cell: (r) => t(`essentials.canned.scope_${r.scope}`),
          },
          {
            key: 'actions',
            header: '',
            cell: (reply) =>
              writable(reply) && (
                <button type="button" onClick={() => void remove(reply)}>
                  {t('essentials.canned.delete')}
                </button>
              ),
          },
        ]}
      />
    </main>
  );
}
