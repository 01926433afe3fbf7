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
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('webhooks.url')}</th>
              <th scope="col">{t('webhooks.events')}</th>
              <th scope="col">{t('webhooks.state')}</th>
              <th scope="col">{t('webhooks.pending')}</th>
              <th scope="col">{t('webhooks.lastFailure')}</th>
              <th scope="col">{t('agents.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {hooks.map((hook) => (
              <tr key={hook.id} data-testid="webhook-row" data-selected={selected === hook.id || undefined}>
                <td dir="ltr">{hook.url}</td>
                <td dir="ltr">{hook.events.join(', ')}</td>
                <td data-testid="webhook-state">
                  {hook.state === 'active' ? t('webhooks.active') : t('webhooks.paused')}
                  {hook.paused_reason && <div className="muted">{hook.paused_reason}</div>}
                </td>
                <td>{number(hook.pending_deliveries)}</td>
                <td>
                  {hook.last_failure_at ? (
                    <>
                      {dateTime(hook.last_failure_at)}
                      <div className="muted" dir="ltr">
                        {hook.last_failure}
                      </div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td className="row-actions">
                  <button type="button" onClick={() => setSelected(hook.id)} data-testid="webhook-log-open">
                    {t('webhooks.log')}
                  </button>
                  <button type="button" onClick={() => change(hook, { paused: hook.state === 'active' })}>
                    {hook.state === 'active' ? t('webhooks.pause') : t('webhooks.resume')}
                  </button>
                  <button type="button" onClick={() => remove(hook)}>
                    {t('webhooks.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
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
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">seq</th>
              <th scope="col">{t('webhooks.event')}</th>
              <th scope="col">{t('webhooks.state')}</th>
              <th scope="col">{t('webhooks.status')}</th>
              <th scope="col">{t('webhooks.latency')}</th>
              <th scope="col">{t('webhooks.attempts')}</th>
              <th scope="col">{t('webhooks.nextTry')}</th>
              <th scope="col">{t('agents.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id} data-testid="delivery-row">
                <td>{number(d.seq)}</td>
                <td dir="ltr">
                  {d.event_type}
                  {d.replay && <span className="muted"> ({t('webhooks.replayMark')})</span>}
                </td>
                <td data-testid="delivery-state">{t(`webhooks.delivery.${d.state}`)}</td>
                <td dir="ltr" data-testid="delivery-status">
                  {d.last_status_code ?? d.last_error ?? '—'}
                </td>
                <td>
                  {d.last_latency_ms === null ? '—' : t('webhooks.ms', { n: number(d.last_latency_ms) })}
                </td>
                <td data-testid="delivery-attempts">{number(d.attempts)}</td>
                <td>{d.next_attempt_at ? dateTime(d.next_attempt_at) : '—'}</td>
                <td>
                  <button type="button" onClick={() => void again(d)} data-testid="delivery-again">
                    {t('webhooks.sendAgain')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items.length === 0 && <p className="muted">{t('webhooks.noDeliveries')}</p>}
      {next && (
        <button type="button" onClick={() => void more()}>
          {t('webhooks.more')}
        </button>
      )}
    </section>
  );
}
