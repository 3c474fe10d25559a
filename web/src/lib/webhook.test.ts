import { describe, expect, it } from 'vitest';
import { deliveryCounts, deliveryStatus, lastAnswer } from './webhook.js';

describe('a result delivery in words', () => {
  it('says the last answer: a status, the network error, or nothing tried yet', () => {
    expect(lastAnswer({ attempts: 2, lastStatus: 500, lastError: null })).toBe('HTTP 500');
    expect(lastAnswer({ attempts: 1, lastStatus: null, lastError: 'ECONNREFUSED' })).toBe('ECONNREFUSED');
    expect(lastAnswer({ attempts: 0, lastStatus: null, lastError: null })).toBe('not tried yet');
  });
  it('says the status with the attempts, and counts the deliveries by status', () => {
    expect(deliveryStatus({ status: 'delivered', attempts: 1 })).toBe('Delivered (1 attempt)');
    expect(deliveryStatus({ status: 'pending', attempts: 0 })).toBe('Pending');
    expect(deliveryStatus({ status: 'failed', attempts: 31 })).toBe('Gave up after 31 attempts');
    expect(deliveryCounts([{ status: 'delivered' }, { status: 'delivered' }, { status: 'failed' }])).toBe('2 delivered · 1 failed');
    expect(deliveryCounts([])).toBe('no deliveries yet');
  });
});
