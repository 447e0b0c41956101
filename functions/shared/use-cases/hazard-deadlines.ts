import type { CampaignDefinition, Unit } from '../domain/definition.ts';
import type { HazardRecord } from '../domain/hazard.ts';
import { dueHazardNotices, hazardDrafts, nextHazardCheck } from '../domain/hazard-notices.ts';
import type { Draft } from '../domain/notifications.ts';
import type { Instant } from '../domain/schedule.ts';

export type HazardMark = Pick<HazardRecord, 'id' | 'version' | 'sent' | 'nextCheckAt'>;

/**
 * The ledger's part of the deadline check, for the hazards the sparse index says are due: the
 * notices owed now, and each item's bookkeeping (keys settled, next check). The caller queues the
 * drafts first and writes the marks after, so a tick that fails in between is retried into the same
 * notification ids, which the outbox keeps once.
 */
export const planHazardChecks = (
  def: CampaignDefinition,
  at: Instant,
  hazards: HazardRecord[],
  units: Map<string, Unit>,
): { drafts: Draft[]; marks: HazardMark[] } => {
  const drafts: Draft[] = [];
  const marks: HazardMark[] = [];
  for (const item of hazards) {
    const unit = units.get(item.responsibleUnit);
    const foundIn = units.get(item.unitId) ?? unit;
    const { send, settle } = dueHazardNotices(item, at);
    if (unit && foundIn) {
      for (const key of send) drafts.push(...hazardDrafts(item, key, { def, unit, foundIn }));
    }
    const sent = [...item.sent, ...settle];
    // A unit that vanished cannot be told anything: the item leaves the index instead of waking us forever.
    const nextCheckAt = unit ? nextHazardCheck({ ...item, sent }) : undefined;
    marks.push({ id: item.id, version: item.version, sent, nextCheckAt });
  }
  return { drafts, marks };
};
