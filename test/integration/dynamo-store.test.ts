import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import { keys } from '../../functions/shared/adapters/table-design.ts';
import { NotFoundError } from '../../functions/shared/domain/errors.ts';
import type { Notification, TaskRecord } from '../../functions/shared/domain/records.ts';
import { freshStore } from '../support/local-db.ts';

const task = (
  id: string,
  nextCheckAt: string | undefined,
  status: TaskRecord['status'] = 'open',
): TaskRecord => ({
  id,
  title: `task ${id}`,
  lead: 'u1',
  participants: [],
  dueAt: '2027-06-01T16:00:00.000Z',
  status,
  nextCheckAt,
  notified: [],
});

const notification = (id: string, createdAt: string): Notification => ({
  id,
  campaignId: 'c1',
  kind: 'reportReminder',
  recipient: { key: 'unit:u1:liaison', role: 'liaison', unitId: 'u1', person: { name: '王敏' } },
  subject: 's',
  body: 'b',
  channel: 'sms',
  address: '13800000012',
  language: 'zh-CN',
  urgent: false,
  createdAt,
  status: 'pending',
  attempts: 0,
});

describe('DynamoCampaignStore on DynamoDB Local', () => {
  let store: DynamoCampaignStore;
  let ctx: Awaited<ReturnType<typeof freshStore>>;

  beforeAll(async () => {
    ctx = await freshStore();
    store = ctx.store;
  });

  describe('deadline index (sparse)', () => {
    it('returns only open items whose next check has come, and the earliest next check', async () => {
      // Prepare
      await store.putTask('c1', task('a', '2027-05-01T00:00:00.000Z'));
      await store.putTask('c1', task('b', '2027-05-02T00:00:00.000Z'));
      await store.putTask('c1', task('c', '2027-05-03T00:00:00.000Z'));
      await store.putTask('c1', task('done', '2027-05-01T00:00:00.000Z', 'done'));
      await store.putTask('c1', task('no-check', undefined));

      // Act
      const due = await store.itemsDue('c1', '2027-05-02T00:00:00.000Z');
      const earliest = await store.earliestItemDue('c1');

      // Assess
      expect(due.map((t) => t.id).sort()).toEqual(['a', 'b']);
      expect(earliest).toBe('2027-05-01T00:00:00.000Z');
    });

    it('drops an item from the index once it has no next check', async () => {
      await store.putTask('c2', task('x', '2027-05-01T00:00:00.000Z'));
      await store.putTask('c2', task('x', undefined));
      expect(await store.itemsDue('c2', '2028-01-01T00:00:00.000Z')).toEqual([]);
      expect(await store.earliestItemDue('c2')).toBeNull();
    });
  });

  describe('notification outbox', () => {
    it('keeps one copy of an id enqueued concurrently, and sending takes it off the pending index', async () => {
      // Prepare: ten concurrent enqueues of the same notification (a retried tick racing itself)
      const n = notification('same-id', '2027-05-10T01:00:00.000Z');

      // Act
      const added = await Promise.all(Array.from({ length: 10 }, () => store.enqueueNotifications([n])));
      const pendingBefore = await store.pendingNotifications('c1', 10);
      await store.markNotification('c1', 'same-id', {
        status: 'sent',
        at: '2027-05-10T01:00:01.000Z',
        deliveryId: 'd-1',
      });
      const pendingAfter = await store.pendingNotifications('c1', 10);

      // Assess
      expect(added.reduce((a, b) => a + b, 0)).toBe(1);
      expect(pendingBefore.map((p) => p.id)).toEqual(['same-id']);
      expect(pendingAfter).toEqual([]);
      const [sent] = await store.listNotifications('c1');
      expect(sent?.status).toBe('sent');
      expect(sent?.attempts).toBe(1);
    });

    it('lists pending notifications oldest first', async () => {
      await store.enqueueNotifications([
        { ...notification('late', '2027-05-11T03:00:00.000Z'), campaignId: 'c3' },
        { ...notification('early', '2027-05-11T01:00:00.000Z'), campaignId: 'c3' },
      ]);
      expect((await store.pendingNotifications('c3', 10)).map((p) => p.id)).toEqual(['early', 'late']);
    });
  });

  describe('audit trail', () => {
    it('appends events at the same instant without overwriting', async () => {
      const at = '2027-05-12T00:00:00.000Z';
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          store.appendAudit('c4', { at, actor: 'a', action: `x${i}`, detail: {} }),
        ),
      );
      expect((await store.listAudit('c4')).map((e) => e.action).sort()).toEqual([
        'x0',
        'x1',
        'x2',
        'x3',
        'x4',
      ]);
    });
  });

  describe('units', () => {
    it('replaces an existing unit, and refuses one the campaign does not have, writing nothing', async () => {
      // Prepare
      const unit = {
        id: 'u1',
        name: '东风社区',
        kind: 'community' as const,
        leader: { name: '张丽' },
        liaison: { name: '刘洋' },
        gridWorkers: [],
        reports: true,
      };
      await ctx.doc.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: { pk: keys.campaign('c6'), sk: keys.unit('u1'), ...unit },
        }),
      );

      // Act
      await store.putUnit('c6', { ...unit, liaison: { name: '王敏', phone: '13800000099' } });
      const stranger = await store.putUnit('c6', { ...unit, id: 'u2' }).catch((error: Error) => error);

      // Assess
      expect((await store.getUnit('c6', 'u1'))?.liaison).toEqual({ name: '王敏', phone: '13800000099' });
      expect(stranger).toEqual(new NotFoundError('unit "u2" is not a unit of campaign "c6"'));
      expect(await store.getUnit('c6', 'u2')).toBeNull();
    });
  });

  describe('item validation at the boundary', () => {
    it('refuses a malformed item instead of passing it on', async () => {
      await store.putTask('c5', task('ok', undefined));
      const raw = await ctx.doc.send(
        new GetCommand({ TableName: ctx.tableName, Key: { pk: keys.campaign('c5'), sk: keys.task('ok') } }),
      );
      expect(raw.Item?.status).toBe('open');
      await ctx.doc.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: { ...raw.Item, status: 'bogus' },
        }),
      );
      await expect(store.getTask('c5', 'ok')).rejects.toThrow(/status/);
    });
  });
});
