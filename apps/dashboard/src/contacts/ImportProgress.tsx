import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ContactImportView } from '@parley/contract/contacts';
import { api } from '../api/http';
import { number } from '../ui/format';

/** The upload's bar, then the import's (polled until it is no longer processing). */
export function ImportProgress({
  uploaded,
  importId,
  onDone,
}: {
  uploaded: number | null;
  importId: string | null;
  onDone: (result: ContactImportView) => void;
}) {
  const { t } = useTranslation();
  const [state, setState] = useState<ContactImportView | null>(null);
  useEffect(() => {
    if (!importId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      api<ContactImportView>(`/contacts/imports/${importId}`).then(
        (view) => {
          if (stopped) return;
          setState(view);
          if (view.status === 'processing') timer = setTimeout(poll, 500);
          else onDone(view);
        },
        () => {
          if (!stopped) timer = setTimeout(poll, 2000);
        },
      );
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [importId]);

  return (
    <div className="import-progress">
      {uploaded !== null && (
        <label>
          {t('contacts.uploading')}
          <progress data-testid="upload-progress" max={1} value={uploaded} />
        </label>
      )}
      {state && (
        <>
          <label>
            {t('contacts.importing')}
            <progress data-testid="import-progress" max={state.total || 1} value={state.processed} />
          </label>
          <p data-testid="import-summary" data-status={state.status}>
            {t('contacts.importSummary', {
              processed: number(state.processed),
              total: number(state.total),
              created: number(state.created),
              matched: number(state.matched),
              invalid: number(state.invalid),
            })}
          </p>
        </>
      )}
    </div>
  );
}
