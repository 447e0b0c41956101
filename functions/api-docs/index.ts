import openApi from '../../openapi.json' with { type: 'json' };
import { createLogger } from '../shared/adapters/logger.ts';
import { makeApiDocsHandler } from './handler.ts';

export const handler = makeApiDocsHandler({
  // The committed document (npm run openapi; a unit test keeps it equal to the schemas).
  openApi: async () => openApi,
  logger: createLogger('zhili-api-docs'),
});
