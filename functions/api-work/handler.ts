import type { Logger } from '../shared/adapters/logger.ts';
import { makeApiHandler } from '../shared/http/api-handler.ts';
import { workSchemas } from '../shared/http/schemas/work.ts';
import { type WorkRoutesDeps, workRoutes } from './routes.ts';

export interface ApiWorkDeps extends WorkRoutesDeps {
  logger: Logger;
  /** Check every answer against its schema (tests, the local server). */
  checkResponses?: boolean;
}

/** HTTP API: weekly reports, bulletins, inspections, tasks and the hazard ledger. */
export const makeApiWorkHandler = ({ logger, checkResponses, ...deps }: ApiWorkDeps) =>
  makeApiHandler({
    fn: 'api-work',
    schemas: workSchemas,
    routes: workRoutes({ ...deps, logger }),
    logger,
    checkResponses,
  });
