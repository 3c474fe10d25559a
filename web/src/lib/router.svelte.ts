/**
 * Hash routes, so the server only ever serves index.html: `#/login`, `#/monitor`, `#/exam/ID`, `#/protocol/ID`, `#/replay/ID`,
 * `#/sessions`, `#/accounts`, `#/password`, `#/calendar`, `#/new-session`, `#/lms`, `#/console`, `#/templates`, `#/template/ID` (`new` for a new one),
 * `#/integrations`, `#/conference/ID`, `#/committee/ID`, `#/set-password?user=…&key=…`, and `#/mobile/ID?token=…` (the phone of a second camera).
 */
export interface Route {
  name:
    | 'login' | 'monitor' | 'exam' | 'protocol' | 'sessions' | 'mobile' | 'accounts' | 'password' | 'calendar' | 'new-session' | 'lms' | 'console' | 'templates' | 'template'
    | 'integrations' | 'set-password' | 'replay' | 'conference' | 'committee';
  id: string | null;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  const [name, id] = parts;
  if ((name === 'exam' || name === 'protocol' || name === 'mobile' || name === 'template' || name === 'replay' || name === 'conference' || name === 'committee') && id) return { name, id, params };
  const single = ['monitor', 'sessions', 'login', 'accounts', 'password', 'calendar', 'new-session', 'lms', 'console', 'templates', 'integrations', 'set-password', 'committee'] as const;
  if ((single as readonly string[]).includes(name)) return { name: name as (typeof single)[number], id: null, params };
  return { name: 'login', id: null, params };
}

export const router = $state({ route: parseRoute(typeof location === 'undefined' ? '' : location.hash) });

if (typeof window !== 'undefined') {
  window.addEventListener('hashchange', () => {
    router.route = parseRoute(location.hash);
  });
}

export function go(hash: string): void {
  if (location.hash === hash) router.route = parseRoute(hash);
  else location.hash = hash;
}
