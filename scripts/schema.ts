// Writes schema.graphql from the resolvers, or with --check fails when the committed file differs.
import { schemaSdl } from '../src/api/schema.js';
import { writeOrCheck } from './generated-file.js';

writeOrCheck(new URL('../schema.graphql', import.meta.url), 'schema.graphql', await schemaSdl(), 'the resolvers: run `npm run schema` and commit it.');
