/**
 * Who is signed in in this tab. Kept in sessionStorage, so two windows of one browser can be a proctor and a
 * test-taker at the same time (as in the demo).
 */
export interface User {
  username: string;
  role: 'admin' | 'proctor' | 'student' | 'auditor' | 'integrator' | 'committee';
  displayName: string;
}

const KEY = 'proctor.auth';

function load(): { token: string | null; user: User | null } {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw) return JSON.parse(raw);
  } catch {
    // storage unavailable or corrupt: start signed out
  }
  return { token: null, user: null };
}

export const auth = $state(load());

/** Signs in as `user`, as the server returned it: the schema types the role as a string, and it is always one of User's. */
export function signIn(token: string, user: Omit<User, 'role'> & { role: string }): void {
  const known = user as User;
  auth.token = token;
  auth.user = known;
  sessionStorage.setItem(KEY, JSON.stringify({ token, user: known }));
}

export function signOut(): void {
  auth.token = null;
  auth.user = null;
  sessionStorage.removeItem(KEY);
}
