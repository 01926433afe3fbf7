import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContactImportView, CsvMapping } from '@parley/contract/contacts';
import type { ContactView, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime } from '../ui/format';
import { navigate } from '../ui/hooks';
import { ContactDetail } from './ContactDetail';
import { ImportProgress } from './ImportProgress';
import { SyncPhone } from './SyncPhone';
import { downloadExport, uploadWithProgress } from './upload';

type Panel = 'none' | 'add' | 'sync' | 'import';

/** The workspace's customer book: search and filters, adding, phone sync, CSV import/export, and one contact's detail. */
export function ContactsPage({ contactId }: { contactId: string | null }) {
  const { t } = useTranslation();
  const [contacts, setContacts] = useState<ContactView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [channelType, setChannelType] = useState('');
  const [hasPhone, setHasPhone] = useState('');
  const [panel, setPanel] = useState<Panel>('none');
  const [error, setError] = useState<string | null>(null);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  const query = (cursor?: string) => {
    const params = new URLSearchParams({ limit: '50' });
    if (q.trim()) params.set('q', q.trim());
    if (channelType) params.set('channel_type', channelType);
    if (hasPhone) params.set('has_phone', hasPhone);
    if (cursor) params.set('cursor', cursor);
    return `/contacts?${params}`;
  };
  const load = () =>
    api<Page<ContactView>>(query()).then((page) => {
      setContacts(page.data);
      setNext(page.next_cursor);
    }, fail);
  const more = () =>
    next &&
    api<Page<ContactView>>(query(next)).then((page) => {
      setContacts((shown) => [...shown, ...page.data]);
      setNext(page.next_cursor);
    }, fail);
  useEffect(() => {
    const timer = setTimeout(() => void load(), 250);
    return () => clearTimeout(timer);
  }, [q, channelType, hasPhone]);

  const open = (id: string) => navigate(`/contacts/${id}`);

  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? '').trim() || undefined;
    setError(null);
    api<ContactView>('/contacts', {
      method: 'POST',
      body: { name: text('name'), phone: text('phone'), email: text('email') },
    }).then((created) => {
      form.reset();
      setPanel('none');
      void load();
      open(created.id);
    }, fail);
  };

  const importCsv = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const file = data.get('file');
    if (!(file instanceof File) || !file.size) return setError(t('contacts.chooseFile'));
    const mapping: CsvMapping = {};
    for (const field of ['name', 'phone', 'email'] as const) {
      const column = String(data.get(`map-${field}`) ?? '').trim();
      if (column) mapping[field] = column;
    }
    const form = new FormData();
    form.append('file', file, file.name);
    if (Object.keys(mapping).length) form.append('mapping', JSON.stringify(mapping));
    setError(null);
    setImportId(null);
    setUploaded(0);
    uploadWithProgress<ContactImportView>('/contacts/import', form, setUploaded).then(
      (started) => setImportId(started.id),
      (e) => {
        setUploaded(null);
        fail(e);
      },
    );
  };

  return (
    <main className="page contacts-page" data-testid="contacts-page">
      <div className="row">
        <h1>{t('contacts.title')}</h1>
        <button
          type="button"
          data-testid="add-contact"
          onClick={() => setPanel(panel === 'add' ? 'none' : 'add')}
        >
          {t('contacts.add')}
        </button>
        <button
          type="button"
          data-testid="sync-phone-button"
          onClick={() => setPanel(panel === 'sync' ? 'none' : 'sync')}
        >
          {t('contacts.syncPhone')}
        </button>
        <button
          type="button"
          data-testid="import-csv"
          onClick={() => setPanel(panel === 'import' ? 'none' : 'import')}
        >
          {t('contacts.importCsv')}
        </button>
        <button type="button" data-testid="export-csv" onClick={() => void downloadExport().catch(fail)}>
          {t('contacts.exportCsv')}
        </button>
      </div>
      <ErrorLine error={error} testId="contacts-error" />
      {panel === 'add' && (
        <form className="card stack" onSubmit={add} data-testid="add-form">
          <label>
            {t('contacts.name')}
            <input name="name" dir="auto" maxLength={200} />
          </label>
          <label>
            {t('contacts.phone')}
            <input name="phone" dir="ltr" maxLength={40} />
          </label>
          <label>
            {t('contacts.email')}
            <input name="email" type="email" dir="ltr" maxLength={254} />
          </label>
          <button type="submit">{t('contacts.save')}</button>
        </form>
      )}
      {panel === 'sync' && <SyncPhone onChanged={() => void load()} onOpen={open} />}
      {panel === 'import' && (
        <form className="card stack" onSubmit={importCsv} data-testid="import-form">
          <label>
            {t('contacts.csvFile')}
            <input name="file" type="file" accept=".csv,text/csv,.vcf,text/vcard" data-testid="csv-file" />
          </label>
          <p>{t('contacts.mappingHelp')}</p>
          {(['name', 'phone', 'email'] as const).map((field) => (
            <label key={field}>
              {t(`contacts.${field}`)}
              <input name={`map-${field}`} dir="auto" maxLength={200} data-testid={`map-${field}`} />
            </label>
          ))}
          <button type="submit" data-testid="start-import">
            {t('contacts.startImport')}
          </button>
          {(uploaded !== null || importId) && (
            <ImportProgress uploaded={uploaded} importId={importId} onDone={() => void load()} />
          )}
        </form>
      )}
      <div className="row">
        <input
          type="search"
          dir="auto"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder={t('contacts.search')}
          aria-label={t('contacts.search')}
          data-testid="contact-search"
        />
        <select
          value={channelType}
          onChange={(e) => setChannelType(e.target.value)}
          aria-label={t('contacts.channelFilter')}
        >
          <option value="">{t('contacts.anyChannel')}</option>
          {['telegram', 'instagram', 'divar', 'web'].map((type) => (
            <option key={type} value={type}>
              {t(`contacts.channelType.${type}`)}
            </option>
          ))}
        </select>
        <select
          value={hasPhone}
          onChange={(e) => setHasPhone(e.target.value)}
          aria-label={t('contacts.phoneFilter')}
        >
          <option value="">{t('contacts.anyPhone')}</option>
          <option value="true">{t('contacts.withPhone')}</option>
          <option value="false">{t('contacts.withoutPhone')}</option>
        </select>
      </div>
      <div className="contacts-layout">
        <div>
          <DataTable
            testId="contacts-table"
            rows={contacts}
            rowKey={(c) => c.id}
            rowTestId="contact-row"
            rowData={(c) => ({ 'data-selected': c.id === contactId })}
            empty={t('contacts.empty')}
            columns={[
              {
                key: 'name',
                header: t('contacts.name'),
                dir: 'auto',
                cell: (c) => (
                  <a href={`#/contacts/${c.id}`} dir="auto">
                    {c.name ?? c.username ?? t('contacts.unnamed')}
                  </a>
                ),
              },
              { key: 'phone', header: t('contacts.phone'), dir: 'ltr', cell: (c) => c.phone ?? '' },
              { key: 'email', header: t('contacts.email'), dir: 'ltr', cell: (c) => c.email ?? '' },
              { key: 'created', header: t('contacts.created'), cell: (c) => dateTime(c.created_at) },
            ]}
          />
          {next && (
            <button type="button" onClick={() => void more()}>
              {t('contacts.more')}
            </button>
          )}
        </div>
        {contactId && (
          <ContactDetail id={contactId} onChanged={() => void load()} onClose={() => navigate('/contacts')} />
        )}
      </div>
    </main>
  );
}
