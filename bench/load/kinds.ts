/** The test-takers' requests, by kind (shared by the worker and the report without loading the worker's module). */
export const KINDS = ['open', 'checkIn', 'start', 'metrics', 'violation', 'chat', 'segment'] as const;
export type Kind = (typeof KINDS)[number];
