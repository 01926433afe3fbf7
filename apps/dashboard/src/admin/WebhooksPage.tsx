import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  WEBHOOK_ALL_EVENTS,
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryPage,
  type WebhookDeliveryView,
  type WebhookView,
  type WebhookWithSecretView,
} from '@parley/contract/webhooks';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { DataTable } from '../ui/DataTable';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime, number } from '../ui/format';

const REFRESH_MS = 3000;

/** Admins subscribe URLs to the workspace's events, watch each one's delivery log, send again and replay. */
export function WebhooksPage() {
  const { t } = useTranslation();
  const [hooks, setHooks] = useState<WebhookView[]>([]);
  const [created, setCreated] = useState<WebhookWithSecretView | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error')),
    [t],
  );
  const reload = useCallback(() => api<WebhookView[]>('/webhooks').then(setHooks, fail), [fail]);
  useEffect(() => {
    void reload();
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const url = (form.elements.namedItem('url') as HTMLInputElement).value;
    const events = [...form.querySelectorAll<HTMLInputElement>('input[name="event"]:checked')].map(
      (i) => i.value,
    );
    setError(null);
    api<WebhookWithSecretView>('/webhooks', { method: 'POST', body: { url, events } }).then((answer) => {
      setCreated(answer);
      setSelected(answer.id);
      form.reset();
      void reload();
    }, fail);
  };
  const change = (hook: WebhookView, body: object) => {
    setError(null);
    api(`/webhooks/${hook.id}`, { method: 'PATCH', body }).then(reload, fail);
  };
  const remove = (hook: WebhookView) => {
    if (!window.confirm(t('webhooks.confirmDelete', { url: hook.url }))) return;
    api(`/webhooks/${hook.id}`, { method: 'DELETE' }).then(() => {
      if (selected === hook.id) setSelected(null);
      void reload();
    }, fail);
  };

  return (
    <main className="page">
      <h1>{t('webhooks.title')}</h1>
      <p className="muted">{t('webhooks.intro')}</p>
      <ErrorLine error={error} />
      <form className="card" onSubmit={submit} aria-label={t('webhooks.create')}>
        <h2>{t('webhooks.create')}</h2>
        <label className="field">
          <span>{t('webhooks.url')}</span>
          <input name="url" type="url" required dir="ltr" placeholder="https://example.com/parley" />
        </label>
        <fieldset className="checks">
          <legend>{t('webhooks.events')}</legend>
          {[WEBHOOK_ALL_EVENTS, ...WEBHOOK_EVENT_TYPES].map((type) => (
            <label key={type}>
              <input type="checkbox" name="event" value={type} defaultChecked={type === WEBHOOK_ALL_EVENTS} />{' '}
              <code dir="ltr">{type === WEBHOOK_ALL_EVENTS ? `${type} (${t('webhooks.all')})` : type}</code>
            </label>
          ))}
        </fieldset>
        <button className="primary" type="submit">
          {t('webhooks.add')}
        </button>
      </form>
      {created && (
        <div className="card" role="status" data-testid="webhook-secret-card">
          <p>{t('webhooks.secretOnce')}</p>
          <code dir="ltr" data-testid="webhook-secret">
            {created.secret}
          </code>
          <p>{t('webhooks.howToVerify')}</p>
          <pre dir="ltr">
            {
              "const [t, v1] = header.split(',').map((part) => part.split('=')[1]);\nconst expected = crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');\nconst valid = crypto.timingSafeEqual(Buffer.from(v1), Buffer.from(expected));"
            }
          </pre>
          <button type="button" onClick={() => setCreated(null)}>
            {t('webhooks.secretSaved')}
          </button>
        </div>
      )}
      <DataTable
        rows={hooks}
        rowKey={(hook) => hook.id}
        rowTestId="webhook-row"
        rowData={(hook) => ({ 'data-selected': selected === hook.id || undefined })}
        columns={[
          { key: 'url', header: t('webhooks.url'), dir: 'ltr', cell: (hook) => hook.url },
          { key: 'events', header: t('webhooks.events'), dir: 'ltr', cell: (hook) => hook.events.join(', ') },
          {
            key: 'state',
            header: t('webhooks.state'),
            testId: 'webhook-state',
            cell: (hook) => (
              <>
                {hook.state === 'active' ? t('webhooks.active') : t('webhooks.paused')}
                {hook.paused_reason && <div className="muted">{hook.paused_reason}</div>}
              </>
            ),
          },
          { key: 'pending', header: t('webhooks.pending'), cell: (hook) => number(hook.pending_deliveries) },
          {
            key: 'failure',
            header: t('webhooks.lastFailure'),
            cell: (hook) =>
              hook.last_failure_at ? (
                <>
                  {dateTime(hook.last_failure_at)}
                  <div className="muted" dir="ltr">
                    {hook.last_failure}
                  </div>
                </>
              ) : (
                '—'
              ),
          },
          {
            key: 'actions',
            header: t('agents.actions'),
            className: 'row-actions',
            cell: (hook) => (
              <>
                <button type="button" onClick={() => setSelected(hook.id)} data-testid="webhook-log-open">
                  {t('webhooks.log')}
                </button>
                <button type="button" onClick={() => change(hook, { paused: hook.state === 'active' })}>
                  {hook.state === 'active' ? t('webhooks.pause') : t('webhooks.resume')}
                </button>
                <button type="button" onClick={() => remove(hook)}>
                  {t('webhooks.delete')}
                </button>
              </>
            ),
          },
        ]}
      />
      {selected && <DeliveryLog key={selected} webhookId={selected} onError={fail} />}
    </main>
  );
}

function DeliveryLog({ webhookId, onError }: { webhookId: string; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const [items, setItems] = useState<WebhookDeliveryView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [replayed, setReplayed] = useState<number | null>(null);
  const load = useCallback(
    () =>
      api<WebhookDeliveryPage>(`/webhooks/${webhookId}/deliveries?limit=50`).then((page) => {
        setItems(page.items);
        setNext(page.next_cursor);
      }, onError),
    [webhookId, onError],
  );
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  const more = () =>
    next &&
    api<WebhookDeliveryPage>(`/webhooks/${webhookId}/deliveries?limit=50&cursor=${next}`).then((page) => {
      setItems((current) => [...current, ...page.items]);
      setNext(page.next_cursor);
    }, onError);
  const again = (delivery: WebhookDeliveryView) =>
    api(`/webhooks/${webhookId}/deliveries/${delivery.id}/retry`, { method: 'POST' }).then(load, onError);
  const replay = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const since = Number((event.currentTarget.elements.namedItem('since') as HTMLInputElement).value);
    api<{ queued: number }>(`/webhooks/${webhookId}/replay`, {
      method: 'POST',
      body: { since_seq: since },
    }).then((answer) => {
      setReplayed(answer.queued);
      void load();
    }, onError);
  };

  return (
    <section className="card" aria-label={t('webhooks.log')}>
      <h2>{t('webhooks.log')}</h2>
      <form className="form-row" onSubmit={replay} aria-label={t('webhooks.replay')}>
        <label className="field">
          <span>{t('webhooks.replaySince')}</span>
          <input name="since" type="number" min={0} required dir="ltr" />
        </label>
        <button type="submit">{t('webhooks.replay')}</button>
        {replayed !== null && <span role="status">{t('webhooks.replayed', { n: number(replayed) })}</span>}
      </form>
      <DataTable
        rows={items}
        rowKey={(d) => d.id}
        rowTestId="delivery-row"
        empty={<span className="muted">{t('webhooks.noDeliveries')}</span>}
        columns={[
          { key: 'seq', header: 'seq', cell: (d) => number(d.seq) },
          {
            key: 'event',
            header: t('webhooks.event'),
            dir: 'ltr',
            cell: (d) => (
              <>
                {d.event_type}
                {d.replay && <span className="muted"> ({t('webhooks.replayMark')})</span>}
              </>
            ),
          },
          {
            key: 'state',
            header: t('webhooks.state'),
            testId: 'delivery-state',
            cell: (d) => t(`webhooks.delivery.${d.state}`),
          },
          {
            key: 'status',
            header: t('webhooks.status'),
            dir: 'ltr',
            testId: 'delivery-status',
            cell: (d) => d.last_status_code ?? d.last_error ?? '—',
          },
          {
            key: 'latency',
            header: t('webhooks.latency'),
            cell: (d) =>
              d.last_latency_ms === null ? '—' : t('webhooks.ms', { n: number(d.last_latency_ms) }),
          },
          {
            key: 'attempts',
            header: t('webhooks.attempts'),
            testId: 'delivery-attempts',
            cell: (d) => number(d.attempts),
          },
          {
            key: 'next',
            header: t('webhooks.nextTry'),
            cell: (d) => (d.next_attempt_at ? dateTime(d.next_attempt_at) : '—'),
          },
          {
            key: 'actions',
            header: t('agents.actions'),
            cell: (d) => (
              <button type="button" onClick={() => void again(d)} data-testid="delivery-again">
                {t('webhooks.sendAgain')}
              </button>
            ),
          },
        ]}
      />
      {next && (
        <button type="button" onClick={() => void more()}>
          {t('webhooks.more')}
        </button>
      )}
    </section>
  );
}
