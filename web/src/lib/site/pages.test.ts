import { describe, expect, it } from 'vitest';
import type { Route } from '../router.svelte.js';
import { isCurrent, sitePages } from './pages.js';

const labels = (role: Parameters<typeof sitePages>[0]) => sitePages(role).map((p) => p.label);

describe('the pages on every top bar', () => {
  it('gives an administrator every page, in the order of the work', () => {
    expect(labels({ username: 'admin', role: 'admin' })).toEqual([
      'Monitor', 'Console', 'New session', 'Calendar', 'Templates', 'Accounts', 'Integrations', 'LMS', 'Password',
    ]);
  });

  it('gives each other role only the pages it may use', () => {
    expect(labels({ username: 'p', role: 'proctor' })).toEqual(['Monitor', 'Calendar', 'Templates', 'Password']);
    expect(labels({ username: 'a', role: 'auditor' })).toEqual(['Monitor', 'Templates', 'Accounts', 'Password']);
    expect(labels({ username: 's', role: 'student' })).toEqual(['My sessions', 'Password']);
    expect(labels({ username: 'c', role: 'committee' })).toEqual(['Reviews', 'Password']);
    expect(labels(null)).toEqual([]);
  });

  it('marks the page open now, a template editor under Templates', () => {
    const admin = sitePages({ username: 'admin', role: 'admin' });
    const current = (name: Route['name'], id: string | null = null) =>
      admin.filter((p) => isCurrent(p, { name, id, params: new URLSearchParams() })).map((p) => p.label);
    expect(current('template', 't-1')).toEqual(['Templates']);
    expect(current('console')).toEqual(['Console']);
    expect(current('protocol', 's-1')).toEqual([]);
  });
});
