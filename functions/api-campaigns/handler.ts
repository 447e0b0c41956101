import type { Logger } from '../shared/adapters/logger.ts';
import { makeApiHandler } from '../shared/http/api-handler.ts';
import { campaignSchemas } from '../shared/http/schemas/campaigns.ts';
import { type CampaignRoutesDeps, campaignRoutes } from './routes.ts';

export interface ApiCampaignsDeps extends CampaignRoutesDeps {
  logger: Logger;
  /** Check every answer against its schema (tests, the local server). */
  checkResponses?: boolean;
}

/** HTTP API: definitions, campaigns and their steering, units, the audit trail. */
export const makeApiCampaignsHandler = ({ logger, checkResponses, ...deps }: ApiCampaignsDeps) =>
  makeApiHandler({
    fn: 'api-campaigns',
    schemas: campaignSchemas,
    routes: campaignRoutes(deps),
    logger,
    checkResponses,
  });
