import { addHours } from 'date-fns';
import type { CampaignDefinition, Unit } from '../../functions/shared/domain/definition.ts';
import type { HazardCommandInput, ReportHazardInput } from '../../functions/shared/domain/hazard.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { daysAfter, type Instant, iso } from '../../functions/shared/domain/schedule.ts';
import { actOnHazard, reportHazard } from '../../functions/shared/use-cases/hazards.ts';

/**
 * The ledger part of the simulated campaign: from the start of rectification, grid workers find
 * hazards and units rectify them along every path of the lifecycle — fixed on the spot, fixed in
 * time, overdue and escalated up the whole ladder, failing verification three times (督办), declined
 * and reassigned (退单 → 改派), closed without a fix, and one left open and overdue. Deterministic.
 */

export type Schedule = (at: Instant, what: string, act: () => Promise<void>) => void;

interface Step {
  /** Days and hours after rectification starts (local midnight). */
  day: number;
  hour: number;
  by: 'reporter' | 'unit' | 'office' | 'other';
  command: HazardCommandInput | ((at: Instant) => HazardCommandInput);
}

interface Scenario {
  key: string;
  unit: Unit;
  report: Omit<ReportHazardInput, 'unitId' | 'reportedBy'>;
  day: number;
  hour: number;
  steps: Step[];
}

const pick = (units: Unit[], i: number): Unit => units[i % units.length] as Unit;

const deadline =
  (start: Instant, day: number, hour = 18) =>
  (): string =>
    iso(addHours(daysAfter(start, day, 'UTC'), hour));

export const planHazards = (
  store: CampaignStore,
  def: CampaignDefinition,
  rectifyStart: Instant,
  schedule: Schedule,
): void => {
  const units = def.organisation.units;
  const grids = units.filter((u) => u.kind === 'grid');
  const found = grids.length > 0 ? grids : units;
  const a = pick(found, 0);
  const b = pick(found, 1);
  const c = pick(found, 2);
  // A unit that can take a declined item: a department or company other than the decliner.
  const other =
    units.find((u) => ['department', 'propertyCompany', 'enterprise'].includes(u.kind) && u.id !== b.id) ??
    units.find((u) => u.id !== b.id) ??
    b;
  const office = def.organisation.office.head.name;
  const reporterOf = (u: Unit) => u.gridWorkers[0]?.name ?? u.liaison.name;
  const s = rectifyStart;
  const due = (day: number, hour = 18) => deadline(s, day, hour)();
  const evidence = (text: string, key: string) => ({ text, photos: [`photos/${key}-after.jpg`] });

  const scenarios: Scenario[] = [
    {
      key: 'on-the-spot-1',
      unit: a,
      report: {
        location: '商业街3号便利店',
        category: '消防通道',
        description: '安全出口处堆放纸箱',
        urgency: 'yellow',
        fixedOnSpot: evidence('当场督促店主清理纸箱，安全出口恢复畅通', 'on-the-spot-1'),
      },
      day: 2,
      hour: 10,
      steps: [],
    },
    {
      key: 'on-the-spot-2',
      unit: c,
      report: {
        location: '居民楼2单元楼道',
        category: '电动车违规充电',
        description: '楼道内私拉电线为电动车充电',
        urgency: 'red',
        fixedOnSpot: evidence('当场拆除私拉电线，电动车移至集中充电点', 'on-the-spot-2'),
      },
      day: 9,
      hour: 15,
      steps: [],
    },
    {
      key: 'in-time',
      unit: b,
      report: {
        location: '幸福路12号超市',
        category: '消防器材',
        description: '灭火器压力不足、已过检验期',
        urgency: 'yellow',
      },
      day: 3,
      hour: 9,
      steps: [
        {
          day: 3,
          hour: 10,
          by: 'office',
          command: { action: 'order', measures: '更换合格灭火器并建立月检记录', deadline: due(8) },
        },
        { day: 3, hour: 14, by: 'unit', command: { action: 'accept' } },
        {
          day: 6,
          hour: 16,
          by: 'unit',
          command: { action: 'submit', evidence: evidence('已更换4具灭火器，建立月检表', 'in-time') },
        },
        { day: 7, hour: 10, by: 'reporter', command: { action: 'verify', passed: true } },
      ],
    },
    {
      key: 'overdue',
      unit: a,
      report: {
        location: '老旧小区5号楼',
        category: '燃气安全',
        description: '独居老人家中燃气软管老化',
        urgency: 'blue',
      },
      day: 4,
      hour: 9,
      steps: [
        {
          day: 4,
          hour: 11,
          by: 'office',
          command: { action: 'order', measures: '联系燃气公司更换金属软管', deadline: due(10) },
        },
        { day: 5, hour: 9, by: 'unit', command: { action: 'accept' } },
        // Nothing happens until the ladder has reached the leading group; then the fix comes, late.
        {
          day: 23,
          hour: 10,
          by: 'unit',
          command: { action: 'submit', evidence: evidence('已更换金属软管并张贴安全提示', 'overdue') },
        },
        { day: 24, hour: 9, by: 'reporter', command: { action: 'verify', passed: true } },
      ],
    },
    {
      key: 'three-failures',
      unit: b,
      report: {
        location: '农贸市场东门',
        category: '消防通道',
        description: '消防通道被摊位长期占用',
        urgency: 'yellow',
      },
      day: 5,
      hour: 9,
      steps: [
        {
          day: 5,
          hour: 10,
          by: 'office',
          command: { action: 'order', measures: '清退占道摊位，施划禁停标线', deadline: due(12) },
        },
        { day: 5, hour: 15, by: 'unit', command: { action: 'accept' } },
        {
          day: 8,
          hour: 16,
          by: 'unit',
          command: { action: 'submit', evidence: evidence('已清退摊位', 'three-failures-1') },
        },
        {
          day: 9,
          hour: 10,
          by: 'reporter',
          command: { action: 'verify', passed: false, reason: '摊位回潮，通道仍被占用', deadline: due(14) },
        },
        {
          day: 11,
          hour: 16,
          by: 'unit',
          command: { action: 'submit', evidence: evidence('再次清退并设置隔离桩', 'three-failures-2') },
        },
        {
          day: 12,
          hour: 10,
          by: 'reporter',
          command: {
            action: 'verify',
            passed: false,
            reason: '隔离桩被移走，仍有车辆停放',
            deadline: due(17),
          },
        },
        {
          day: 15,
          hour: 16,
          by: 'unit',
          command: { action: 'submit', evidence: evidence('安装固定隔离桩', 'three-failures-3') },
        },
        {
          day: 16,
          hour: 10,
          by: 'reporter',
          command: { action: 'verify', passed: false, reason: '禁停标线未施划', deadline: due(21) },
        },
        {
          day: 19,
          hour: 16,
          by: 'unit',
          command: { action: 'submit', evidence: evidence('已施划标线并安排专人值守', 'three-failures-4') },
        },
        {
          day: 20,
          hour: 10,
          by: 'reporter',
          command: { action: 'verify', passed: true, reason: '通道畅通' },
        },
      ],
    },
    {
      key: 'declined',
      unit: b,
      report: {
        location: '锦绣花园地下车库',
        category: '消防设施',
        description: '车库消火栓箱内水带缺失',
        urgency: 'yellow',
      },
      day: 6,
      hour: 9,
      steps: [
        {
          day: 6,
          hour: 10,
          by: 'office',
          command: { action: 'order', measures: '补齐水带并检查消火栓', deadline: due(13) },
        },
        {
          day: 6,
          hour: 16,
          by: 'unit',
          command: { action: 'decline', reason: `车库消防设施由${other.name}负责维护，不属本单位职责` },
        },
        {
          day: 7,
          hour: 9,
          by: 'office',
          command: { action: 'reassign', responsibleUnit: other.id, deadline: due(14), reason: '按职责改派' },
        },
        { day: 7, hour: 14, by: 'other', command: { action: 'accept' } },
        {
          day: 12,
          hour: 16,
          by: 'other',
          command: { action: 'submit', evidence: evidence('已补齐水带并试水', 'declined') },
        },
        { day: 13, hour: 10, by: 'office', command: { action: 'verify', passed: true } },
      ],
    },
    {
      key: 'closed-unfixed',
      unit: c,
      report: {
        location: '城郊结合部空地',
        category: '违法建设',
        description: '空地上搭建彩钢板房用于仓储',
        urgency: 'blue',
      },
      day: 10,
      hour: 9,
      steps: [
        {
          day: 10,
          hour: 11,
          by: 'office',
          command: { action: 'order', measures: '责令停止使用并自行拆除', deadline: due(20) },
        },
        {
          day: 15,
          hour: 9,
          by: 'office',
          command: { action: 'close', reason: '涉及违法建设，社区无执法权，移交区城管执法局处理' },
        },
      ],
    },
    {
      key: 'left-open',
      unit: c,
      report: {
        location: '临街餐馆后厨',
        category: '燃气安全',
        description: '未安装燃气泄漏报警装置',
        urgency: 'blue',
      },
      day: 20,
      hour: 9,
      steps: [
        {
          day: 20,
          hour: 10,
          by: 'office',
          command: { action: 'order', measures: '安装燃气泄漏报警装置及切断阀', deadline: due(27) },
        },
        { day: 21, hour: 9, by: 'unit', command: { action: 'accept' } },
      ],
    },
  ];

  for (const scenario of scenarios) {
    const ids: { id?: string } = {};
    const reporter = reporterOf(scenario.unit);
    const reportAt = addHours(daysAfter(s, scenario.day, 'UTC'), scenario.hour);
    schedule(reportAt, `${reporter} reports hazard ${scenario.key} in ${scenario.unit.id}`, async () => {
      const item = await reportHazard(
        store,
        {
          campaignId: def.id,
          actor: reporter,
          report: { ...scenario.report, unitId: scenario.unit.id, reportedBy: reporter },
        },
        reportAt,
      );
      ids.id = item.id;
    });
    for (const step of scenario.steps) {
      const at = addHours(daysAfter(s, step.day, 'UTC'), step.hour);
      const actor =
        step.by === 'office'
          ? office
          : step.by === 'reporter'
            ? reporter
            : step.by === 'other'
              ? other.liaison.name
              : scenario.unit.liaison.name;
      const command = typeof step.command === 'function' ? step.command(at) : step.command;
      schedule(at, `${actor}: ${command.action} hazard ${scenario.key}`, async () => {
        if (!ids.id) throw new Error(`hazard ${scenario.key} was not reported before ${command.action}`);
        await actOnHazard(store, { campaignId: def.id, hazardId: ids.id, actor, command }, at);
      });
    }
  }
};
