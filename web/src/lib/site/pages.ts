import type { Route } from '../router.svelte.js';
import { mayOpen, type Viewer } from '../permissions.js';

/** A page of the site's top bar: where it is, what it is called, and the routes it stands for (the current one is marked). */
export interface SitePage {
  readonly href: string;
  readonly label: string;
  readonly routes: readonly Route['name'][];
}

const staff = (user: Viewer | null | undefined) => !!user && user.role !== 'student' && user.role !== 'committee';

/**
 * The pages a signed-in person may open, in the order of the work: watching, the sessions and their templates, people
 * and integrations, then their own password. Every page's top bar lists the same ones, so any page is one click away.
 */
export function sitePages(user: Viewer | null | undefined): SitePage[] {
  const pages: Array<SitePage | false> = [
    staff(user) && { href: '#/monitor', label: 'Monitor', routes: ['monitor'] },
    user?.role === 'student' && { href: '#/sessions', label: 'My sessions', routes: ['sessions'] },
    user?.role === 'committee' && { href: '#/committee', label: 'Reviews', routes: ['committee'] },
    mayOpen(user, 'console') && { href: '#/console', label: 'Console', routes: ['console'] },
    mayOpen(user, 'new-session') && { href: '#/new-session', label: 'New session', routes: ['new-session'] },
    mayOpen(user, 'calendar') && { href: '#/calendar', label: 'Calendar', routes: ['calendar'] },
    mayOpen(user, 'templates') && { href: '#/templates', label: 'Templates', routes: ['templates', 'template'] },
    (user?.role === 'admin' || user?.role === 'auditor') && { href: '#/accounts', label: 'Accounts', routes: ['accounts'] },
    user?.role === 'admin' && { href: '#/integrations', label: 'Integrations', routes: ['integrations'] },
    mayOpen(user, 'lms') && { href: '#/lms', label: 'LMS', routes: ['lms'] },
    !!user && { href: '#/password', label: 'Password', routes: ['password'] },
  ];
  return pages.filter((p): p is SitePage => p !== false && !!p);
}

/** Whether `page` is the one open now (a template's editor belongs to Templates). */
export const isCurrent = (page: SitePage, route: Route) => page.routes.includes(route.name);
