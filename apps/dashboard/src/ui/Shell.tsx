import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AgentsPage } from '../admin/AgentsPage';
import { ApiKeysPage } from '../admin/ApiKeysPage';
import { AppsPage } from '../admin/AppsPage';
import { BotsPage } from '../admin/BotsPage';
import { ChannelsPage } from '../admin/ChannelsPage';
import { InstancePage } from '../admin/InstancePage';
import { SecurityPage } from '../admin/SecurityPage';
import { WebhooksPage } from '../admin/WebhooksPage';
import { LabelsPage } from '../admin/LabelsPage';
import { TeamsPage } from '../admin/TeamsPage';
import { CannedResponsesPage } from '../admin/CannedResponsesPage';
import { api } from '../api/http';
import { session, type StoredSession } from '../api/session';
import { CallCenter } from '../calls/CallCenter';
import { CallsPage } from '../calls/CallsPage';
import { ContactsPage } from '../contacts/ContactsPage';
import { InboxPage } from '../inbox/InboxPage';
import { HoursPage } from '../reports/HoursPage';
import { ReportsPage } from '../reports/ReportsPage';
import { SearchPage } from '../search/SearchPage';
import { TopSearch } from '../search/TopSearch';
import { AccountPage } from './AccountPage';
import { ConsentPage } from './ConsentPage';
import { useReconnecting } from './connection';
import { number } from './format';
import { useHashRoute, useSocketCap } from './hooks';
import { LanguageSwitch } from './LanguageSwitch';
import { LiveProvider, useLive } from './live';
import { Notifications } from './Notifications';

function Availability() {
  const { t } = useTranslation();
  const live = useLive();
  const stored = live.agents.find((a) => a.id === live.session.agent.id)?.availability;
  const [chosen, setValue] = useState<'online' | 'away' | null>(null);
  const value = chosen ?? (stored === 'away' ? 'away' : 'online');
  return (
    <select
      aria-label={t('nav.availability')}
      data-testid="availability"
      value={value}
      onChange={(event) => {
        const next = event.target.value as 'online' | 'away';
        setValue(next);
        void api('/agents/me/availability', { method: 'PUT', body: { availability: next } }).catch(
          () => undefined,
        );
      }}
    >
      <option value="online">{t('presence.online')}</option>
      <option value="away">{t('presence.away')}</option>
    </select>
  );
}

/** The signed-in frame: navigation, the reconnecting banner, notifications and the current page. */
export function Shell({ current }: { current: StoredSession }) {
  const { t } = useTranslation();
  const route = useHashRoute();
  const reconnecting = useReconnecting();
  const cap = useSocketCap(reconnecting);
  const isAdmin = current.agent.role === 'admin';
  const isOperator = current.agent.is_operator === true;
  // A route may carry a query (`#/channels?divar=connected`, where Divar's OAuth returns the admin).
  const [section, id] = route.split('?')[0].split('/').filter(Boolean);

  const signOut = () => {
    void api('/auth/logout', { method: 'POST', body: { refresh_token: current.refreshToken } }).finally(() =>
      session.signOut(),
    );
  };

  const links = [
    ['inbox', t('nav.inbox')],
    ...(isAdmin
      ? [
          ['agents', t('nav.agents')],
          ['channels', t('nav.channels')],
          ['security', t('nav.security')],
          ['api-keys', t('nav.apiKeys')],
          ['apps', t('nav.apps')],
          ['bots', t('nav.bots')],
          ['webhooks', t('nav.webhooks')],
          ['reports', t('nav.reports')],
          ['hours', t('nav.hours')],
          ['labels', t('essentials.navLabels')],
          ['teams', t('essentials.navTeams')],
        ]
      : []),
    ['canned-replies', t('essentials.navCanned')],
    ...(isOperator ? [['instance', t('nav.instance')]] : []),
    ['account', t('nav.account')],
    ['calls', t('nav.calls')],
    ['contacts', t('nav.contacts')],
  ];

  let page;
  if (isAdmin && section === 'agents') page = <AgentsPage />;
  else if (isAdmin && section === 'channels') page = <ChannelsPage />;
  else if (isAdmin && section === 'security') page = <SecurityPage />;
  else if (isAdmin && section === 'api-keys') page = <ApiKeysPage />;
  else if (isAdmin && section === 'webhooks') page = <WebhooksPage />;
  else if (isAdmin && section === 'apps') page = <AppsPage />;
  else if (isAdmin && section === 'bots') page = <BotsPage />;
  else if (isAdmin && section === 'reports') page = <ReportsPage />;
  else if (isAdmin && section === 'hours') page = <HoursPage />;
  else if (isAdmin && section === 'labels') page = <LabelsPage />;
  else if (isAdmin && section === 'teams') page = <TeamsPage />;
  else if (section === 'canned-replies') page = <CannedResponsesPage />;
  // Where /oauth/authorize sends the browser; an agent who is no admin is told only admins install.
  else if (section === 'oauth' && id === 'authorize')
    page = <ConsentPage query={route.split('?')[1] ?? ''} />;
  else if (isOperator && section === 'instance') page = <InstancePage />;
  else if (section === 'account') page = <AccountPage />;
  else if (section === 'search') page = <SearchPage query={route.split('?')[1] ?? ''} />;
  else if (section === 'calls') page = <CallsPage />;
  else if (section === 'contacts') page = <ContactsPage contactId={id ?? null} />;
  else
    page = (
      <InboxPage
        conversationId={section === 'inbox' ? (id ?? null) : null}
        // A search result opens its conversation at the message found: `#/inbox/<id>?message=<id>`.
        focusMessageId={new URLSearchParams(route.split('?')[1] ?? '').get('message')}
      />
    );

  return (
    <LiveProvider session={current}>
      <div className="shell">
        <header className="topbar">
          <a className="brand" href="#/inbox">
            {t('brand')}
          </a>
          <nav aria-label={t('nav.main')}>
            {links.map(([key, label]) => (
              <a
                key={key}
                href={`#/${key}`}
                aria-current={section === key ? 'page' : undefined}
                data-testid={`nav-${key}`}
              >
                {label}
              </a>
            ))}
          </nav>
          <TopSearch />
          <div className="topbar-end">
            <span className="who" dir="auto" title={current.agent.email}>
              {current.agent.name} · <span dir="auto">{current.workspace.name}</span>
            </span>
            <Availability />
            <LanguageSwitch />
            <button type="button" onClick={signOut}>
              {t('nav.signOut')}
            </button>
          </div>
        </header>
        {reconnecting && (
          <div className="banner" role="status" data-testid="reconnecting">
            {cap === null ? t('banner.reconnecting') : t('banner.tooManyTabs', { n: number(cap) })}
          </div>
        )}
        {page}
        <Notifications />
        <CallCenter />
      </div>
    </LiveProvider>
  );
}
