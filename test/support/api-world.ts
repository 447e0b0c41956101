import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeApiCampaignsHandler } from '../../functions/api-campaigns/handler.ts';
import { makeApiDocsHandler } from '../../functions/api-docs/handler.ts';
import { makeApiNotificationsHandler } from '../../functions/api-notifications/handler.ts';
import { makeApiWorkHandler } from '../../functions/api-work/handler.ts';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import type { ApiFunction } from '../../functions/shared/http/api-routes.ts';
import { matchRoute } from '../../functions/shared/http/match-route.ts';
import { createCampaign, launchCreated } from '../../functions/shared/use-cases/launch-campaign.ts';
import { type Answer, apiEvent, call, type EventOptions } from './api-events.ts';
import { MemoryBulletinArchive, MemoryCampaignStore, RecordingEngine } from './memory-store.ts';

/** The four API Lambdas on one memory store, with the minimal campaign created (and launched). */

export const CAMPAIGN = 'minimal-2027';
export const CREATED_AT = '2027-02-20T09:00:00+08:00';
export const fixtureYaml = (): string =>
  readFileSync(join(import.meta.dirname, '../fixtures/minimal.yaml'), 'utf8');
export const minimalDefinition = (): CampaignDefinition => parseDefinitionYaml(fixtureYaml(), 'minimal.yaml');

export const apiWorld = async (
  options: { campaign?: 'none' | 'draft' | 'launched'; logger?: Logger } = {},
) => {
  const store = new MemoryCampaignStore();
  const engine = new RecordingEngine();
  const archive = new MemoryBulletinArchive();
  const moved: string[] = [];
  const campaign = options.campaign ?? 'launched';
  if (campaign !== 'none') {
    await createCampaign(store, minimalDefinition(), instant(CREATED_AT), { actor: '王建国' });
    if (campaign === 'launched')
      await launchCreated(store, engine, CAMPAIGN, instant(CREATED_AT), { actor: '王建国' });
  }
  const logger = options.logger ?? new Logger('zhili-api-test', 'SILENT');
  const handlers: Record<ApiFunction, Parameters<typeof call>[0]> = {
    'api-campaigns': makeApiCampaignsHandler({
      store,
      engine,
      logger,
      checkResponses: true,
      afterWorkflowChange: async (at) => {
        moved.push(at.toISOString());
      },
    }),
    'api-work': makeApiWorkHandler({
      store,
      archive,
      engine,
      logger,
      checkResponses: true,
      afterWorkflowChange: async (at) => {
        moved.push(at.toISOString());
      },
    }),
    'api-notifications': makeApiNotificationsHandler({ store, logger, checkResponses: true }),
    'api-docs': makeApiDocsHandler({
      openApi: async () => ({ openapi: '3.1.0' }),
      logger,
      checkResponses: true,
    }),
  };
  /** Sends a request to the function that serves its route, as API Gateway does. */
  const api = <T = Record<string, unknown>>(
    method: string,
    path: string,
    eventOptions: EventOptions = {},
  ): Promise<Answer<T>> => {
    const match = matchRoute(method, path);
    if (match.kind !== 'route') throw new Error(`no route ${method} ${path}`);
    return call<T>(handlers[match.route.fn], apiEvent(method, path, eventOptions));
  };
  return { store, engine, archive, handlers, api, moved };
};
