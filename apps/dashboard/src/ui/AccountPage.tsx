import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuthAnswer } from '@parley/contract/auth';
import { api } from '../api/http';
import { ApiError, session } from '../api/session';
import { ErrorLine } from './ErrorLine';

/** One's own account: a new password ends every other sign-in, this one continues. */
export function AccountPage() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const change = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setDone(false);
    api<AuthAnswer>('/auth/password', {
      method: 'POST',
      body: { current_password: current, new_password: next },
    }).then(
      (answer) => {
        session.signIn(answer);
        setCurrent('');
        setNext('');
        setDone(true);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error')),
    );
  };

  return (
    <main className="page">
      <form className="card" onSubmit={change} data-testid="change-password">
        <h1>{t('account.title')}</h1>
        <p className="muted">{t('account.hint')}</p>
        <label>
          <span>{t('account.current')}</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
          />
        </label>
        <label>
          <span>{t('account.new')}</span>
          <input
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            value={next}
            onChange={(event) => setNext(event.target.value)}
          />
        </label>
        <ErrorLine error={error} />
        {done && <p role="status">{t('account.changed')}</p>}
        <button type="submit">{t('account.save')}</button>
      </form>
    </main>
  );
}
