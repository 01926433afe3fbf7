import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { LabelView } from '@parley/contract/labels';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { LabelChips } from '../inbox/Labels';

/** Admins add coloured labels (name unique ignoring case), rename, recolour and delete them; every open inbox follows. */
export function LabelsPage() {
  const { t } = useTranslation();
  const [labels, setLabels] = useState<LabelView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));
  const reload = () => api<LabelView[]>('/labels').then(setLabels, fail);
  useEffect(() => {
    void reload();
  }, []);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    setError(null);
    api('/labels', {
      method: 'POST',
      body: { name: value('name'), color: value('color'), description: value('description') || null },
    }).then(() => {
      form.reset();
      void reload();
    }, fail);
  };
  const rename = (label: LabelView, event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = (event.currentTarget.elements.namedItem('name') as HTMLInputElement).value.trim();
    if (!name || name === label.name) return;
    setError(null);
    api(`/labels/${label.id}`, { method: 'PATCH', body: { name } }).then(() => void reload(), fail);
  };
  const recolour = (label: LabelView, color: string) =>
    api(`/labels/${label.id}`, { method: 'PATCH', body: { color } }).then(() => void reload(), fail);
  const remove = (label: LabelView) =>
    api(`/labels/${label.id}`, { method: 'DELETE' }).then(() => void reload(), fail);

  return (
    <main className="page">
      <h1>{t('essentials.labels.title')}</h1>
      <p className="muted">{t('essentials.labels.intro')}</p>
      <ErrorLine error={error} />
      <form className="card" onSubmit={submit} aria-label={t('essentials.labels.add')}>
        <label className="field">
          <span>{t('essentials.labels.name')}</span>
          <input name="name" required maxLength={64} dir="auto" data-testid="label-name" />
        </label>
        <label className="field">
          <span>{t('essentials.labels.color')}</span>
          <input name="color" type="color" defaultValue="#3b5bdb" data-testid="label-color" />
        </label>
        <label className="field">
          <span>{t('essentials.labels.description')}</span>
          <input name="description" maxLength={280} dir="auto" />
        </label>
        <button className="primary" type="submit" data-testid="label-add">
          {t('essentials.labels.add')}
        </button>
      </form>
      <DataTable
        rows={labels}
        rowKey={(label) => label.id}
        rowTestId="label-row"
        empty={t('essentials.labels.empty')}
        columns={[
          {
            key: 'name',
            header: t('essentials.labels.name'),
            cell: (label) => <LabelChips labels={[label]} />,
          },
          {
            key: 'rename',
            header: t('essentials.labels.rename'),
            cell: (label) => (
              // Keyed by name: a rename from elsewhere resets the field to the new name.
              <form key={label.name} className="inline" onSubmit={(event) => rename(label, event)}>
                <input
                  name="name"
                  required
                  maxLength={64}
                  dir="auto"
                  defaultValue={label.name}
                  aria-label={t('essentials.labels.newName', { name: label.name })}
                  data-testid="label-rename"
                />
                <button type="submit" data-testid="label-rename-save">
                  {t('essentials.labels.rename')}
                </button>
              </form>
            ),
          },
          {
            key: 'color',
            header: t('essentials.labels.color'),
            cell: (label) => (
              <input
                type="color"
                value={label.color}
                aria-label={t('essentials.labels.color')}
                onChange={(event) => void recolour(label, event.target.value)}
              />
            ),
          },
          {
            key: 'description',
            header: t('essentials.labels.description'),
            dir: 'auto',
            cell: (l) => l.description ?? '',
          },
          {
            key: 'actions',
            header: '',
            cell: (label) => (
              <button type="button" onClick={() => void remove(label)}>
                {t('essentials.labels.delete')}
              </button>
            ),
          },
        ]}
      />
    </main>
  );
}
