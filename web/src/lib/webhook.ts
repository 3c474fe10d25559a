import type { IntegrationWebhookData } from './graphql.generated.js';

export type DeliveryView = IntegrationWebhookData['integrationWebhook']['deliveries'][number];

/** The last answer of a delivery in words: the HTTP status, or why there was none. */
export function lastAnswer(d: Pick<DeliveryView, 'attempts' | 'lastStatus' | 'lastError'>): string {
  if (d.attempts === 0) return 'not tried yet';
  if (d.lastStatus !== null) return `HTTP ${d.lastStatus}`;
  return d.lastError ?? 'no answer';
}

/** The status column: delivered, pending (and when next) or failed, with the number of attempts. */
export function deliveryStatus(d: Pick<DeliveryView, 'status' | 'attempts'>): string {
  const tries = `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`;
  if (d.status === 'delivered') return `Delivered (${tries})`;
  if (d.status === 'failed') return `Gave up after ${tries}`;
  return d.attempts === 0 ? 'Pending' : `Pending (${tries})`;
}

/** "2 delivered · 1 pending · 1 failed", for the panel's summary line. */
export function deliveryCounts(deliveries: readonly Pick<DeliveryView, 'status'>[]): string {
  if (deliveries.length === 0) return 'no deliveries yet';
  const counts = { delivered: 0, pending: 0, failed: 0 };
  for (const d of deliveries) counts[d.status] += 1;
  return (Object.entries(counts) as [string, number][]).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(' · ');
}
