import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CANNED_ATTACHMENTS_MAX,
  CANNED_VARIABLES,
  type CannedResponseView,
} from '@parley/contract/canned-responses';
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

  /** Files go one by one, checked by the api as a reply's uploads are; the first refusal stops the rest. */
  const attach = async (replyId: string, files: File[]) => {
    for (const file of files) {
      const form = new FormData();
      form.append('file', file, file.name);
      await api(`/canned-responses/${replyId}/attachments`, { method: 'POST', form });
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value;
    const files = [...((form.elements.namedItem('files') as HTMLInputElement | null)?.files ?? [])];
    setError(null);
    api<CannedResponseView>('/canned-responses', {
      method: 'POST',
      body: { shortcut: value('shortcut'), content: value('content'), scope: value('scope') ?? 'personal' },
    })
      .then(async (created) => {
        form.reset();
        await attach(created.id, files);
      })
      .catch(fail)
      .finally(() => void reload());
  };
  const remove = (reply: CannedResponseView) =>
    api(`/canned-responses/${reply.id}`, { method: 'DELETE' }).then(() => void reload(), fail);
  const addFiles = (reply: CannedResponseView, input: HTMLInputElement) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    setError(null);
    attach(reply.id, files)
      .catch(fail)
      .finally(() => void reload());
  };
  const removeFile = (reply: CannedResponseView, fileId: string) =>
    api(`/canned-responses/${reply.id}/attachments/${fileId}`, { method: 'DELETE' }).then(
      () => void reload(),
      fail,
    );
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
        <label className="field">
          <span>{t('essentials.canned.attach')}</span>
          <input name="files" type="file" multiple data-testid="canned-files" />
          <small className="muted">{t('essentials.canned.attachHint')}</small>
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
            key: 'files',
            header: t('essentials.canned.files'),
            cell: (reply) => (
              <span className="canned-files">
                {reply.attachments.map((file) => (
                  <span key={file.id} className="label-chip" data-testid="canned-file" dir="auto">
                    {file.file_name}
                    {writable(reply) && (
                      <button
                        type="button"
                        className="icon"
                        aria-label={t('essentials.canned.removeFile', { name: file.file_name })}
                        onClick={() => void removeFile(reply, file.id)}
                      >
                        ×
                      </button>
                    )}
                  </span>
                ))}
                {writable(reply) && reply.attachments.length < CANNED_ATTACHMENTS_MAX && (
                  <input
                    type="file"
                    multiple
                    aria-label={t('essentials.canned.attach')}
                    data-testid="canned-row-files"
                    onChange={(event) => addFiles(reply, event.currentTarget)}
                  />
                )}
              </span>
            ),
          },
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
