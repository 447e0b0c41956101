import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itemsForScore, scoreChecklist } from '../../functions/shared/domain/checklist.ts';
import type { CampaignDefinition, ChecklistItem } from '../../functions/shared/domain/definition.ts';
import { DefinitionError, ValidationError } from '../../functions/shared/domain/errors.ts';
import { parseDefinition, parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import { recordInspection } from '../../functions/shared/use-cases/actors.ts';
import { checkDeadlines } from '../../functions/shared/use-cases/check-deadlines.ts';
import { collectReports } from '../../functions/shared/use-cases/collect-reports.ts';
import { launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { acceptanceGate, closePhase, startPhase } from '../../functions/shared/use-cases/phase-steps.ts';
import { MemoryBulletinArchive, MemoryCampaignStore, RecordingEngine } from '../support/memory-store.ts';

const fixturePath = join(import.meta.dirname, '../fixtures/minimal.yaml');
const minimal = (): CampaignDefinition => parseDefinitionYaml(readFileSync(fixturePath, 'utf8'), fixturePath);
const examples = join(import.meta.dirname, '../../examples');
const example = (file: string) =>
  parseDefinitionYaml(readFileSync(join(examples, file), 'utf8'), file).acceptance.checklist;

const FIRE: ChecklistItem[] = [
  { id: 'fire-equipment', item: '消防器材', points: 20 },
  { id: 'fire-rules', item: '防火制度', points: 20 },
  { id: 'duty', item: '值守情况', points: 20 },
  { id: 'patrol', item: '巡查情况', points: 20 },
  { id: 'emergency-plan', item: '应急预案', points: 20 },
];

const withChecklist = (checklist: ChecklistItem[]): CampaignDefinition => {
  const def = minimal();
  return { ...def, acceptance: { ...def.acceptance, checklist } };
};

describe('inspection checklists in the definition', () => {
  it('ships plan 9’s ten-item estate standard and plan 1’s five fire-safety items, 100 points each', () => {
    const estate = example('estate-environment.yaml');
    const safety = example('safety-production.yaml');
    expect(estate).toHaveLength(10);
    expect(safety.map((i) => i.id)).toEqual([
      'fire-equipment',
      'fire-rules',
      'duty',
      'patrol',
      'emergency-plan',
    ]);
    for (const list of [estate, safety]) expect(list.reduce((n, i) => n + i.points, 0)).toBe(100);
  });

  it('refuses a checklist whose points do not add up to 100, or with a duplicate id', () => {
    const def = minimal();
    const input = {
      ...def,
      acceptance: { ...def.acceptance, checklist: [...FIRE.slice(0, 4), { ...FIRE[0], points: 10 }] },
    };
    try {
      parseDefinition(input, 'bad-checklist');
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as DefinitionError).issues).toEqual([
        {
          path: 'acceptance.checklist',
          message: "the checklist's points add up to 90; they must add up to 100",
        },
        { path: 'acceptance.checklist[4].id', message: 'duplicate checklist item id "fire-equipment"' },
      ]);
    }
  });
});

describe('scoring against a checklist', () => {
  it('sums the items; itemsForScore builds items that sum to a score', () => {
    expect(
      scoreChecklist(FIRE, {
        'fire-equipment': 18,
        'fire-rules': 20,
        duty: 15,
        patrol: 12.5,
        'emergency-plan': 10,
      }),
    ).toBe(75.5);
    expect(scoreChecklist(FIRE, itemsForScore(FIRE, 72))).toBe(72);
    expect(itemsForScore(FIRE, 72)).toEqual({
      'fire-equipment': 0,
      'fire-rules': 12,
      duty: 20,
      patrol: 20,
      'emergency-plan': 20,
    });
  });

  it('refuses unknown items, missing items and points outside an item’s range, naming each', () => {
    const error = (() => {
      try {
        scoreChecklist(FIRE, { 'fire-equipment': 25, 'fire-rules': 20, duty: 20, patrol: 20, bogus: 1 });
      } catch (e) {
        return e as ValidationError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues.map((i) => i.path)).toEqual([
      'items.bogus',
      'items.emergency-plan',
      'items.fire-equipment',
    ]);
    expect(error.message).toMatch(/25 is outside 0–20 points/);
  });
});

const CAMPAIGN = 'minimal-2027';
const archive = new MemoryBulletinArchive();
const STEPS = {
  startPhase,
  collectReports: (store: MemoryCampaignStore, state: CampaignState) => collectReports(store, archive, state),
  checkDeadlines,
  closePhase,
  gate: acceptanceGate,
} as const;

/** Launches and walks the workflow to its first acceptance gate, recording `scores` during the inspection. */
const toGate = async (def: CampaignDefinition, record: (store: MemoryCampaignStore) => Promise<void>) => {
  const store = new MemoryCampaignStore();
  const engine = new RecordingEngine();
  await launchCampaign(store, engine, def, instant('2027-02-20T09:00:00+08:00'), { actor: 'office-admin' });
  let state = CampaignState.parse(engine.starts[0]?.input);
  let recorded = false;
  while (state.next.action !== 'gate') {
    if (state.phase === 'inspect' && state.phaseStatus === 'running' && !recorded) {
      recorded = true;
      await record(store);
    }
    state = await STEPS[state.next.action as keyof typeof STEPS](store, state);
  }
  return { store, state };
};

describe('recording inspections and the acceptance result', () => {
  it('stores the checklist items and their sum; refuses a mismatch or items without a checklist, writing nothing', async () => {
    const { store } = await toGate(withChecklist(FIRE), async (s) => {
      const at = instant('2027-03-23T10:00:00+08:00');
      const base = { campaignId: CAMPAIGN, round: 0, inspector: '李明' };
      await recordInspection(s, { ...base, unitId: 'police-station', items: itemsForScore(FIRE, 86) }, at);
      const writes = s.writes;
      await expect(
        recordInspection(
          s,
          { ...base, unitId: 'dongfeng-community', items: itemsForScore(FIRE, 86), score: 90 },
          at,
        ),
      ).rejects.toThrow(/does not match the checklist items' sum 86/);
      await expect(
        recordInspection(s, { ...base, unitId: 'dongfeng-community', items: { duty: 20 } }, at),
      ).rejects.toThrow(ValidationError);
      expect(s.writes).toBe(writes);
    });
    const [inspection] = await store.listInspections(CAMPAIGN, 0);
    expect(inspection).toMatchObject({ unitId: 'police-station', score: 86, items: itemsForScore(FIRE, 86) });

    const plain = new MemoryCampaignStore();
    await launchCampaign(plain, new RecordingEngine(), minimal(), instant('2027-02-20T09:00:00+08:00'), {
      actor: 'office-admin',
    });
    await expect(
      recordInspection(
        plain,
        { campaignId: CAMPAIGN, round: 0, unitId: 'police-station', inspector: '李明', items: { duty: 20 } },
        instant('2027-03-23T10:00:00+08:00'),
      ),
    ).rejects.toThrow(/has no checklist/);
  });

  it('praises units at 90 or more and criticises units under 80, to the leaders and every inspected unit; failing units go back', async () => {
    // Prepare
    const { store, state } = await toGate(minimal(), async (s) => {
      const at = instant('2027-03-23T10:00:00+08:00');
      const base = { campaignId: CAMPAIGN, round: 0, inspector: '李明' };
      await recordInspection(s, { ...base, unitId: 'dongfeng-community', score: 95 }, at);
      await recordInspection(s, { ...base, unitId: 'dongfeng-grid-1', score: 85 }, at);
      await recordInspection(s, { ...base, unitId: 'police-station', score: 72 }, at);
    });

    // Act
    const after = await acceptanceGate(store, state);
    await acceptanceGate(store, state);

    // Assess
    const notices = (await store.listNotifications(CAMPAIGN)).filter(
      (n) => n.kind === 'praiseNotice' || n.kind === 'criticismNotice',
    );
    const recipients = (kind: string) =>
      notices
        .filter((n) => n.kind === kind)
        .map((n) => n.recipient.key)
        .sort();
    const everyone = [
      'leadingGroup:leader',
      'office:head',
      'unit:dongfeng-community:liaison',
      'unit:dongfeng-grid-1:liaison',
      'unit:police-station:liaison',
    ];
    expect(recipients('praiseNotice')).toEqual(everyone);
    expect(recipients('criticismNotice')).toEqual(everyone);
    const praise = notices.find((n) => n.kind === 'praiseNotice');
    expect(praise?.body).toBe(
      '对验收得分90分以上的东风社区居委会（95分）予以通报表彰。排名：1. 东风社区居委会 95分；2. 东风社区第一网格 85分；3. 东风派出所 72分。',
    );
    expect(notices.find((n) => n.kind === 'criticismNotice')?.body).toMatch(
      /^东风派出所（72分）验收得分低于80分，予以通报批评/,
    );
    expect(after).toMatchObject({ phase: 'rectify', round: 1 });
    expect((await store.getCampaign(CAMPAIGN))?.reRectifyUnits).toEqual(['police-station']);
  });
});
