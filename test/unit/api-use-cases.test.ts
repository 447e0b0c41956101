import { describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError, ValidationError } from '../../functions/shared/domain/errors.ts';
import type { Notification } from '../../functions/shared/domain/records.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import { completeTask, recordInspection } from '../../functions/shared/use-cases/actors.ts';
import { closeCampaign } from '../../functions/shared/use-cases/controls.ts';
import { actOnHazard, reportHazard } from '../../functions/shared/use-cases/hazards.ts';
import { retryDeadLetters } from '../../functions/shared/use-cases/outbox.ts';
import { bulletinDocument, listReports } from '../../functions/shared/use-cases/reads.ts';
import { updateUnitMembers } from '../../functions/shared/use-cases/units.ts';
import { apiWorld, CAMPAIGN } from '../support/api-world.ts';

/** The use cases the HTTP API added or extended; the routes' own tests are in api-*.test.ts. */

const AT = instant('2027-03-02T09:00:00+08:00');

const reported = async (store: Awaited<ReturnType<typeof apiWorld>>['store'], by = '陈刚') =>
  reportHazard(
    store,
    {
      campaignId: CAMPAIGN,
      actor: by,
      report: {
        unitId: 'dongfeng-grid-1',
        location: '幸福路12号',
        category: '消防通道',
        description: '安全出口堆放杂物',
        reportedBy: by,
      },
    },
    AT,
  );

describe('who speaks for the office in the ledger', () => {
  it('is decided by the name when no override is given (the CLI), and by the override when it is (the API)', async () => {
    // Prepare
    const { store } = await apiWorld();
    const item = await reported(store);
    const close = { action: 'close' as const, reason: '重复上报' };

    // Act: the office head by name, with and without the API saying otherwise; a stranger whom the API says speaks for the office.
    const byName = await reportHazard(
      store,
      {
        campaignId: CAMPAIGN,
        actor: '李明',
        report: {
          unitId: 'police-station',
          location: '站前路',
          category: '治安',
          description: '路灯损坏',
          reportedBy: '李明',
        },
      },
      AT,
    );
    const overruled = await actOnHazard(
      store,
      { campaignId: CAMPAIGN, hazardId: byName.id, actor: '李明', asOffice: false, command: close },
      AT,
    ).catch((error: Error) => error);
    const stranger = await actOnHazard(
      store,
      { campaignId: CAMPAIGN, hazardId: item.id, actor: 'ops-admin', asOffice: true, command: close },
      AT,
    );
    const cliOffice = await actOnHazard(
      store,
      { campaignId: CAMPAIGN, hazardId: byName.id, actor: '李明', command: close },
      AT,
    );

    // Assess
    expect(overruled).toBeInstanceOf(ForbiddenError);
    expect((overruled as Error).message).toBe(
      `李明 may not close without a fix hazard ${byName.id}: only the office may`,
    );
    expect(stranger.state).toBe('closedUnfixed');
    expect(cliOffice.state).toBe('closedUnfixed');
  });

  it('lets a check refuse the item as read, before the rules, writing nothing', async () => {
    // Prepare
    const { store } = await apiWorld();
    const item = await reported(store);
    const writes = store.writes;

    // Act
    const refused = await actOnHazard(
      store,
      {
        campaignId: CAMPAIGN,
        hazardId: item.id,
        actor: '陈刚',
        command: { action: 'order', measures: '清理' },
        check: () => {
          throw new NotFoundError('hidden');
        },
      },
      AT,
    ).catch((error: Error) => error);

    // Assess
    expect(refused).toEqual(new NotFoundError('hidden'));
    expect(store.writes).toBe(writes);
  });
});

describe('people between the wakes', () => {
  it('records an inspection in the campaign’s current round by default and returns it', async () => {
    // Prepare
    const { store } = await apiWorld();

    // Act
    const inspection = await recordInspection(
      store,
      { campaignId: CAMPAIGN, unitId: 'police-station', score: 85, inspector: '李明' },
      AT,
    );

    // Assess
    expect(inspection).toEqual({
      unitId: 'police-station',
      round: 0,
      score: 85,
      inspector: '李明',
      at: '2027-03-02T01:00:00.000Z',
      notes: '',
    });
    expect(await store.listInspections(CAMPAIGN, 0)).toEqual([inspection]);
  });

  it('completes a task, returning it, unless the check refuses it first', async () => {
    // Prepare
    const { store } = await apiWorld();
    const writes = store.writes;

    // Act
    const refused = await completeTask(
      store,
      {
        campaignId: CAMPAIGN,
        taskId: 'shop-fire-check',
        actor: '孙伟',
        check: (task) => {
          throw new ForbiddenError(`led by ${task.lead}`);
        },
      },
      AT,
    ).catch((error: Error) => error);
    const unchanged = store.writes;
    const done = await completeTask(
      store,
      { campaignId: CAMPAIGN, taskId: 'shop-fire-check', actor: '刘洋' },
      AT,
    );

    // Assess
    expect(refused).toEqual(new ForbiddenError('led by dongfeng-community'));
    expect(unchanged).toBe(writes);
    expect(done).toMatchObject({ id: 'shop-fire-check', status: 'done', doneAt: '2027-03-02T01:00:00.000Z' });
    expect(done.nextCheckAt).toBeUndefined();
  });
});

describe('updateUnitMembers', () => {
  it('replaces the people named and records who, when and why', async () => {
    // Prepare
    const { store } = await apiWorld();

    // Act
    const unit = await updateUnitMembers(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'police-station',
        liaison: { name: '周敏', phone: '13800000031' },
        reason: '人员调整',
        actor: '李明',
      },
      AT,
    );

    // Assess
    expect(unit.liaison).toEqual({ name: '周敏', phone: '13800000031' });
    expect(unit.leader.name).toBe('赵强');
    expect((await store.getUnit(CAMPAIGN, 'police-station'))?.liaison.name).toBe('周敏');
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual({
      at: '2027-03-02T01:00:00.000Z',
      actor: '李明',
      action: 'unit.membersChanged',
      detail: { unitId: 'police-station', changed: ['liaison'], reason: '人员调整' },
    });
  });

  it('refuses people the campaign cannot reach as described, naming the field, and writes nothing', async () => {
    // Prepare
    const { store } = await apiWorld();
    const writes = store.writes;

    // Act
    const refused = await updateUnitMembers(
      store,
      {
        campaignId: CAMPAIGN,
        unitId: 'police-station',
        gridWorkers: [
          { name: '周敏', robot: 'no-such-robot' },
          { name: '钱亮', channels: ['email'] },
        ],
        actor: '李明',
      },
      AT,
    ).catch((error: Error) => error);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([
      {
        path: 'gridWorkers[0].robot',
        message: 'unknown robot "no-such-robot"; it must be one of notifications.robots',
      },
      { path: 'gridWorkers[1].channels[0]', message: "email needs the person's email, which is not given" },
    ]);
    expect(store.writes).toBe(writes);
  });

  it('refuses a unit the campaign does not have and a closed campaign', async () => {
    // Prepare
    const { store, engine } = await apiWorld();
    const input = { campaignId: CAMPAIGN, unitId: 'nowhere', liaison: { name: '周敏' }, actor: '李明' };

    // Act
    const unknown = await updateUnitMembers(store, input, AT).catch((error: Error) => error);
    await closeCampaign(store, engine, { campaignId: CAMPAIGN, actor: '王建国', reason: '结束' }, AT);
    const closed = await updateUnitMembers(store, { ...input, unitId: 'police-station' }, AT).catch(
      (error: Error) => error,
    );

    // Assess
    expect(unknown).toEqual(new NotFoundError('unit "nowhere" is not a unit of campaign "minimal-2027"'));
    expect((closed as Error).message).toBe('campaign "minimal-2027" is closed; its units no longer change');
  });
});

describe('reads and the outbox', () => {
  it('names an unknown unit when listing its reports, and a missing bulletin document', async () => {
    // Prepare
    const { store, archive } = await apiWorld();

    // Act
    const unit = await listReports(store, CAMPAIGN, { unitId: 'nowhere' }).catch((error: Error) => error);
    const bulletin = await bulletinDocument(store, archive, CAMPAIGN, '2027-03-08', 'md').catch(
      (error: Error) => error,
    );

    // Assess
    expect(unit).toEqual(new NotFoundError('unit "nowhere" is not a unit of campaign "minimal-2027"'));
    expect((bulletin as Error).message).toMatch(
      /^campaign "minimal-2027" has no bulletin for period 2027-03-08/,
    );
  });

  it('puts dead letters back and records it, and records nothing when there was none', async () => {
    // Prepare
    const { store } = await apiWorld();
    const dead: Notification = {
      id: 'n-dead',
      campaignId: CAMPAIGN,
      kind: 'reportReminder',
      recipient: { key: 'unit:police-station:liaison', role: 'liaison', person: { name: '孙伟' } },
      channel: 'sms',
      language: 'zh-CN',
      subject: 's',
      body: 'b',
      urgent: false,
      createdAt: '2027-03-01T00:00:00.000Z',
      status: 'pending',
      attempts: 0,
    };
    await store.enqueueNotifications([dead]);
    await store.markNotification(CAMPAIGN, 'n-dead', {
      status: 'dead',
      at: '2027-03-01T00:01:00.000Z',
      error: 'x',
    });
    const audits = (await store.listAudit(CAMPAIGN)).length;

    // Act
    const none = await retryDeadLetters(
      store,
      { campaignId: CAMPAIGN, ids: ['n-unknown'], actor: '李明' },
      AT,
    );
    const afterNone = (await store.listAudit(CAMPAIGN)).length;
    const retried = await retryDeadLetters(store, { campaignId: CAMPAIGN, actor: '李明' }, AT);

    // Assess
    expect(none).toEqual([]);
    expect(afterNone).toBe(audits);
    expect(retried).toEqual(['n-dead']);
    expect((await store.listNotifications(CAMPAIGN, 'pending')).map((n) => n.id)).toEqual(['n-dead']);
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toMatchObject({
      actor: '李明',
      action: 'notifications.retried',
      detail: { ids: ['n-dead'] },
    });
  });
});
