import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ConversationActionView, OpenedActionView } from '@parley/contract/app-actions';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { canFrame } from './app-frame';

/** An app's page open beside the conversation. */
export interface OpenApp {
  name: string;
  app: string;
  url: string;
}

const errorText = (e: unknown, fallback: string) =>
  e instanceof ApiError && e.code !== 'network_error' ? e.message : fallback;

/** The action's name in the agent's language, when the app gave one. */
export function actionName(action: ConversationActionView, language: string): string {
  if (language.startsWith('fa') && action.name_fa) return action.name_fa;
  if (language.startsWith('ar') && action.name_ar) return action.name_ar;
  return action.name;
}

/**
 * The conversation header's "Apps" menu: the actions the workspace's apps offer here, read when
 * opened (an app just revoked is gone from it). Choosing one asks the api for the app's page with
 * a fresh signed context and hands it to the panel.
 */
export function AppActionsMenu({
  conversationId,
  onOpen,
}: {
  conversationId: string;
  onOpen(app: OpenApp): void;
}) {
  const { t, i18n } = useTranslation();
  const [open, setOpen] = useState(false);
  const [actions, setActions] = useState<ConversationActionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);

  const report = (e: unknown) => setError(errorText(e, t('common.network_error')));

  // Read again each time the menu opens: an app revoked meanwhile is gone from it.
  useEffect(() => {
    if (!open) return;
    setActions(null);
    setError(null);
    api<ConversationActionView[]>(`/conversations/${conversationId}/actions`).then(setActions, (e: unknown) =>
      setError(errorText(e, t('common.network_error'))),
    );
    const away = (event: MouseEvent) => {
      if (root.current && !root.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open, conversationId, t]);

  const choose = async (action: ConversationActionView) => {
    try {
      const opened = await api<OpenedActionView>(
        `/conversations/${conversationId}/actions/${action.id}/open`,
        { method: 'POST' },
      );
      onOpen({ name: actionName(action, i18n.language), app: action.app.name, url: opened.url });
      setOpen(false);
    } catch (e) {
      report(e);
    }
  };

  return (
    <div className="apps-menu" ref={root}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="apps-button"
      >
        {t('appPanel.button')}
      </button>
      {open && (
        <div className="apps-list" role="menu" aria-label={t('appPanel.menu')} data-testid="apps-menu">
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {!actions && !error && <p className="muted">{t('appPanel.loading')}</p>}
          {actions?.length === 0 && <p className="muted">{t('appPanel.none')}</p>}
          {actions?.map((action) => (
            <button
              key={action.id}
              type="button"
              role="menuitem"
              onClick={() => void choose(action)}
              data-testid="app-action"
            >
              <span dir="auto">{actionName(action, i18n.language)}</span>
              <span className="muted" dir="auto">
                {action.app.name}
              </span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/**
 * The app's page beside the conversation, in a sandboxed frame: its own origin (scripts and forms
 * work, it keeps its cookies), never the dashboard's storage or tokens, and no referrer.
 */
export function AppPanel({ app, onClose }: { app: OpenApp; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <aside className="app-panel" aria-label={app.name} data-testid="app-panel">
      <header className="app-panel-head">
        <div>
          <h3 dir="auto">{app.name}</h3>
          <span className="muted" dir="auto">
            {app.app}
          </span>
        </div>
        <button type="button" onClick={onClose} aria-label={t('appPanel.close')} data-testid="app-panel-close">
          ✕
        </button>
      </header>
      {canFrame(app.url, window.location.origin) ? (
        <iframe
          src={app.url}
          title={app.name}
          sandbox="allow-scripts allow-forms allow-same-origin allow-popups"
          referrerPolicy="no-referrer"
          data-testid="app-frame"
        />
      ) : (
        <p className="error" role="alert">
          {t('appPanel.refused')}
        </p>
      )}
    </aside>
  );
}
