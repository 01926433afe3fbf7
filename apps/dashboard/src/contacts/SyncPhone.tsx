import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContactImportView, PhoneMatch, PhoneMatchResponse } from '@parley/contract/contacts';
import { api } from '../api/http';
import { locale } from '../i18n';
import { ApiError } from '../api/session';
import { ErrorLine } from '../ui/ErrorLine';
import { ImportProgress } from './ImportProgress';
import { uploadWithProgress } from './upload';

/** The Contact Picker API (Chrome on Android, over HTTPS); absent elsewhere. */
interface PickedContact {
  name?: string[];
  tel?: string[];
  email?: string[];
}
interface ContactsManager {
  select(properties: string[], options: { multiple: boolean }): Promise<PickedContact[]>;
}
const contactPicker = () => (navigator as Navigator & { contacts?: ContactsManager }).contacts;

interface Entry {
  name: string | null;
  email: string | null;
  match: PhoneMatch;
}

/**
 * "Sync phone": the phone's address book through the Contact Picker where the browser has it, a
 * vCard file everywhere else, typed numbers as the last resort. Picked and typed numbers are
 * matched (nothing is stored until an agent adds someone); each shows whether the person is known
 * and on which channels; new ones can be added at once, and known ones without a channel invited.
 */
export function SyncPhone({ onChanged, onOpen }: { onChanged: () => void; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const [adding, setAdding] = useState(false);
  const picker = contactPicker();
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  const match = async (people: { name: string | null; email: string | null; tel: string }[]) => {
    setError(null);
    if (!people.length) return;
    try {
      const answer = await api<PhoneMatchResponse>('/contacts/match', {
        method: 'POST',
        body: { phones: people.map((p) => p.tel) },
      });
      setEntries(answer.data.map((m, i) => ({ name: people[i].name, email: people[i].email, match: m })));
    } catch (e) {
      fail(e);
    }
  };

  const pick = async () => {
    if (!picker) return;
    try {
      const picked = await picker.select(['name', 'tel', 'email'], { multiple: true });
      await match(
        picked.flatMap((c) =>
          (c.tel ?? []).map((tel) => ({ name: c.name?.[0] ?? null, email: c.email?.[0] ?? null, tel })),
        ),
      );
    } catch (e) {
      fail(e);
    }
  };

  const uploadVCard = (file: File) => {
    setError(null);
    setImportId(null);
    setUploaded(0);
    const form = new FormData();
    form.append('file', file, file.name);
    uploadWithProgress<ContactImportView>('/contacts/import', form, setUploaded).then(
      (started) => setImportId(started.id),
      (e) => {
        setUploaded(null);
        fail(e);
      },
    );
  };

  const addNew = async () => {
    setAdding(true);
    setError(null);
    for (const entry of entries.filter((e) => e.match.status === 'new')) {
      try {
        const created = await api<{ id: string }>('/contacts', {
          method: 'POST',
          body: {
            name: entry.name ?? undefined,
            phone: entry.match.phone_e164,
            email: entry.email ?? undefined,
          },
        });
        entry.match = { ...entry.match, status: 'known', contact_id: created.id, channels: [] };
      } catch (e) {
        fail(e);
      }
    }
    setEntries([...entries]);
    setAdding(false);
    onChanged();
  };

  const statusText = (m: PhoneMatch) => {
    if (m.status === 'invalid') return t('contacts.status.invalid');
    if (m.status === 'new') return t('contacts.status.new');
    if (!m.channels.length) return t('contacts.status.knownNoChannel');
    const types = [
      ...new Set(m.channels.map((c) => t(`contacts.channelType.${c.type}`, { defaultValue: c.type }))),
    ];
    return t('contacts.status.knownOn', { channels: new Intl.ListFormat(locale()).format(types) });
  };

  return (
    <section className="card sync-phone" data-testid="sync-phone" aria-label={t('contacts.syncPhone')}>
      <h3>{t('contacts.syncPhone')}</h3>
      <div className="row">
        {picker ? (
          <button type="button" data-testid="pick-contacts" onClick={() => void pick()}>
            {t('contacts.pickFromPhone')}
          </button>
        ) : (
          <label>
            {t('contacts.chooseVCard')}
            <input
              type="file"
              accept=".vcf,text/vcard,text/x-vcard"
              data-testid="vcard-file"
              onChange={(event) => {
                const file = event.currentTarget.files?.[0];
                if (file) uploadVCard(file);
                event.currentTarget.value = '';
              }}
            />
          </label>
        )}
      </div>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          void match(
            typed
              .split(/[\n,;]+/)
              .map((tel) => tel.trim())
              .filter(Boolean)
              .map((tel) => ({ name: null, email: null, tel })),
          );
        }}
      >
        <label>
          {t('contacts.typeNumbers')}
          <textarea
            data-testid="typed-numbers"
            dir="ltr"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="match-typed">
          {t('contacts.check')}
        </button>
      </form>
      <ErrorLine error={error} testId="sync-error" />
      {(uploaded !== null || importId) && (
        <ImportProgress uploaded={uploaded} importId={importId} onDone={() => onChanged()} />
      )}
      {entries.length > 0 && (
        <>
          <ul className="match-list" data-testid="match-results">
            {entries.map((entry, i) => (
              <li key={i} data-testid="match-entry" data-status={entry.match.status}>
                <span dir="auto">{entry.name ?? '—'}</span>{' '}
                <span dir="ltr">{entry.match.phone_e164 ?? entry.match.input}</span>{' '}
                <strong data-testid="match-status">{statusText(entry.match)}</strong>
                {entry.match.contact_id && (
                  <button type="button" onClick={() => onOpen(entry.match.contact_id!)}>
                    {entry.match.channels.length ? t('contacts.open') : t('contacts.invite')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {entries.some((e) => e.match.status === 'new') && (
            <button type="button" data-testid="add-new" disabled={adding} onClick={() => void addNew()}>
              {t('contacts.addNew')}
            </button>
          )}
        </>
      )}
    </section>
  );
}
