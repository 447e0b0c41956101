import type { Logger } from '../shared/adapters/logger.ts';
import { makeApiHandler } from '../shared/http/api-handler.ts';
import { docsSchemas } from '../shared/http/schemas/docs.ts';

export interface ApiDocsDeps {
  /** The OpenAPI document served at /openapi.json. */
  openApi: () => Promise<Record<string, unknown>>;
  logger: Logger;
  /** Check every answer against its schema (tests, the local server). */
  checkResponses?: boolean;
}

/**
 * HTTP API: the public OpenAPI document. A function of its own, with no table, workflow or bucket
 * grant: the 54 KB document stays out of the functions that do the work.
 */
export const makeApiDocsHandler = ({ openApi, logger, checkResponses }: ApiDocsDeps) =>
  makeApiHandler({
    fn: 'api-docs',
    schemas: docsSchemas,
    routes: { getOpenApi: async () => openApi() },
    logger,
    checkResponses,
  });
