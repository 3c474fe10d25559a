import { defaultFieldResolver, GraphQLID, type GraphQLArgument, type GraphQLSchema } from 'graphql';
import { ValidationError } from '../domain/core/errors.js';
import type { ApiContext } from './context.js';

const COMMAND_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/**
 * Gives every mutation an optional `commandId`: a client that retries a request (its connection dropped before the
 * answer came) sends the same id, and the retry appends nothing and answers as the first run did. The commands a
 * mutation runs take their ids from it (see `Core.scoped`); event ids derive from those, which the store keeps unique.
 */
export function withCommandIds(schema: GraphQLSchema): GraphQLSchema {
  const mutations = schema.getMutationType();
  if (!mutations) return schema;
  for (const field of Object.values(mutations.getFields())) {
    if (field.args.some((a) => a.name === 'commandId')) continue;
    (field.args as GraphQLArgument[]).push({
      name: 'commandId',
      description: 'Your id for this request (1–100 letters, digits or _ . : -): sent again with a retry, nothing is done twice and the first answer comes back.',
      type: GraphQLID,
      defaultValue: undefined,
      deprecationReason: undefined,
      extensions: {},
      astNode: undefined,
    });
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: ApiContext, info) => {
      const commandId = (args as { commandId?: string | null }).commandId;
      if (commandId == null) return resolve(source, args, context, info);
      if (!COMMAND_ID.test(String(commandId))) throw new ValidationError('commandId must be 1–100 letters, digits or _ . : -', { field: 'commandId' });
      return resolve(source, args, { ...context, core: context.core.scoped(String(commandId), context.actor) }, info);
    };
  }
  return schema;
}
