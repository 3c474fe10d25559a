import { GraphQLDateTimeISO, GraphQLJSON } from 'graphql-scalars';

/** ISO-8601 instants with milliseconds, in UTC. */
export const DateTime = GraphQLDateTimeISO;
/** Free-form JSON (event payloads, metric values). */
export const JSON = GraphQLJSON;
