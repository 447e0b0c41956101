import { localTime as localTimeIn } from '../../functions/shared/domain/schedule.ts';
import { type ApiClient, ApiError } from './api-client.ts';

/** Human output: instants in the campaign's time zone, and the server's clock. */

/** The campaign's IANA time zone, from its status (human output only: --json prints instants as sent). */
export const zoneOf = async (api: ApiClient, campaignId: string): Promise<string> =>
  (await api.call('getCampaign', { params: { campaignId } })).data.campaign.timeZone;

/** An instant as local date and time in `zone`, e.g. 2027-03-02 09:00. */
export const localTime = (iso: string | null | undefined, zone: string): string =>
  iso ? localTimeIn(iso, zone) : '';

/**
 * The server's now: the local server's virtual clock when it has one (GET /_local/clock), else the
 * wall clock (a deployed API runs on it).
 */
export const serverNow = async (api: ApiClient): Promise<string> => {
  try {
    const answer = (await api.local('GET', '/_local/clock')) as { clock?: unknown };
    if (typeof answer.clock === 'string') return answer.clock;
  } catch (error) {
    if (!(error instanceof ApiError) || error.failure.status !== 404) throw error;
  }
  return new Date().toISOString();
};
