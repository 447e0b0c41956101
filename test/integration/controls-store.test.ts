import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import { keys } from '../../functions/shared/adapters/table-design.ts';
import { ConflictError } from '../../functions/shared/domain/errors.ts';
import type { ControlChange } from '../../functions/shared/domain/ports.ts';
import { daysAfter, instant, iso } from '../../functions/shared/domain/schedule.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import {
  advancePhase,
  closeCampaign,
  pauseCampaign,
  resumeCampaign,
} from '../../functions/shared/use-cases/controls.ts';
import { createCampaign, launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { startPhase } from '../../functions/shared/use-cases/phase-steps.ts';
import { campaignWalk } from '../support/campaign-walk.ts';
import { freshStore } from '../support/local-db.ts';
import { RecordingEngine } from '../support/memory-store.ts';

const { CAMPAIGN, LAUNCH, minimal, conflictOf, written } = campaignWalk();
const ADMIN = '李明';
const local = (at: string) => instant(`${at}+08:00`);

/** The minimal campaign launched on a fresh table, and mobilisation started (the checkpoint has a step's state). */
const launched = async () => {
  const ctx = await freshStore();
  const engine = new RecordingEngine();
  await launchCampaign(ctx.store, engine, minimal(), LAUNCH, { actor: ADMIN });
  const state = await startPhase(ctx.store, CampaignState.parse(engine.starts[0]?.input));
  return { ...ctx, engine, state };
};

describe('DynamoCampaignStore checkpoints under the administrator’s controls (DynamoDB Local)', () => {
  it('saves a step’s checkpoint only while its generation is current and the campaign runs', async () => {
    // Prepare
    const { store, engine, state } = await launched();
    const later = { ...state, steps: state.steps + 1 };

    // Act
    const whileRunning = await store.saveCheckpoint(later);
    await pauseCampaign(
      store,
      engine,
      { campaignId: CAMPAIGN, actor: ADMIN, reason: '督查' },
      local('2027-02-23T10:00'),
    );
    const paused = await store.getCheckpoint(CAMPAIGN);
    const whilePaused = await store.saveCheckpoint({ ...later, steps: later.steps + 1 });
    await resumeCampaign(
      store,
      engine,
      { campaignId: CAMPAIGN, actor: ADMIN, reason: '督查结束' },
      local('2027-02-23T11:00'),
    );
    const resumed = await store.getCheckpoint(CAMPAIGN);
    const staleAfterResume = await store.saveCheckpoint({ ...later, steps: later.steps + 2 });
    const current = CampaignState.parse(resumed?.state);
    const ofNewGeneration = await store.saveCheckpoint({ ...current, steps: current.steps + 1 });

    // Assess
    expect(whileRunning).toBe(true);
    expect(whilePaused).toBe(false);
    expect(paused).toMatchObject({ generation: 1, status: 'paused' });
    expect(paused?.state?.steps).toBe(later.steps);
    expect(staleAfterResume).toBe(false);
    expect(resumed).toMatchObject({ generation: 2, status: 'running' });
    expect(ofNewGeneration).toBe(true);
    expect((await store.getCheckpoint(CAMPAIGN))?.state?.steps).toBe(current.steps + 1);
  });

  it('refuses the checkpoint of the generation an advance or a close superseded', async () => {
    // Prepare
    const { store, engine, state } = await launched();
    await advancePhase(
      store,
      engine,
      { campaignId: CAMPAIGN, actor: ADMIN, reason: '提前' },
      local('2027-02-23T10:00'),
    );
    const afterAdvance = await store.getCheckpoint(CAMPAIGN);

    // Act
    const stale = await store.saveCheckpoint({ ...state, steps: state.steps + 1 });
    await closeCampaign(
      store,
      engine,
      { campaignId: CAMPAIGN, actor: ADMIN, reason: '结束' },
      local('2027-02-23T11:00'),
    );
    const g2 = CampaignState.parse(afterAdvance?.state);
    const afterClose = await store.saveCheckpoint({ ...g2, steps: g2.steps + 1 });

    // Assess
    expect(stale).toBe(false);
    expect(afterClose).toBe(false);
    expect(afterAdvance).toMatchObject({ generation: 2, status: 'running' });
    expect(await store.getCheckpoint(CAMPAIGN)).toMatchObject({ generation: 3, status: 'closed', state: g2 });
  });
});

describe('DynamoCampaignStore.applyControl (one transaction)', () => {
  /** A pause with a phase record beside it: every kind of item the transaction writes. */
  const changeFor = async (store: DynamoCampaignStore, state: CampaignState): Promise<ControlChange> => {
    const checkpoint = await store.getCheckpoint(CAMPAIGN);
    const at = iso(local('2027-02-23T10:00'));
    return {
      expect: { generation: 1, status: ['running'], rev: checkpoint?.rev ?? '' },
      set: { status: 'paused', pausedAt: at },
      remove: ['executionStartedAt'],
      checkpoint: { generation: 1, status: 'paused', state },
      audit: { at, actor: ADMIN, action: 'campaign.paused', detail: { reason: '督查' } },
      phase: { phase: 'mobilize', round: 0, startedAt: state.window?.start ?? at, plannedEnd: at },
    };
  };

  it('writes the campaign item, the checkpoint, the audit entry and the phase record together', async () => {
    // Prepare
    const { store, state } = await launched();
    const change = await changeFor(store, state);
    const before = await store.getCheckpoint(CAMPAIGN);

    // Act
    await store.applyControl(CAMPAIGN, change);

    // Assess
    const campaign = await store.getCampaign(CAMPAIGN);
    expect(campaign).toMatchObject({ status: 'paused', pausedAt: change.set.pausedAt, generation: 1 });
    expect(campaign?.executionStartedAt).toBeUndefined();
    const checkpoint = await store.getCheckpoint(CAMPAIGN);
    expect(checkpoint).toMatchObject({ generation: 1, status: 'paused' });
    expect(checkpoint?.state).toEqual(state);
    expect(checkpoint?.rev).not.toBe(before?.rev);
    expect((await store.listAudit(CAMPAIGN)).at(-1)).toEqual(change.audit);
    expect((await store.listPhases(CAMPAIGN)).find((p) => p.phase === 'mobilize')?.plannedEnd).toBe(
      change.audit.at,
    );
  });

  it.each([
    ['a stale checkpoint revision', (c: ControlChange) => ({ ...c, expect: { ...c.expect, rev: 'stale' } })],
    ['a generation moved on', (c: ControlChange) => ({ ...c, expect: { ...c.expect, generation: 2 } })],
    [
      'a status that changed',
      (c: ControlChange) => ({ ...c, expect: { ...c.expect, status: ['paused', 'closed'] as const } }),
    ],
  ])('writes nothing when one condition fails (%s): ConflictError', async (_, spoil) => {
    // Prepare
    const { store, state } = await launched();
    const change = spoil(await changeFor(store, state));
    const before = await written(store);

    // Act
    const error = await conflictOf(() => store.applyControl(CAMPAIGN, change));

    // Assess
    expect(error.message).toBe(`campaign "${CAMPAIGN}" changed meanwhile (its workflow moved on); try again`);
    expect(await written(store)).toEqual(before);
  });

  it('lets one of two controls reading the same revision win; the other writes nothing', async () => {
    // Prepare
    const { store, state } = await launched();
    const change = await changeFor(store, state);
    const close: ControlChange = {
      ...change,
      set: { status: 'closed', closedAt: change.audit.at, generation: 2, executionName: `${CAMPAIGN}-g2` },
      checkpoint: { generation: 2, status: 'closed', state },
      audit: { ...change.audit, action: 'campaign.closed' },
    };

    // Act
    const outcomes = await Promise.allSettled([
      store.applyControl(CAMPAIGN, change),
      store.applyControl(CAMPAIGN, close),
    ]);

    // Assess
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [refused] = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(ConflictError);
    const audit = (await store.listAudit(CAMPAIGN)).filter((a) => a.action.startsWith('campaign.'));
    const winner = audit.at(-1)?.action;
    expect(audit.map((a) => a.action)).toEqual(['campaign.created', 'campaign.launched', winner]);
    expect((await store.getCampaign(CAMPAIGN))?.status).toBe(
      winner === 'campaign.paused' ? 'paused' : 'closed',
    );
    expect((await store.getCheckpoint(CAMPAIGN))?.status).toBe(
      winner === 'campaign.paused' ? 'paused' : 'closed',
    );
  });
});

describe('DynamoCampaignStore.recentAudit', () => {
  it('reads the latest entries newest first, as the whole trail has them in reverse', async () => {
    // Prepare
    const { store } = await launched();
    const trail = await store.listAudit(CAMPAIGN);

    // Act
    const recent = await store.recentAudit(CAMPAIGN, 2);

    // Assess
    expect(trail.length).toBeGreaterThan(2);
    expect(recent).toEqual(trail.slice(-2).reverse());
  });
});

describe('DynamoCampaignStore.listCampaigns (the registry partition)', () => {
  it('lists every created campaign newest first, drafts included, and skips a create that stopped half-way', async () => {
    // Prepare
    const { store, doc, tableName } = await freshStore();
    const engine = new RecordingEngine();
    await launchCampaign(store, engine, minimal(), LAUNCH, { actor: ADMIN });
    await createCampaign(
      store,
      { ...minimal(), id: 'draft-2027', title: '草稿' },
      daysAfter(LAUNCH, 1, 'UTC'),
      {
        actor: ADMIN,
      },
    );
    // A registry entry whose campaign item never got written (the create crashed in between).
    await doc.send(
      new PutCommand({
        TableName: tableName,
        Item: { pk: keys.registry, sk: keys.campaign('half-way'), id: 'half-way', createdAt: null },
      }),
    );

    // Act
    const campaigns = await store.listCampaigns();

    // Assess
    expect(campaigns.map((c) => [c.id, c.status])).toEqual([
      ['draft-2027', 'draft'],
      [CAMPAIGN, 'running'],
    ]);
  });
});
