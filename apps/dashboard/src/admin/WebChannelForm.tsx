import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChannelView } from '@parley/contract/views';
import {
  WIDGET_LANGUAGES,
  type PreChatField,
  type WebChannelCreated,
  type WebChannelSettings,
  type WidgetLanguage,
} from '@parley/contract/widget';
import { api } from '../api/http';
import { ChannelIcon } from '../inbox/ChannelIcon';

/** Each language named in itself: an admin picks the languages their visitors read. */
const LANGUAGE_NAMES: Record<WidgetLanguage, string> = { en: 'English', fa: 'فارسی', ar: 'العربية' };
const PRE_CHAT_FIELDS = ['name', 'email', 'phone'] as const;

/** The line a business pastes into its pages: the loader is served by this very api. */
export const widgetSnippet = (channelId: string) =>
  `<script src="${window.location.origin}/widget.js" data-channel="${channelId}" async></script>`;

/** The same snippet for a signed-in user of the site, and the one line its server computes. */
export const identityExample = (channelId: string) =>
  [
    `<script src="${window.location.origin}/widget.js" data-channel="${channelId}"`,
    `  data-user-id="42" data-user-name="Sara" data-user-email="sara@example.com"`,
    `  data-user-signature="<hex HMAC-SHA256(identity secret, '42')>" async></script>`,
    '',
    "// Node: crypto.createHmac('sha256', IDENTITY_SECRET).update(user.id).digest('hex')",
    "// PHP:  hash_hmac('sha256', $user->id, IDENTITY_SECRET)",
    "// Python: hmac.new(IDENTITY_SECRET.encode(), user_id.encode(), 'sha256').hexdigest()",
  ].join('\n');

type Created = ChannelView & Partial<WebChannelCreated>;

/**
 * A website channel: its name, the origins whose pages may run the widget, colour, greeting per
 * language, languages and pre-chat fields. Once created, the snippet to paste and (this once) the
 * identity secret with which the site signs its signed-in users.
 */
export function WebChannelForm(props: { onCreated: () => void; onError: (e: unknown) => void }) {
  const { t } = useTranslation();
  const [languages, setLanguages] = useState<WidgetLanguage[]>(['en']);
  const [created, setCreated] = useState<Created | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
    const greeting = Object.fromEntries(
      languages.map((l) => [l, value(`greeting_${l}`).trim()]).filter(([, text]) => text),
    );
    const pre_chat = Object.fromEntries(
      PRE_CHAT_FIELDS.map((f) => [f, value(`pre_chat_${f}`) as PreChatField]),
    ) as WebChannelSettings['pre_chat'];
    const body = {
      type: 'web',
      name: value('name'),
      allowed_origins: value('allowed_origins')
        .split(/\s+/)
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
      color: value('color'),
      greeting,
      languages,
      pre_chat,
    };
    api<Created>('/channels', { method: 'POST', body }).then((answer) => {
      setCreated(answer);
      form.reset();
      setLanguages(['en']);
      props.onCreated();
    }, props.onError);
  };

  const toggle = (language: WidgetLanguage, on: boolean) =>
    setLanguages((current) =>
      on ? WIDGET_LANGUAGES.filter((l) => l === language || current.includes(l)) : current.filter((l) => l !== language),
    );

  return (
    <>
      {created && <WebChannelCreatedCard channel={created} onDone={() => setCreated(null)} />}
      <form className="card" onSubmit={submit} aria-label={t('webChannel.title')} data-testid="web-channel-form">
        <h2>
          <ChannelIcon type="web" /> {t('webChannel.title')}
        </h2>
        <label className="field">
          <span>{t('channels.name')}</span>
          <input name="name" required maxLength={80} dir="auto" />
        </label>
        <label className="field">
          <span>{t('webChannel.allowedOrigins')}</span>
          <textarea name="allowed_origins" required rows={3} dir="ltr" placeholder="https://shop.example" />
        </label>
        <p className="muted">{t('webChannel.originsHint')}</p>
        <label className="field">
          <span>{t('webChannel.color')}</span>
          <input name="color" type="color" defaultValue="#2563eb" />
        </label>
        <fieldset>
          <legend>{t('webChannel.languages')}</legend>
          {WIDGET_LANGUAGES.map((language) => (
            <label key={language} className="inline">
              <input
                type="checkbox"
                checked={languages.includes(language)}
                disabled={languages.length === 1 && languages.includes(language)}
                onChange={(e) => toggle(language, e.target.checked)}
                data-testid={`web-language-${language}`}
              />{' '}
              <span lang={language}>{LANGUAGE_NAMES[language]}</span>
            </label>
          ))}
        </fieldset>
        {languages.map((language) => (
          <label key={language} className="field">
            <span>{t('webChannel.greeting', { language: LANGUAGE_NAMES[language] })}</span>
            <input
              name={`greeting_${language}`}
              maxLength={300}
              lang={language}
              dir={language === 'en' ? 'ltr' : 'rtl'}
            />
          </label>
        ))}
        <fieldset>
          <legend>{t('webChannel.preChat')}</legend>
          {PRE_CHAT_FIELDS.map((field) => (
            <label key={field} className="field">
              <span>{t(`webChannel.${field}`)}</span>
              <select name={`pre_chat_${field}`} defaultValue="off">
                <option value="off">{t('webChannel.off')}</option>
                <option value="optional">{t('webChannel.optional')}</option>
                <option value="required">{t('webChannel.required')}</option>
              </select>
            </label>
          ))}
        </fieldset>
        <button className="primary" type="submit">
          {t('webChannel.create')}
        </button>
      </form>
    </>
  );
}

/** After creation: the snippet, the identity secret (never shown again) and how a site signs its user. */
function WebChannelCreatedCard(props: { channel: Created; onDone: () => void }) {
  const { t } = useTranslation();
  const { channel } = props;
  return (
    <section className="card" role="status" data-testid="web-channel-created" data-id={channel.id}>
      <h2>
        <ChannelIcon type="web" /> <span dir="auto">{channel.name}</span>
      </h2>
      <WidgetSnippet channelId={channel.id} />
      {channel.identity_secret && (
        <>
          <p className="notice">{t('webChannel.secretOnce')}</p>
          <p>
            <code dir="ltr" data-testid="web-identity-secret">
              {channel.identity_secret}
            </code>
          </p>
          <p className="muted">{t('webChannel.identityHint')}</p>
          <pre dir="ltr" className="snippet" data-testid="web-identity-example">
            {identityExample(channel.id)}
          </pre>
        </>
      )}
      <button type="button" className="primary" onClick={props.onDone}>
        {t('apiKeys.done')}
      </button>
    </section>
  );
}

/** The snippet with a copy button; shown for every website channel, not only a new one. */
export function WidgetSnippet({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  const snippet = widgetSnippet(channelId);
  return (
    <div>
      <p className="muted">{t('webChannel.snippet')}</p>
      <pre dir="ltr" className="snippet" data-testid="web-snippet">
        {snippet}
      </pre>
      <button
        type="button"
        onClick={() => void navigator.clipboard.writeText(snippet).then(() => setCopied(true), () => undefined)}
      >
        {copied ? t('apiKeys.copied') : t('apiKeys.copy')}
      </button>
    </div>
  );
}
