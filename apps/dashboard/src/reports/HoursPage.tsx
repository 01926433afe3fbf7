import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  BusinessHoursView,
  OpenInterval,
  SlaPolicyView,
  Weekday,
} from '@parley/contract/business-hours';
import type { CsatChannelView } from '@parley/contract/reports';
import type { TeamView } from '@parley/contract/teams';
import { WIDGET_LANGUAGES } from '@parley/contract/widget';
import { api } from '../api/http';
import { ErrorLine } from '../ui/ErrorLine';
import { dateTime } from '../ui/format';

const intervalsText = (intervals: OpenInterval[]) =>
  intervals.map((i) => `${i.day} ${i.start} ${i.end}`).join('\n');
const holidaysText = (hours: BusinessHoursView) =>
  hours.holidays.map((h) => `${h.date}${h.recurring ? ' *' : ''}`).join('\n');
const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
/** "1 09:00 17:00" → an interval; what does not parse is sent as typed, for the server to name. */
const parseIntervals = (text: string) =>
  lines(text).map((line) => {
    const [day, start, end] = line.split(/\s+/);
    return { day: Number(day) as Weekday, start: start ?? '', end: end ?? '' };
  });
const parseHolidays = (text: string) =>
  lines(text).map((line) => ({ date: line.replace('*', '').trim(), recurring: line.includes('*') }));
const minutes = (value: FormDataEntryValue | null) => (value === null || value === '' ? null : Number(value));

/**
 * Admins set the business hours (zone, weekly intervals, holidays), the out-of-hours reply in
 * en/fa/ar and the SLA policy of the workspace or of one team (a team without its own follows the
 * workspace's), and which channels ask for a rating after a resolution.
 */
export function HoursPage() {
  const { t } = useTranslation();
  /** '' is the workspace; otherwise a team's id. */
  const [scope, setScope] = useState('');
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [hours, setHours] = useState<BusinessHoursView | null>(null);
  const [sla, setSla] = useState<SlaPolicyView | null>(null);
  const [csat, setCsat] = useState<CsatChannelView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const fail = (failure: Error) => setError(failure.message);
  const hoursPath = scope ? `/business-hours/teams/${scope}` : '/business-hours';
  const slaPath = scope ? `/sla-policy/teams/${scope}` : '/sla-policy';

  useEffect(() => {
    void api<TeamView[]>('/teams').then(setTeams, fail);
    void api<CsatChannelView[]>('/reports/csat/channels').then(setCsat, fail);
  }, []);

  useEffect(() => {
    let stale = false;
    setHours(null);
    setSla(null);
    setSaved(false);
    void api<BusinessHoursView>(hoursPath).then((answer) => !stale && setHours(answer), fail);
    void api<SlaPolicyView>(slaPath).then((answer) => !stale && setSla(answer), fail);
    return () => {
      stale = true;
    };
  }, [hoursPath, slaPath]);

  /** Removes the team's own schedule or policy; the team then shows the workspace's. */
  const followWorkspace = (path: string, reload: () => void) =>
    void api<void>(path, { method: 'DELETE' }).then(() => {
      setError(null);
      setSaved(true);
      reload();
    }, fail);

  const saveHours = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const texts = Object.fromEntries(
      WIDGET_LANGUAGES.map((l) => [l, String(form.get(`reply-${l}`) ?? '').trim()]).filter(
        ([, text]) => text,
      ),
    );
    setSaved(false);
    void api<BusinessHoursView>(hoursPath, {
      method: 'PUT',
      body: {
        enabled: form.get('enabled') === 'on',
        time_zone: String(form.get('time_zone') ?? ''),
        intervals: parseIntervals(String(form.get('intervals') ?? '')),
        holidays: parseHolidays(String(form.get('holidays') ?? '')),
        out_of_hours_replies: Object.keys(texts).length ? [{ channel_id: null, enabled: true, texts }] : [],
        default_language: hours?.default_language ?? 'en',
      },
    }).then((answer) => {
      setError(null);
      setHours(answer);
      setSaved(true);
    }, fail);
  };

  const saveSla = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setSaved(false);
    void api<SlaPolicyView>(slaPath, {
      method: 'PUT',
      body: {
        enabled: form.get('enabled') === 'on',
        first_response_minutes: minutes(form.get('first')),
        next_response_minutes: minutes(form.get('next')),
        resolution_minutes: minutes(form.get('resolution')),
        warn_before_minutes: minutes(form.get('warn')) ?? 0,
        business_hours: form.get('business_hours') === 'on',
      },
    }).then((answer) => {
      setError(null);
      setSla(answer);
      setSaved(true);
    }, fail);
  };

  const toggleCsat = (channel: CsatChannelView, enabled: boolean) =>
    void api<CsatChannelView>(`/reports/csat/channels/${channel.channel_id}`, {
      method: 'PUT',
      body: { enabled },
    }).then(
      (answer) => setCsat((all) => all.map((c) => (c.channel_id === answer.channel_id ? answer : c))),
      fail,
    );

  const reply = hours?.out_of_hours_replies.find((r) => r.channel_id === null);
  return (
    <main className="page" data-testid="hours-page">
      <h1>{t('hours.title')}</h1>
      <label className="field">
        <span>{t('hours.scope')}</span>
        <select value={scope} onChange={(e) => setScope(e.target.value)} data-testid="hours-scope">
          <option value="">{t('hours.workspace')}</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
      <ErrorLine error={error} testId="hours-error" />
      {saved && (
        <p role="status" className="muted">
          {t('hours.saved')}
        </p>
      )}
      {hours && (
        <form
          className="card"
          onSubmit={saveHours}
          aria-label={t('hours.title')}
          key={`hours:${scope}:${hours.inherited}:${hours.updated_at ?? 'new'}`}
          data-testid="hours-form"
        >
          {hours.inherited && (
            <p className="muted" data-testid="hours-inherited">
              {t('hours.inherited')}
            </p>
          )}
          <p className="muted" data-testid="open-now">
            {hours.open_now ? t('hours.openNow') : t('hours.closedNow')}
            {hours.next_change_at ? ` · ${dateTime(hours.next_change_at)}` : ''}
          </p>
          <label className="check">
            <input type="checkbox" name="enabled" defaultChecked={hours.enabled} /> {t('hours.enabled')}
          </label>
          <label className="field">
            <span>{t('hours.timeZone')}</span>
            <input name="time_zone" dir="ltr" defaultValue={hours.time_zone} required />
          </label>
          <label className="field">
            <span>{t('hours.intervals')}</span>
            <textarea name="intervals" dir="ltr" rows={5} defaultValue={intervalsText(hours.intervals)} />
          </label>
          <label className="field">
            <span>{t('hours.holidays')}</span>
            <textarea name="holidays" dir="ltr" rows={3} defaultValue={holidaysText(hours)} />
          </label>
          <fieldset>
            <legend>{t('hours.reply')}</legend>
            {WIDGET_LANGUAGES.map((language) => (
              <label className="field" key={language}>
                <span>{language}</span>
                <textarea
                  name={`reply-${language}`}
                  rows={2}
                  dir={language === 'en' ? 'ltr' : 'rtl'}
                  defaultValue={reply?.texts[language] ?? ''}
                />
              </label>
            ))}
          </fieldset>
          <div className="form-row">
            <button type="submit" data-testid="hours-save">
              {t('hours.save')}
            </button>
            {scope && !hours.inherited && (
              <button
                type="button"
                data-testid="hours-follow-workspace"
                onClick={() =>
                  followWorkspace(
                    hoursPath,
                    () => void api<BusinessHoursView>(hoursPath).then(setHours, fail),
                  )
                }
              >
                {t('hours.removeTeam')}
              </button>
            )}
          </div>
        </form>
      )}
      {sla && (
        <form
          className="card"
          onSubmit={saveSla}
          aria-label={t('hours.sla')}
          key={`sla:${scope}:${sla.inherited}:${sla.updated_at ?? 'new'}`}
        >
          <h2>{t('hours.sla')}</h2>
          {sla.inherited && <p className="muted">{t('hours.slaInherited')}</p>}
          <label className="check">
            <input type="checkbox" name="enabled" defaultChecked={sla.enabled} /> {t('hours.slaEnabled')}
          </label>
          <div className="form-row">
            {(
              [
                ['first', 'firstResponse', sla.first_response_minutes],
                ['next', 'nextResponse', sla.next_response_minutes],
                ['resolution', 'resolution', sla.resolution_minutes],
                ['warn', 'warnBefore', sla.warn_before_minutes],
              ] as const
            ).map(([name, label, value]) => (
              <label className="field" key={name}>
                <span>{t(`hours.${label}`)}</span>
                <input
                  name={name}
                  type="number"
                  min={name === 'warn' ? 0 : 1}
                  dir="ltr"
                  defaultValue={value ?? ''}
                />
              </label>
            ))}
          </div>
          <label className="check">
            <input type="checkbox" name="business_hours" defaultChecked={sla.business_hours} />{' '}
            {t('hours.businessHours')}
          </label>
          <div className="form-row">
            <button type="submit">{t('hours.save')}</button>
            {scope && !sla.inherited && (
              <button
                type="button"
                onClick={() =>
                  followWorkspace(slaPath, () => void api<SlaPolicyView>(slaPath).then(setSla, fail))
                }
              >
                {t('hours.removeTeamSla')}
              </button>
            )}
          </div>
        </form>
      )}
      <section className="card" aria-label={t('hours.csat')}>
        <h2>{t('hours.csat')}</h2>
        {csat.map((channel) => (
          <label
            className="check"
            key={channel.channel_id}
            title={channel.supported ? undefined : t('hours.unsupported')}
          >
            <input
              type="checkbox"
              checked={channel.enabled}
              disabled={!channel.supported}
              onChange={(e) => toggleCsat(channel, e.target.checked)}
              data-testid={`csat-${channel.channel_id}`}
            />{' '}
            <span dir="auto">{channel.name}</span> ({channel.type})
          </label>
        ))}
      </section>
    </main>
  );
}
