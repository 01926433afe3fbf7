import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallLinkView } from '@parley/contract/calls';
import { api } from '../api/http';
import { ApiError } from '../api/session';

/**
 * Sends the customer a call link as a reply: they open it in a browser and call this agent (for
 * platforms with no calling of their own: Telegram, Instagram, Divar).
 */
export function CallLinkButton({ conversationId }: { conversationId: string }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'idle' | 'sending' | 'sent' | string>('idle');
  const send = async () => {
    setState('sending');
    try {
      const link = await api<CallLinkView>(`/conversations/${conversationId}/call-link`, { method: 'POST' });
      await api(`/message/conversation/${conversationId}/send-message/`, {
        method: 'POST',
        body: { content: t('calls.linkMessage', { url: link.url }), type: 'support' },
      });
      setState('sent');
    } catch (error) {
      setState(error instanceof ApiError ? error.message : t('common.error'));
    }
  };
  return (
    <>
      <button
        type="button"
        data-testid="send-call-link"
        disabled={state === 'sending'}
        onClick={() => void send()}
      >
        {t('calls.callLink')}
      </button>
      {state !== 'idle' && state !== 'sending' && (
        <span role="status" className="muted" data-testid="call-link-state">
          {state === 'sent' ? t('calls.callLinkSent') : state}
        </span>
      )}
    </>
  );
}
