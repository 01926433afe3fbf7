import { useSyncExternalStore } from 'react';
import { session } from './api/session';
import { AcceptInvitePage, AuthPage } from './ui/Auth';
import { useHashRoute } from './ui/hooks';
import { Shell } from './ui/Shell';

export function App() {
  const current = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.current,
  );
  const route = useHashRoute();
  const invite = /^\/accept\/([^/?]+)/.exec(route);
  if (invite) return <AcceptInvitePage token={decodeURIComponent(invite[1])} />;
  if (!current) return <AuthPage />;
  // Keyed by agent: signing in as someone else starts from a clean slate.
  return <Shell key={current.agent.id} current={current} />;
}
