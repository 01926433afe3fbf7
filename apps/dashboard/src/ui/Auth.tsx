import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuthAnswer } from '@parley/contract/auth';
import { api } from '../api/http';
import { ApiError, session } from '../api/session';
import { navigate } from './hooks';
import { LanguageSwitch } from './LanguageSwitch';
import { ErrorLine } from './ErrorLine';

function useSubmit() {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<AuthAnswer>) => {
    setBusy(true);
    setError(null);
    try {
      session.signIn(await call());
      // An app's install link (the consent page) is where the agent was going: stay there.
      if (!window.location.hash.startsWith('#/oauth/authorize')) navigate('/inbox');
    } catch (e) {
      setError(e instanceof ApiError && e.code !== 'network_error' ? e.message : t('common.network_error'));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

function Field(props: {
  label: string;
  name: string;
  type?: string;
  autoComplete?: string;
  minLength?: number;
}) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? 'text'}
        required
        autoComplete={props.autoComplete}
        minLength={props.minLength}
        dir="auto"
      />
    </label>
  );
}

/** The sign-in card: brand and language switch on top. */
function AuthCard({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-top">
          <h1 className="brand">{t('brand')}</h1>
          <LanguageSwitch />
        </div>
        {children}
      </div>
    </main>
  );
}

const value = (form: HTMLFormElement, name: string) =>
  (form.elements.namedItem(name) as HTMLInputElement).value;

/** Sign in, or sign up a new workspace with its first admin. */
export function AuthPage() {
  const { t } = useTranslation();
  const [mode, setMode] = useState<'login' | 'signup'>('login');
  const { error, busy, run } = useSubmit();

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    void run(() =>
      mode === 'login'
        ? api<AuthAnswer>('/auth/login', {
            method: 'POST',
            anonymous: true,
            body: { email: value(form, 'email'), password: value(form, 'password') },
          })
        : api<AuthAnswer>('/auth/signup', {
            method: 'POST',
            anonymous: true,
            body: {
              workspace_name: value(form, 'workspace_name'),
              name: value(form, 'name'),
              email: value(form, 'email'),
              password: value(form, 'password'),
            },
          }),
    );
  };

  return (
    <AuthCard>
      <p className="muted">{t('auth.tagline')}</p>
      <form onSubmit={submit} aria-label={mode === 'login' ? t('auth.signIn') : t('auth.signUp')}>
        {mode === 'signup' && <Field label={t('auth.workspaceName')} name="workspace_name" />}
        {mode === 'signup' && <Field label={t('auth.name')} name="name" autoComplete="name" />}
        <Field label={t('auth.email')} name="email" type="email" autoComplete="email" />
        <Field
          label={t('auth.password')}
          name="password"
          type="password"
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          minLength={mode === 'signup' ? 8 : undefined}
        />
        <ErrorLine error={error} />
        <button className="primary" type="submit" disabled={busy}>
          {mode === 'login' ? t('auth.signIn') : t('auth.signUp')}
        </button>
      </form>
      <button type="button" className="link" onClick={() => setMode(mode === 'login' ? 'signup' : 'login')}>
        {mode === 'login' ? t('auth.noAccount') : t('auth.haveAccount')}
      </button>
    </AuthCard>
  );
}

/** `#/accept/<invite_token>`: an invited agent sets a password and is signed in. */
export function AcceptInvitePage({ token }: { token: string }) {
  const { t } = useTranslation();
  const { error, busy, run } = useSubmit();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const password = value(event.currentTarget, 'password');
    void run(() =>
      api<AuthAnswer>('/auth/accept-invite', {
        method: 'POST',
        anonymous: true,
        body: { invite_token: token, password },
      }),
    );
  };
  return (
    <AuthCard>
      <form onSubmit={submit}>
        <Field
          label={t('auth.password')}
          name="password"
          type="password"
          autoComplete="new-password"
          minLength={8}
        />
        <ErrorLine error={error} />
        <button className="primary" type="submit" disabled={busy}>
          {t('auth.signIn')}
        </button>
      </form>
    </AuthCard>
  );
}
