import type { Logger } from '@aws-lambda-powertools/logger';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { CampaignStore } from '../shared/domain/ports.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { collectReports } from '../shared/use-cases/collect-reports.ts';

export interface CollectReportsDeps {
  store: CampaignStore;
  logger: Logger;
}

/** Report moments: reminders before the cutoff, outcomes at the cutoff, the bulletin. */
export const makeCollectReportsHandler = ({ store, logger }: CollectReportsDeps) =>
  stepHandler(
    logger,
    StepEvent,
    (e) => e.state.campaignId,
    async ({ state }) => {
      const next = await collectReports(store, state);
      logger.info('report moment done', { moment: state.next.moment, period: state.next.period });
      return next;
    },
  );
