import { describe, expect, it } from 'vitest';
import { issueView, viewRefusal } from './views.js';

describe('a recording view', () => {
  const secret = 'test-secret-test-secret-test-secret-0001';
  const view = issueView(secret, 's1', 'auditor1', 'v-1', 2_000);

  it('lets its viewer fetch the session’s segments until it expires', () => {
    expect(viewRefusal(secret, view, 's1', 'auditor1', 1_999)).toBeNull();
    expect(viewRefusal(secret, view, 's1', 'auditor1', 2_000)).toMatch(/expired/);
  });

  it('is worth nothing to another viewer, for another session, under another secret, or altered', () => {
    expect(viewRefusal(secret, view, 's1', 'proctor1', 0)).toMatch(/not for this session and viewer/);
    expect(viewRefusal(secret, view, 's2', 'auditor1', 0)).toMatch(/not for this session and viewer/);
    expect(viewRefusal('another-secret-another-secret-another', view, 's1', 'auditor1', 0)).toMatch(/not for this session/);
    expect(viewRefusal(secret, view.replace('.2000.', '.9999.'), 's1', 'auditor1', 0)).toMatch(/not for this session/);
    expect(viewRefusal(secret, `${view}.x`, 's1', 'auditor1', 0)).toMatch(/malformed/);
    expect(viewRefusal(secret, undefined, 's1', 'auditor1', 0)).toMatch(/open a view first/);
  });
});
