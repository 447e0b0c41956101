import { type CampaignDefinition, LocalDate } from './definition.ts';
import { ValidationError } from './errors.ts';
import { cutoffsFrom, type Instant, localDateTime } from './schedule.ts';

/** The cutoff instant of a period key (the local date of its cutoff), refusing keys that are not cutoffs. */
export const cutoffOfPeriod = (def: CampaignDefinition, period: string): Instant => {
  if (!LocalDate.safeParse(period).success) {
    throw new ValidationError(`period "${period}" is not a date`, [
      { path: 'period', message: 'must be the cutoff date of a period, written YYYY-MM-DD' },
    ]);
  }
  const cutoff = localDateTime(period, def.reporting.cutoff.time, def.timeZone);
  const actual = cutoffsFrom(def.reporting, def.timeZone, cutoff).next().value;
  if (actual?.getTime() !== cutoff.getTime()) {
    throw new ValidationError(`period "${period}" is not a reporting cutoff date of this campaign`, [
      { path: 'period', message: `no ${def.reporting.cadence} cutoff falls on ${period}` },
    ]);
  }
  return cutoff;
};
