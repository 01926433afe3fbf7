import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { VisitorCallView } from '@parley/contract/calls';
import { api } from '../api/http';
import { calls } from './call-store';

/** How often the button asks again whether the visitor is still on the site. */
const RECHECK_MS = 10_000;

/**
 * Calls a website conversation's visitor back (they answer from the chat widget). Shown on web
 * conversations only; disabled, with the reason as its tooltip, while the visitor is not on the
 * site. Refusals (offline meanwhile, already in a call) show in the call layer like any call's.
 */
export function CallVisitorButton({ conversationId, name }: { conversationId: string; name: string }) {
  const { t } = useTranslation();
  const [status, setStatus] = useState<VisitorCallView | null>(null);

  useEffect(() => {
    let stopped = false;
    const check = () =>
      api<VisitorCallView>(`/conversations/${conversationId}/visitor-call`).then(
        (next) => !stopped && setStatus(next),
        () => undefined,
      );
    void check();
    const timer = setInterval(() => void check(), RECHECK_MS);
    window.addEventListener('focus', check);
    return () => {
      stopped = true;
      clearInterval(timer);
      window.removeEventListener('focus', check);
    };
  }, [conversationId]);

  if (!status?.web) return null;
  return (
    <button
      type="button"
      data-testid="call-visitor"
      data-online={String(status.online)}
      disabled={!status.online}
      title={status.online ? t('calls.callVisitor') : t('calls.visitorOffline')}
      onClick={() => void calls.place({ conversation_id: conversationId, callee: 'contact' }, name)}
    >
      {t('calls.callVisitor')}
    </button>
  );
}
