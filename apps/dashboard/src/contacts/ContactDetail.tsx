import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  ContactAttributeView,
  ContactDetailView,
  ContactMergeView,
  InvitationView,
  MergeSuggestion,
} from '@parley/contract/contacts';
import type { ChannelView, Page } from '@parley/contract/views';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime } from '../ui/format';

/** One contact: its fields (editable), identities across channels, conversations, notes, attributes, merges, invitations, erasure. */
export function ContactDetail({
  id,
  onChanged,
  onClose,
}: {
  id: string;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [contact, setContact] = useState<ContactDetailView | null>(null);
  const [attributes, setAttributes] = useState<ContactAttributeView[]>([]);
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [suggestions, setSuggestions] = useState<MergeSuggestion[]>([]);
  const [merge, setMerge] = useState<ContactMergeView | null>(null);
  const [invitation, setInvitation] = useState<InvitationView | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  const load = () => {
    api<ContactDetailView>(`/contacts/${id}`).then(setContact, fail);
    api<MergeSuggestion[]>(`/contacts/${id}/merge-suggestions`).then(setSuggestions, () =>
      setSuggestions([]),
    );
  };
  useEffect(() => {
    setError(null);
    setMerge(null);
    setInvitation(null);
    setConfirming(false);
    load();
    api<ContactAttributeView[]>('/contact-attributes').then(setAttributes, () => undefined);
    api<Page<ChannelView> | ChannelView[]>('/channels').then(
      (answer) => setChannels(Array.isArray(answer) ? answer : answer.data),
      () => undefined,
    );
  }, [id]);

  if (!contact) return <ErrorLine error={error} testId="contact-error" />;

  const save = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim() || null;
    const values: Record<string, string | number | null> = {};
    for (const attribute of attributes) {
      const raw = String(form.get(`attr:${attribute.key}`) ?? '').trim();
      values[attribute.key] = raw === '' ? null : attribute.type === 'number' ? Number(raw) : raw;
    }
    setError(null);
    api<ContactDetailView>(`/contacts/${id}`, {
      method: 'PATCH',
      body: { name: text('name'), phone: text('phone'), email: text('email'), attributes: values },
    }).then((next) => {
      setContact(next);
      onChanged();
    }, fail);
  };

  const addNote = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const content = String(new FormData(form).get('note') ?? '').trim();
    if (!content) return;
    api(`/contacts/${id}/notes`, { method: 'POST', body: { content } }).then(() => {
      form.reset();
      load();
    }, fail);
  };

  const erase = () =>
    api(`/contacts/${id}`, { method: 'DELETE' }).then(() => {
      onChanged();
      onClose();
    }, fail);

  const mergeWith = (otherId: string) =>
    api<ContactMergeView>(`/contacts/${id}/merge`, { method: 'POST', body: { other_id: otherId } }).then(
      (done) => {
        setMerge(done);
        load();
        onChanged();
      },
      fail,
    );

  const undo = () =>
    merge &&
    api(`/contacts/merges/${merge.id}/undo`, { method: 'POST' }).then(() => {
      setMerge(null);
      load();
      onChanged();
    }, fail);

  const invite = (channelId: string) =>
    api<InvitationView>(`/contacts/${id}/invitations`, {
      method: 'POST',
      body: { channel_id: channelId },
    }).then((made) => {
      setInvitation(made);
      load();
    }, fail);

  const channelName = (channelId: string) => channels.find((c) => c.id === channelId)?.name ?? channelId;
  const shareText = invitation ? t('contacts.inviteText', { url: invitation.url }) : '';

  return (
    <section
      className="card contact-detail"
      data-testid="contact-detail"
      aria-label={contact.name ?? t('contacts.unnamed')}
    >
      <div className="row">
        <h3 dir="auto">{contact.name ?? t('contacts.unnamed')}</h3>
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
      <ErrorLine error={error} testId="contact-error" />
      <form key={contact.updated_at} onSubmit={save} className="stack">
        <label>
          {t('contacts.name')}
          <input name="name" dir="auto" defaultValue={contact.name ?? ''} maxLength={200} />
        </label>
        <label>
          {t('contacts.phone')}
          <input name="phone" dir="ltr" defaultValue={contact.phone ?? ''} maxLength={40} />
        </label>
        <label>
          {t('contacts.email')}
          <input name="email" type="email" dir="ltr" defaultValue={contact.email ?? ''} maxLength={254} />
        </label>
        {attributes.map((attribute) => (
          <label key={attribute.id}>
            <span dir="auto">{attribute.label}</span>
            {attribute.type === 'list' ? (
              <select
                name={`attr:${attribute.key}`}
                defaultValue={String(contact.attributes[attribute.key] ?? '')}
              >
                <option value="">—</option>
                {attribute.options.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            ) : (
              <input
                name={`attr:${attribute.key}`}
                type={attribute.type === 'number' ? 'number' : attribute.type === 'date' ? 'date' : 'text'}
                step="any"
                dir="auto"
                defaultValue={String(contact.attributes[attribute.key] ?? '')}
              />
            )}
          </label>
        ))}
        <button type="submit" data-testid="save-contact">
          {t('contacts.save')}
        </button>
      </form>

      <h4>{t('contacts.identities')}</h4>
      <ul data-testid="contact-identities">
        {(contact.identities ?? []).map((identity) => (
          <li key={`${identity.channel_id}:${identity.platform_user_id}`}>
            <span dir="auto">{channelName(identity.channel_id)}</span> ·{' '}
            <span dir="ltr">{identity.platform_user_id}</span>
            {identity.unreachable && ` · ${t('contacts.unreachable')}`}
          </li>
        ))}
        {!contact.identities?.length && <li>{t('contacts.noChannel')}</li>}
      </ul>

      <h4>{t('contacts.conversations')}</h4>
      <ul>
        {contact.conversations.map((c) => (
          <li key={c.id}>
            <a href={`#/inbox/${c.id}`}>
              <span dir="auto">{channelName(c.channel_id)}</span> ·{' '}
              {t(`status.${c.status}`, { defaultValue: c.status })}
            </a>
          </li>
        ))}
      </ul>

      <h4>{t('contacts.invite')}</h4>
      <div className="row">
        {channels.map((channel) => (
          <button
            key={channel.id}
            type="button"
            data-testid="invite-channel"
            onClick={() => void invite(channel.id)}
          >
            <span dir="auto">{channel.name}</span>
          </button>
        ))}
      </div>
      {invitation && (
        <div className="invitation" data-testid="invitation">
          <input
            readOnly
            dir="ltr"
            value={invitation.url}
            data-testid="invitation-url"
            aria-label={t('contacts.inviteLink')}
          />
          <img
            alt={t('contacts.qr')}
            width={160}
            height={160}
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(invitation.qr_svg)}`}
          />
          <a href={`sms:?&body=${encodeURIComponent(shareText)}`}>{t('contacts.shareSms')}</a>{' '}
          <a href={`https://wa.me/?text=${encodeURIComponent(shareText)}`} target="_blank" rel="noreferrer">
            {t('contacts.shareWhatsApp')}
          </a>
          {!invitation.binds && <p>{t('contacts.inviteNoBind')}</p>}
        </div>
      )}
      <ul>
        {contact.invitations.map((i) => (
          <li key={i.id} data-testid="invitation-row" data-status={i.status}>
            {channelName(i.channel_id)} ·{' '}
            {i.status === 'accepted' ? t('contacts.accepted') : t('contacts.pending')} ·{' '}
            {dateTime(i.created_at)}
          </li>
        ))}
      </ul>

      <h4>{t('contacts.notes')}</h4>
      <form onSubmit={addNote} className="row">
        <textarea name="note" dir="auto" maxLength={5000} aria-label={t('contacts.addNote')} />
        <button type="submit">{t('contacts.addNote')}</button>
      </form>
      <ul data-testid="contact-notes">
        {contact.notes.map((note) => (
          <li key={note.id} dir="auto">
            {note.content} <small>{dateTime(note.created_at)}</small>
          </li>
        ))}
      </ul>

      {(suggestions.length > 0 || merge) && <h4>{t('contacts.mergeSuggestions')}</h4>}
      <ul data-testid="merge-suggestions">
        {suggestions.map((s) => (
          <li key={s.contact.id}>
            <span dir="auto">{s.contact.name ?? t('contacts.unnamed')}</span> ·{' '}
            {s.reason === 'phone' ? t('contacts.samePhone') : t('contacts.sameEmail')}{' '}
            <button type="button" data-testid="merge" onClick={() => void mergeWith(s.contact.id)}>
              {t('contacts.merge')}
            </button>
          </li>
        ))}
      </ul>
      {merge && !merge.undone_at && (
        <p role="status">
          {t('contacts.merged')}{' '}
          <button type="button" data-testid="undo-merge" onClick={() => void undo()}>
            {t('contacts.undo')}
          </button>
        </p>
      )}

      {confirming ? (
        <p role="alert">
          {t('contacts.confirmDelete')}{' '}
          <button type="button" className="danger" data-testid="confirm-delete" onClick={() => void erase()}>
            {t('contacts.delete')}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            {t('contacts.cancel')}
          </button>
        </p>
      ) : (
        <button
          type="button"
          className="danger"
          data-testid="delete-contact"
          onClick={() => setConfirming(true)}
        >
          {t('contacts.delete')}
        </button>
      )}
    </section>
  );
}
