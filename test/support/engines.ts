import { testPostgresUrl } from './servers.js';

const url = testPostgresUrl();

/** The SQL engines an API suite runs on: [name for the title, available here, the PostgreSQL URL or none for PGlite]. */
export const ENGINES: ReadonlyArray<readonly [string, boolean, string | undefined]> = [['on PGlite', true, undefined], ['on PostgreSQL', Boolean(url), url]];
