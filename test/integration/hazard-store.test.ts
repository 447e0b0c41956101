import { addHours } from 'date-fns';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import { ConflictError } from '../../functions/shared/domain/errors.ts';
import {
  applyHazardCommand,
  type HazardChange,
  type HazardContext,
  reportHazard,
} from '../../functions/shared/domain/hazard.ts';
import { nextHazardCheck } from '../../functions/shared/domain/hazard-notices.ts';
import type { AuditEvent, TaskRecord } from '../../functions/shared/domain/records.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import { freshStore } from '../support/local-db.ts';

const T0 = instant('2027-03-02T09:00:00+08:00');
const ctx = (actor = '陈刚', hours = 0): HazardContext => ({
  at: addHours(T0, hours),
  actor,
  actorIsOffice: actor === '李明',
  unitExists: () => true,
});
const auditOf = (change: HazardChange): AuditEvent => ({
  at: change.event.at,
  actor: change.event.actor,
  action: `hazard.${change.event.action}`,
  detail: { hazardId: change.item.id },
});
const withCheck = (change: HazardChange): HazardChange => ({
  ...change,
  item: { ...change.item, nextCheckAt: nextHazardCheck(change.item) },
});

const REPORT = {
  unitId: 'grid-1',
  location: '幸福路12号',
  category: '消防通道',
  description: '安全出口堆放杂物',
  urgency: 'red' as const,
  reportedBy: '陈刚',
};

const task = (id: string, nextCheckAt: string): TaskRecord => ({
  id,
  title: id,
  lead: 'grid-1',
  participants: [],
  dueAt: nextCheckAt,
  status: 'open',
  nextCheckAt,
  notified: [],
});

describe('hazards on DynamoDB Local', () => {
  let store: DynamoCampaignStore;

  beforeAll(async () => {
    store = (await freshStore()).store;
  });

  it('writes item, trail entry and audit entry together; refuses a second report and a stale write, writing nothing', async () => {
    // Prepare
    const created = withCheck(reportHazard('h1', REPORT, ctx()));
    await store.saveHazard('h1', created.item, created.event, auditOf(created));
    const ordered = withCheck(
      applyHazardCommand(created.item, { action: 'order', measures: '清理' }, ctx('李明', 1)),
    );
    await store.saveHazard('h1', ordered.item, ordered.event, auditOf(ordered));

    // Act: both refusals settle before anything is asserted, so neither rejects unobserved.
    const stale = withCheck(
      applyHazardCommand(created.item, { action: 'close', reason: 'x' }, ctx('李明', 2)),
    );
    const [duplicate, staleWrite] = await Promise.allSettled([
      store.saveHazard('h1', created.item, created.event, auditOf(created)),
      store.saveHazard('h1', stale.item, stale.event, auditOf(stale)),
    ]);

    // Assess
    expect(duplicate.status === 'rejected' && duplicate.reason).toBeInstanceOf(ConflictError);
    expect(duplicate.status === 'rejected' && String(duplicate.reason)).toMatch(/already been reported/);
    expect(staleWrite.status === 'rejected' && String(staleWrite.reason)).toMatch(
      /changed by someone else meanwhile/,
    );
    expect(await store.getHazard('h1', created.item.id)).toEqual(ordered.item);
    expect((await store.listHazardEvents('h1', created.item.id)).map((e) => [e.seq, e.to])).toEqual([
      [1, 'reported'],
      [2, 'ordered'],
    ]);
    expect((await store.listAudit('h1')).map((a) => a.action)).toEqual(['hazard.report', 'hazard.order']);
    expect(await store.listHazards('h1')).toHaveLength(1);
  });

  it('tasks and hazards share the sparse index: one read returns both, closed hazards leave it', async () => {
    // Prepare
    await store.putTask('h2', task('t1', '2027-03-02T02:00:00.000Z'));
    const open = withCheck(reportHazard('h2', { ...REPORT, description: 'open' }, ctx()));
    const ordered = withCheck(applyHazardCommand(open.item, { action: 'order', measures: 'x' }, ctx('李明')));
    await store.saveHazard('h2', open.item, open.event, auditOf(open));
    await store.saveHazard('h2', ordered.item, ordered.event, auditOf(ordered));
    const fixed = withCheck(
      reportHazard('h2', { ...REPORT, description: 'fixed', fixedOnSpot: { text: '当场整改' } }, ctx()),
    );
    await store.saveHazard('h2', fixed.item, fixed.event, auditOf(fixed));

    // Act
    const due = await store.dueItems('h2', '2027-03-02T03:00:00.000Z');
    const tasksOnly = await store.itemsDue('h2', '2027-03-02T03:00:00.000Z');
    const earliest = await store.earliestItemDue('h2');

    // Assess
    expect(due.tasks.map((t) => t.id)).toEqual(['t1']);
    expect(due.hazards.map((h) => h.id)).toEqual([ordered.item.id]);
    expect(tasksOnly.map((t) => t.id)).toEqual(['t1']);
    expect(earliest).toBe('2027-03-02T01:00:00.000Z');
  });

  it('records the check (sent keys, next check) unless a transition moved the item on; no next check leaves the index', async () => {
    // Prepare
    const open = withCheck(reportHazard('h3', REPORT, ctx()));
    const ordered = withCheck(applyHazardCommand(open.item, { action: 'order', measures: 'x' }, ctx('李明')));
    await store.saveHazard('h3', open.item, open.event, auditOf(open));
    await store.saveHazard('h3', ordered.item, ordered.event, auditOf(ordered));

    // Act
    const moved = await store.markHazardChecked('h3', {
      id: ordered.item.id,
      version: ordered.item.version,
      sent: ['notice#1'],
      nextCheckAt: '2027-03-02T02:00:00.000Z',
    });
    const staleMark = await store.markHazardChecked('h3', {
      id: ordered.item.id,
      version: 1,
      sent: [],
      nextCheckAt: undefined,
    });
    const afterMove = await store.dueItems('h3', '2027-03-02T02:00:00.000Z');
    const off = await store.markHazardChecked('h3', {
      id: ordered.item.id,
      version: ordered.item.version,
      sent: ['notice#1', 'all'],
      nextCheckAt: undefined,
    });

    // Assess
    expect([moved, staleMark, off]).toEqual([true, false, true]);
    expect(afterMove.hazards.map((h) => h.sent)).toEqual([['notice#1']]);
    expect(await store.dueItems('h3', '2030-01-01T00:00:00.000Z')).toEqual({ tasks: [], hazards: [] });
    expect(await store.earliestItemDue('h3')).toBeNull();
    expect((await store.getHazard('h3', ordered.item.id))?.sent).toEqual(['notice#1', 'all']);
  });
});
