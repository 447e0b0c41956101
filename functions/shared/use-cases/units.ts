import { type Person, personIssues, StoredDefinition, type Unit } from '../domain/definition.ts';
import { ConflictError, type FieldIssue, ValidationError } from '../domain/errors.ts';
import { formatPath } from '../domain/parse-definition.ts';
import type { CampaignStore } from '../domain/ports.ts';
import { type Instant, iso } from '../domain/schedule.ts';
import { unitOf } from './actors.ts';
import { loadCampaign } from './advance.ts';

export interface UnitMembersInput {
  campaignId: string;
  unitId: string;
  leader?: Person;
  liaison?: Person;
  gridWorkers?: Person[];
  reason?: string;
  actor: string;
}

/**
 * Changes a unit's people (leader, liaison, grid workers): the next notifications go to them. The
 * change is recorded in the audit trail with who, when and why. Refused for a closed campaign and
 * for people the campaign cannot reach as described; nothing is written then.
 */
export const updateUnitMembers = async (
  store: CampaignStore,
  input: UnitMembersInput,
  at: Instant,
): Promise<Unit> => {
  const record = await loadCampaign(store, input.campaignId);
  if (record.status === 'closed') {
    throw new ConflictError(`campaign "${input.campaignId}" is closed; its units no longer change`);
  }
  const def = StoredDefinition.parse(record.definition);
  const unit = await unitOf(store, input.campaignId, input.unitId);
  const people: [(string | number)[], Person][] = [
    ...(input.leader ? [[['leader'], input.leader] as [string[], Person]] : []),
    ...(input.liaison ? [[['liaison'], input.liaison] as [string[], Person]] : []),
    ...(input.gridWorkers ?? []).map((p, i): [(string | number)[], Person] => [['gridWorkers', i], p]),
  ];
  const robots = new Set(def.notifications.robots.map((r) => r.id));
  const issues: FieldIssue[] = people.flatMap(([path, person]) =>
    personIssues(person, robots).map((i) => ({ path: formatPath([...path, ...i.path]), message: i.message })),
  );
  if (issues.length > 0) {
    throw new ValidationError(
      `unit members are invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const changed = (['leader', 'liaison', 'gridWorkers'] as const).filter((k) => input[k] !== undefined);
  const next: Unit = {
    ...unit,
    ...(input.leader ? { leader: input.leader } : {}),
    ...(input.liaison ? { liaison: input.liaison } : {}),
    ...(input.gridWorkers ? { gridWorkers: input.gridWorkers } : {}),
  };
  await store.putUnit(input.campaignId, next);
  await store.appendAudit(input.campaignId, {
    at: iso(at),
    actor: input.actor,
    action: 'unit.membersChanged',
    detail: { unitId: unit.id, changed, ...(input.reason ? { reason: input.reason } : {}) },
  });
  return next;
};
