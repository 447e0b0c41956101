import { describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS } from '../../functions/shared/domain/records.ts';
import {
  fill,
  LANGUAGES,
  render,
  TEMPLATES,
  type TemplatedKind,
  type TemplateParams,
  UNTEMPLATED_KINDS,
} from '../../functions/shared/notify/templates.ts';

/** Parameters of every kind, as the use cases pass them. */
const SAMPLE: TemplateParams = {
  phaseStart: {
    campaign: '安全生产专项整治',
    phase: '集中整治',
    from: '2026-09-28',
    until: '2026-10-30',
    notice: '请各单位落实。',
  },
  reportReminder: {
    campaign: '安全生产专项整治',
    unit: '东风社区',
    period: '2026-10-08',
    deadline: '2026-10-08 13:00',
    submitTo: '街道安委办',
  },
  reportOverdue: {
    campaign: '安全生产专项整治',
    unit: '东风社区',
    period: '2026-10-08',
    deadline: '2026-10-08 13:00',
    submitTo: '街道安委办',
  },
  reportEscalation: {
    campaign: '安全生产专项整治',
    period: '2026-10-08',
    submitTo: '街道安委办',
    units: ['东风社区'],
    leader: '张丽（社区党委书记）',
    liaison: '刘洋',
    toOffice: false,
  },
  weeklyBulletin: {
    campaign: '安全生产专项整治',
    period: '2026-10-08',
    expected: 3,
    onTime: 1,
    rate: 33,
    late: ['东风社区（迟报2小时0分）'],
    missing: ['东风派出所'],
    sitesChecked: 12,
    hazardsFound: 4,
    hazardsFixed: 3,
  },
  taskDueSoon: { campaign: '安全生产专项整治', unit: '东风社区', task: '防火检查', due: '2026-10-09 00:00' },
  taskOverdue: {
    campaign: '安全生产专项整治',
    unit: '东风社区',
    task: '防火检查',
    due: '2026-10-09 00:00',
    escalated: true,
  },
  phaseSummary: {
    campaign: '安全生产专项整治',
    phase: '集中整治',
    ended: '2026-10-30',
    periods: 5,
    rate: '80%',
    onTime: 12,
    expected: 15,
  },
  acceptanceResult: {
    campaign: '安全生产专项整治',
    attempt: 1,
    passScore: 80,
    failing: ['天山社区（72分）'],
    reRectify: true,
    nextRound: 1,
    days: 14,
    exhausted: false,
    maxRounds: 2,
  },
  inspectionCriticism: {
    campaign: '安全生产专项整治',
    unit: '天山社区',
    score: 72,
    passScore: 80,
    reRectify: true,
    days: 14,
  },
  monthlyCheck: { campaign: '安全生产专项整治', month: '2026-11', units: 10, openTasks: 1 },
  workflowFailure: {
    campaign: '安全生产专项整治',
    step: 'collectReports',
    at: '2026-10-08T05:00:00.000Z',
    error: 'CalendarCoverageError',
  },
};

const TEMPLATED = Object.keys(TEMPLATES) as TemplatedKind[];
const cases = TEMPLATED.flatMap((kind) => LANGUAGES.map((language) => [kind, language] as const));

describe('templates', () => {
  it('has one template per kind and language, but for the kinds listed as not templated yet', () => {
    expect([...TEMPLATED, ...UNTEMPLATED_KINDS].sort()).toEqual([...NOTIFICATION_KINDS].sort());
    for (const kind of TEMPLATED) expect(Object.keys(TEMPLATES[kind]).sort()).toEqual([...LANGUAGES].sort());
  });

  it.each(cases)(
    'renders %s in %s: subject, text and Markdown, every placeholder filled',
    (kind, language) => {
      // Act
      const out = render(kind, SAMPLE[kind] as TemplateParams[TemplatedKind], language);

      // Assess
      for (const part of [out.subject, out.text, out.markdown]) {
        expect(part.length).toBeGreaterThan(0);
        expect(part).not.toMatch(/\{[#^/]?\w+\}/);
        expect(part).not.toContain('undefined');
      }
      expect(out.subject).toContain('安全生产专项整治');
      expect(out.html).toContain('<h3>');
      // zh-CN reads Chinese, en reads English beyond the names it carries.
      if (language === 'en') expect(out.text).toMatch(/\b(the|is|are|of|and|to|for|in)\b/i);
      else expect(out.text).toMatch(/[请的已于阶段验收巡查失败任务]/);
    },
  );

  it("joins lists the language's way, and an empty list reads 无 / none", () => {
    expect(fill('{xs}', { xs: ['甲', '乙'] }, 'zh-CN')).toBe('甲、乙');
    expect(fill('{xs}', { xs: ['a', 'b'] }, 'en')).toBe('a, b');
    expect(fill('{xs}', { xs: [] }, 'zh-CN')).toBe('无');
    expect(fill('{xs}', { xs: [] }, 'en')).toBe('none');
  });

  it('keeps {#flag} sections for true or non-empty values and {^flag} sections otherwise', () => {
    const template = '{#until}至{until}{/until}{^until}长期{/until}';
    expect(fill(template, { until: '2026-10-30' }, 'zh-CN')).toBe('至2026-10-30');
    expect(fill(template, { until: '' }, 'zh-CN')).toBe('长期');
  });

  it('says "all passed" only when no unit failed, and the round limit only when exhausted', () => {
    const passed = render(
      'acceptanceResult',
      { ...SAMPLE.acceptanceResult, failing: [], reRectify: false, exhausted: false },
      'zh-CN',
    );
    const exhausted = render(
      'acceptanceResult',
      { ...SAMPLE.acceptanceResult, reRectify: false, exhausted: true },
      'en',
    );
    expect(passed.text).toContain('未达标单位：无');
    expect(passed.text).toContain('全部通过验收');
    expect(exhausted.text).toContain('limit of 2 re-rectification rounds');
    expect(exhausted.text).not.toContain('All passed');
  });

  it('refuses a placeholder without a parameter, and parameters of the wrong shape', () => {
    expect(() => fill('{nobody}', {}, 'zh-CN')).toThrow('{nobody}');
    expect(() => render('taskDueSoon', { campaign: 'x', unit: 'u', task: 't' } as never, 'zh-CN')).toThrow();
  });

  it("carries the bulletin's own Markdown to robots and its HTML to mail when given", () => {
    const out = render(
      'weeklyBulletin',
      {
        ...SAMPLE.weeklyBulletin,
        detailsMarkdown: '| 单位 | 状态 |',
        detailsHtml: '<table><tr><td>东风社区</td></tr></table>',
      },
      'zh-CN',
    );
    expect(out.markdown).toContain('| 单位 | 状态 |');
    expect(out.html).toBe('<table><tr><td>东风社区</td></tr></table>');
  });
});
