/**
 * Imported first by bench/api.ts, so it runs before graphql-js and Apollo are loaded: the benchmark measures the
 * server as deployed (the Dockerfile sets NODE_ENV=production; graphql-js then skips its multi-realm `instanceOf`
 * checks, which cost several per cent of a request otherwise), and logs nothing.
 */
process.env.NODE_ENV ??= 'production';
process.env.LOG_LEVEL = 'silent';
