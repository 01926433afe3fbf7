import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SecurityPolicyAnswer, SecurityPolicyView, SpamRulesView } from '@parley/contract/security';
import { api } from '../api/http';
import { ApiError } from '../api/session';
import { ErrorLine } from '../ui/ErrorLine';

type NumberField = 'messages_per_minute' | 'max_sockets_per_agent' | Exclude<keyof SpamRulesView, 'patterns'>;
const TOP: NumberField[] = ['messages_per_minute', 'max_sockets_per_agent'];
const FIELDS: { key: NumberField; label: string }[] = [
  { key: 'messages_per_minute', label: 'messagesPerMinute' },
  { key: 'max_sockets_per_agent', label: 'maxSockets' },
  { key: 'burst_messages', label: 'burstMessages' },
  { key: 'burst_seconds', label: 'burstSeconds' },
  { key: 'repeats_allowed', label: 'repeatsAllowed' },
  { key: 'max_links', label: 'maxLinks' },
  { key: 'max_mentions', label: 'maxMentions' },
];

type Switch = 'spam_detection' | 'rate_limiting';
const SWITCHES: { key: Switch; label: string }[] = [
  { key: 'spam_detection', label: 'spamDetection' },
  { key: 'rate_limiting', label: 'rateLimiting' },
];

const valueOf = (policy: SecurityPolicyView, key: NumberField) =>
  TOP.includes(key) ? policy[key as 'messages_per_minute'] : policy.spam[key as keyof SpamRulesView];

/**
 * The workspace's overrides of the server's limits and spam rules. A field equal to the default
 * is shown empty (the default as its placeholder), and saving an empty field restores the default.
 */
export function PolicyCard() {
  const { t } = useTranslation();
  const [policy, setPolicy] = useState<SecurityPolicyAnswer | null>(null);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [switches, setSwitches] = useState<Record<Switch, boolean>>({
    spam_detection: true,
    rate_limiting: true,
  });
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const show = (next: SecurityPolicyAnswer) => {
    setPolicy(next);
    const fields: Record<string, string> = {};
    for (const { key } of FIELDS) {
      const value = valueOf(next, key);
      fields[key] = value === valueOf(next.defaults, key) ? '' : String(value);
    }
    fields.patterns = next.spam.patterns.join('\n');
    setDraft(fields);
    setSwitches({ spam_detection: next.spam_detection, rate_limiting: next.rate_limiting });
  };
  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : t('common.error'));

  useEffect(() => {
    api<SecurityPolicyAnswer>('/admin/security/policy').then(show, fail);
  }, []);

  const save = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const number = (key: NumberField) => (draft[key]?.trim() ? Number(draft[key]) : null);
    // A switch left at the server's default follows it (null), like an empty number field.
    const flag = (key: Switch) => (switches[key] === policy?.defaults[key] ? null : switches[key]);
    const patterns = (draft.patterns ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const spam: Record<string, unknown> = { patterns };
    for (const { key } of FIELDS) if (!TOP.includes(key)) spam[key] = number(key);
    api<SecurityPolicyAnswer>('/admin/security/policy', {
      method: 'PATCH',
      body: {
        spam_detection: flag('spam_detection'),
        rate_limiting: flag('rate_limiting'),
        messages_per_minute: number('messages_per_minute'),
        max_sockets_per_agent: number('max_sockets_per_agent'),
        spam,
      },
    }).then((next) => {
      show(next);
      setSaved(true);
    }, fail);
  };

  if (!policy) return null;
  return (
    <form className="card policy" onSubmit={save} data-testid="policy">
      <h2>{t('policy.title')}</h2>
      <p className="muted">{t('policy.hint')}</p>
      <div className="policy-switches">
        {SWITCHES.map(({ key, label }) => (
          <label key={key} className="inline">
            <input
              type="checkbox"
              checked={switches[key]}
              onChange={(event) => setSwitches({ ...switches, [key]: event.target.checked })}
            />{' '}
            {t(`policy.${label}`)}
          </label>
        ))}
      </div>
      <div className="policy-fields">
        {FIELDS.map(({ key, label }) => (
          <label key={key}>
            <span>{t(`policy.${label}`)}</span>
            <input
              type="number"
              min={0}
              inputMode="numeric"
              value={draft[key] ?? ''}
              placeholder={String(valueOf(policy.defaults, key))}
              onChange={(event) => setDraft({ ...draft, [key]: event.target.value })}
            />
          </label>
        ))}
      </div>
      <label className="stacked">
        <span>{t('policy.patterns')}</span>
        <textarea
          dir="auto"
          rows={4}
          spellCheck={false}
          value={draft.patterns ?? ''}
          onChange={(event) => setDraft({ ...draft, patterns: event.target.value })}
        />
      </label>
      <p className="muted policy-hint">{t('policy.patternsHint')}</p>
      <ErrorLine error={error} />
      <div className="row">
        <button type="submit" className="primary">
          {t('policy.save')}
        </button>
        {saved && (
          <span role="status" className="muted">
            {t('policy.saved')}
          </span>
        )}
      </div>
    </form>
  );
}
