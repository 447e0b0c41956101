import type { Logger } from '../shared/adapters/logger.ts';
import { stepHandler } from '../shared/adapters/step-handler.ts';
import type { BulletinArchive, CampaignStore } from '../shared/domain/ports.ts';
import { StepEvent } from '../shared/domain/state.ts';
import { collectReports } from '../shared/use-cases/collect-reports.ts';

export interface CollectReportsDeps {
  store: CampaignStore;
  archive: BulletinArchive;
  logger: Logger;
}

/** Report moments: reminders before the cutoff, outcomes and escalations at the cutoff, the bulletin. */
export const makeCollectReportsHandler = ({ store, archive, logger }: CollectReportsDeps) =>
  stepHandler(
    logger,
    StepEvent,
    (e) => e.state.campaignId,
    async ({ state }) => {
      const next = await collectReports(store, archive, state);
      logger.info('report moment done', { moment: state.next.moment, period: state.next.period });
      return next;
    },
  );
