import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { NotificationFrame } from '@parley/contract/server-frames';
import { contactName } from './format';
import { unhandled } from '../api/frames';
import { calls } from '../calls/call-store';
import { navigate, useSharedSocket } from './hooks';
import { useLive } from './live';

interface Toast {
  id: number;
  text: string;
  conversationId?: string;
}

let toastIds = 0;
const TOAST_MS = 8000;


/** Whose name the toast shows, and where clicking it leads. */
function aboutOf(frame: NotificationFrame): { name: string; conversationId?: string } {
  switch (frame.kind) {
    case 'new_conversation':
    case 'assignment':
      return { name: contactName(frame.conversation.contact), conversationId: frame.conversation.id };
    case 'mention':
      return { name: '', conversationId: frame.conversation_id };
    case 'channel_reauthorization_required':
      return { name: '' };
    case 'webhook_paused':
      return { name: frame.url };
    case 'sla_warning':
    case 'sla_breach':
      return { name: contactName(frame.conversation.contact), conversationId: frame.conversation.id };
    case 'missed_call':
      return { name: frame.call.caller.name ?? '—', conversationId: frame.call.conversation_id ?? undefined };
    default:
      unhandled(frame);
      return { name: '' };
  }
}

/**
 * `/ws/notifications/`: wherever the agent is, an assignment, a new conversation or a mention
 * shows a toast and counts in the tab title until the agent is back at the tab.
 */
export function Notifications() {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [unseen, setUnseen] = useState(0);

  const live = useLive();
  const notify = (frame: NotificationFrame) => {
    const { name, conversationId } = aboutOf(frame);
    const text = t(`notify.${frame.kind}`, { name, defaultValue: frame.kind });
    const id = ++toastIds;
    setToasts((current) => [...current.slice(-4), { id, text, conversationId }]);
    setTimeout(() => setToasts((current) => current.filter((toast) => toast.id !== id)), TOAST_MS);
    setUnseen((n) => n + 1);
  };
  const send = useSharedSocket('notifications', '/ws/notifications/', live.session.agent.id, (frame) => {
    switch (frame.type) {
      case 'notification':
        return notify(frame);
      case 'incoming_call':
      case 'call_state':
      case 'call_signal':
        return calls.onFrame(frame);
      case 'ready':
      case 'pong':
      case 'auth_ok':
      case 'error':
        return;
      default:
        unhandled(frame);
    }
  });

  // Calls signal over this socket (the shared one: a tab that does not hold it relays through the one that does).
  useEffect(() => calls.setSender(send), [send]);

  useEffect(() => {
    const base = t('brand');
    document.title = unseen > 0 ? `(${unseen}) ${base}` : base;
  }, [unseen, t]);

  // The count stays in the title until the agent is back: the tab shown again, a click or a key.
  useEffect(() => {
    const seen = () => {
      if (document.visibilityState === 'visible') setUnseen(0);
    };
    const events = ['focus', 'pointerdown', 'keydown'] as const;
    for (const event of events) window.addEventListener(event, seen);
    document.addEventListener('visibilitychange', seen);
    return () => {
      for (const event of events) window.removeEventListener(event, seen);
      document.removeEventListener('visibilitychange', seen);
    };
  }, []);

  return (
    <section className="toasts" aria-live="polite" aria-label={t('notify.region')}>
      {toasts.map((toast) => (
        <div key={toast.id} className="toast" role="status" data-testid="toast">
          <button
            type="button"
            className="toast-body"
            onClick={() => toast.conversationId && navigate(`/inbox/${toast.conversationId}`)}
          >
            <span dir="auto">{toast.text}</span>
          </button>
          <button
            type="button"
            className="icon"
            aria-label={t('notify.dismiss')}
            onClick={() => setToasts((current) => current.filter((x) => x.id !== toast.id))}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
