import * as z from 'zod/mini';
import type { NotificationKind } from '../domain/records.ts';

/**
 * Message templates as data: one per notification kind and language, zh-CN by default with en
 * available. A template is text with `{name}` placeholders and `{#flag}…{/flag}` sections
 * (kept when the parameter is true or a non-empty string or list; `{^flag}…{/flag}` when it is
 * not). Lists are joined the language's way ("、" or ", ") and an empty one reads 无 / none.
 * Each kind's parameters are a zod schema, so a use case that passes the wrong ones fails in its
 * tests, not in a citizen's phone.
 *
 * API: `render(kind, params, language)` → `{ subject, text, markdown, html }`.
 */

export const LANGUAGES = ['zh-CN', 'en'] as const;
export const Language = z.enum(LANGUAGES);
export type Language = z.infer<typeof Language>;

/**
 * The hazard ledger's notices and the circulated praise and criticism (issue 4) still build their
 * own Chinese texts; they are the kinds without a template yet.
 */
export const UNTEMPLATED_KINDS = [
  'hazardNotice',
  'hazardDueSoon',
  'hazardOverdue',
  'hazardDeclined',
  'hazardSupervised',
  'praiseNotice',
  'criticismNotice',
] as const satisfies readonly NotificationKind[];
export type TemplatedKind = Exclude<NotificationKind, (typeof UNTEMPLATED_KINDS)[number]>;

const text = z.string();
const list = z.array(z.string());
const count = z.number();

export const TEMPLATE_PARAMS = {
  phaseStart: z.object({
    campaign: text,
    phase: text,
    from: text,
    until: z._default(text, ''),
    notice: text,
  }),
  reportReminder: z.object({ campaign: text, unit: text, period: text, deadline: text, submitTo: text }),
  reportOverdue: z.object({ campaign: text, unit: text, period: text, deadline: text, submitTo: text }),
  reportEscalation: z.object({
    campaign: text,
    period: text,
    submitTo: text,
    units: list,
    /** To a unit leader: who they are and whom to push; to the office: the list of units. */
    leader: text,
    liaison: text,
    toOffice: z.boolean(),
  }),
  weeklyBulletin: z.object({
    campaign: text,
    /** The bulletin's own title (第N期情况通报) when it has one. */
    title: z._default(text, ''),
    period: text,
    expected: count,
    onTime: count,
    rate: count,
    late: list,
    missing: list,
    sitesChecked: count,
    hazardsFound: count,
    hazardsFixed: count,
    /** The full bulletin when one was written (issue 3): Markdown for robots, HTML for mail. */
    detailsMarkdown: z._default(text, ''),
    detailsHtml: z._default(text, ''),
  }),
  taskDueSoon: z.object({ campaign: text, unit: text, task: text, due: text }),
  /** `level`: the rung of the escalation ladder (1 the liaison, then leader, office, leading group). */
  taskOverdue: z.object({
    campaign: text,
    unit: text,
    task: text,
    due: text,
    escalated: z.boolean(),
    level: z._default(count, 1),
  }),
  phaseSummary: z.object({
    campaign: text,
    phase: text,
    ended: text,
    periods: count,
    rate: text,
    onTime: count,
    expected: count,
  }),
  acceptanceResult: z.object({
    campaign: text,
    attempt: count,
    passScore: count,
    failing: list,
    reRectify: z.boolean(),
    nextRound: count,
    days: count,
    exhausted: z.boolean(),
    maxRounds: count,
  }),
  inspectionCriticism: z.object({
    campaign: text,
    unit: text,
    score: count,
    passScore: count,
    reRectify: z.boolean(),
    days: count,
  }),
  monthlyCheck: z.object({ campaign: text, month: text, units: count, openTasks: count }),
  workflowFailure: z.object({ campaign: text, step: text, at: text, error: text }),
} satisfies Record<TemplatedKind, z.ZodMiniObject>;

export type TemplateParams = { [K in TemplatedKind]: z.input<(typeof TEMPLATE_PARAMS)[K]> };

interface Template {
  subject: string;
  /** Plain text: SMS and the text part of mail. */
  text: string;
  /** Markdown: group robots. */
  markdown: string;
}

export const TEMPLATES: Record<TemplatedKind, Record<Language, Template>> = {
  phaseStart: {
    'zh-CN': {
      subject: '【{campaign}】{phase}阶段开始',
      text: '{phase}阶段自{from}起{#until}，至{until}止{/until}。{notice}',
      markdown:
        '### {phase}阶段开始\n\n{phase}阶段自**{from}**起{#until}，至**{until}**止{/until}。\n\n{notice}',
    },
    en: {
      subject: '[{campaign}] {phase} phase begins',
      text: 'The {phase} phase runs from {from}{#until} to {until}{/until}. {notice}',
      markdown:
        '### {phase} phase begins\n\nThe {phase} phase runs from **{from}**{#until} to **{until}**{/until}.\n\n{notice}',
    },
  },
  reportReminder: {
    'zh-CN': {
      subject: '【{campaign}】请于{deadline}前报送本期进展',
      text: '{unit}：本期（{period}）工作进展尚未报送，请于{deadline}前报送{submitTo}。',
      markdown: '**{unit}**：本期（{period}）工作进展尚未报送，请于**{deadline}**前报送{submitTo}。',
    },
    en: {
      subject: '[{campaign}] Progress report due by {deadline}',
      text: '{unit}: your progress report for {period} is not in yet; please send it to {submitTo} by {deadline}.',
      markdown:
        '**{unit}**: your progress report for {period} is not in yet; please send it to {submitTo} by **{deadline}**.',
    },
  },
  reportOverdue: {
    'zh-CN': {
      subject: '【{campaign}】本期进展逾期未报',
      text: '{unit}：本期（{period}）工作进展已超过{deadline}截止时间仍未报送，请立即补报{submitTo}。',
      markdown:
        '**{unit}**：本期（{period}）工作进展已超过**{deadline}**截止时间仍未报送，请立即补报{submitTo}。',
    },
    en: {
      subject: '[{campaign}] Progress report overdue',
      text: '{unit}: the progress report for {period} was due at {deadline} and has not arrived; send it to {submitTo} now.',
      markdown:
        '**{unit}**: the progress report for {period} was due at **{deadline}** and has not arrived; send it to {submitTo} now.',
    },
  },
  reportEscalation: {
    'zh-CN': {
      subject: '【{campaign}】{^toOffice}{units}{/toOffice}连续两期未报送工作进展',
      text: '{^toOffice}{leader}：{units}上期和本期（{period}）均未向{submitTo}报送工作进展，请督促联络员{liaison}立即补报。{/toOffice}{#toOffice}截至本期（{period}）截止时间，以下单位连续两期未报送工作进展：{units}。已通知各单位主要负责人。{/toOffice}',
      markdown:
        '**督办** {^toOffice}{leader}：**{units}**上期和本期（{period}）均未向{submitTo}报送工作进展，请督促联络员{liaison}立即补报。{/toOffice}{#toOffice}截至本期（{period}）截止时间，以下单位连续两期未报送工作进展：**{units}**。已通知各单位主要负责人。{/toOffice}',
    },
    en: {
      subject: '[{campaign}] {^toOffice}{units}: {/toOffice}no progress report two periods running',
      text: "{^toOffice}{leader}: {units} sent {submitTo} no progress report last period nor this one ({period}); please have the liaison {liaison} send it now.{/toOffice}{#toOffice}At this period's cutoff ({period}) these units have sent no report two periods running: {units}. Their leaders have been told.{/toOffice}",
      markdown:
        "**Escalated** {^toOffice}{leader}: **{units}** sent {submitTo} no progress report last period nor this one ({period}); please have the liaison {liaison} send it now.{/toOffice}{#toOffice}At this period's cutoff ({period}) these units have sent no report two periods running: **{units}**. Their leaders have been told.{/toOffice}",
    },
  },
  weeklyBulletin: {
    'zh-CN': {
      subject: '【{campaign}】{#title}{title}{/title}{^title}第{period}期情况通报{/title}',
      text: '{campaign} {#title}{title}{/title}{^title}第{period}期情况通报{/title}\n应报{expected}个单位，按时上报{onTime}个（{rate}%）。\n迟报：{late}。\n未报：{missing}。\n本期检查点位{sitesChecked}处，发现隐患{hazardsFound}处，已整改{hazardsFixed}处。',
      markdown:
        '{#detailsMarkdown}{detailsMarkdown}{/detailsMarkdown}{^detailsMarkdown}### 第{period}期情况通报\n\n- 应报{expected}个单位，按时上报{onTime}个（{rate}%）\n- 迟报：{late}\n- 未报：{missing}\n- 检查点位{sitesChecked}处，发现隐患{hazardsFound}处，已整改{hazardsFixed}处{/detailsMarkdown}',
    },
    en: {
      subject: '[{campaign}] {#title}{title}{/title}{^title}Bulletin for {period}{/title}',
      text: '{campaign}: {#title}{title}{/title}{^title}bulletin for {period}{/title}\n{onTime} of {expected} units reported on time ({rate}%).\nLate: {late}.\nMissing: {missing}.\nSites checked {sitesChecked}, hazards found {hazardsFound}, fixed {hazardsFixed}.',
      markdown:
        '{#detailsMarkdown}{detailsMarkdown}{/detailsMarkdown}{^detailsMarkdown}### Bulletin for {period}\n\n- {onTime} of {expected} units reported on time ({rate}%)\n- Late: {late}\n- Missing: {missing}\n- Sites checked {sitesChecked}, hazards found {hazardsFound}, fixed {hazardsFixed}{/detailsMarkdown}',
    },
  },
  taskDueSoon: {
    'zh-CN': {
      subject: '【{campaign}】任务即将到期：{task}',
      text: '{unit}牵头的任务「{task}」将于{due}到期，请抓紧完成并报送。',
      markdown: '**{unit}**牵头的任务「{task}」将于**{due}**到期，请抓紧完成并报送。',
    },
    en: {
      subject: '[{campaign}] Task due soon: {task}',
      text: 'The task "{task}" led by {unit} is due at {due}; please finish it and report.',
      markdown: 'The task "{task}" led by **{unit}** is due at **{due}**; please finish it and report.',
    },
  },
  taskOverdue: {
    'zh-CN': {
      subject: '【{campaign}】任务逾期{#escalated}（第{level}级催办）{/escalated}：{task}',
      text: '{unit}牵头的任务「{task}」已于{due}到期仍未完成，请说明情况并限期完成。',
      markdown:
        '{#escalated}**督办** {/escalated}**{unit}**牵头的任务「{task}」已于**{due}**到期仍未完成，请说明情况并限期完成。',
    },
    en: {
      subject: '[{campaign}] Task overdue{#escalated} (escalation {level}){/escalated}: {task}',
      text: 'The task "{task}" led by {unit} was due at {due} and is not done; explain and set a date to finish.',
      markdown:
        '{#escalated}**Escalated** {/escalated}The task "{task}" led by **{unit}** was due at **{due}** and is not done; explain and set a date to finish.',
    },
  },
  phaseSummary: {
    'zh-CN': {
      subject: '【{campaign}】{phase}阶段小结',
      text: '{phase}阶段于{ended}结束：共{periods}期报告，按时上报率{rate}（{onTime}/{expected}）。',
      markdown:
        '### {phase}阶段小结\n\n{phase}阶段于{ended}结束：共{periods}期报告，按时上报率**{rate}**（{onTime}/{expected}）。',
    },
    en: {
      subject: '[{campaign}] {phase} phase summary',
      text: 'The {phase} phase ended on {ended}: {periods} reporting periods, {rate} on time ({onTime}/{expected}).',
      markdown:
        '### {phase} phase summary\n\nThe {phase} phase ended on {ended}: {periods} reporting periods, **{rate}** on time ({onTime}/{expected}).',
    },
  },
  acceptanceResult: {
    'zh-CN': {
      subject: '【{campaign}】验收结果',
      text: '第{attempt}次验收（合格线{passScore}分）：未达标单位：{failing}。{#reRectify}以上单位进入第{nextRound}轮再整改，限期{days}天。{/reRectify}{#exhausted}已达再整改轮次上限（{maxRounds}轮），转入长效管理并予以通报批评。{/exhausted}{^failing}全部通过验收，转入长效管理。{/failing}',
      markdown:
        '### 第{attempt}次验收结果\n\n合格线{passScore}分。未达标单位：{failing}。\n\n{#reRectify}以上单位进入第{nextRound}轮再整改，限期{days}天。{/reRectify}{#exhausted}已达再整改轮次上限（{maxRounds}轮），转入长效管理并予以通报批评。{/exhausted}{^failing}全部通过验收，转入长效管理。{/failing}',
    },
    en: {
      subject: '[{campaign}] Acceptance result',
      text: 'Acceptance inspection {attempt} (pass mark {passScore}): below the mark: {failing}.{#reRectify} These units rectify again (round {nextRound}) within {days} days.{/reRectify}{#exhausted} The limit of {maxRounds} re-rectification rounds is reached: long-term upkeep follows, with a public criticism.{/exhausted}{^failing} All passed; long-term upkeep follows.{/failing}',
      markdown:
        '### Acceptance inspection {attempt}\n\nPass mark {passScore}. Below the mark: {failing}.\n\n{#reRectify}These units rectify again (round {nextRound}) within {days} days.{/reRectify}{#exhausted}The limit of {maxRounds} re-rectification rounds is reached: long-term upkeep follows, with a public criticism.{/exhausted}{^failing}All passed; long-term upkeep follows.{/failing}',
    },
  },
  inspectionCriticism: {
    'zh-CN': {
      subject: '【{campaign}】验收未达标通知',
      text: '{unit}验收得分{score}分，低于{passScore}分。{#reRectify}请于{days}天内完成再整改。{/reRectify}',
      markdown:
        '**{unit}**验收得分**{score}**分，低于{passScore}分。{#reRectify}请于**{days}天**内完成再整改。{/reRectify}',
    },
    en: {
      subject: '[{campaign}] Acceptance not passed',
      text: '{unit} scored {score}, below the pass mark of {passScore}.{#reRectify} Rectify again within {days} days.{/reRectify}',
      markdown:
        '**{unit}** scored **{score}**, below the pass mark of {passScore}.{#reRectify} Rectify again within **{days} days**.{/reRectify}',
    },
  },
  monthlyCheck: {
    'zh-CN': {
      subject: '【{campaign}】{month}月度长效巡查',
      text: '长效管理月度巡查：{units}个责任单位，未完成任务{openTasks}项。请组织本月巡查并填写台账。',
      markdown:
        '### {month}月度长效巡查\n\n{units}个责任单位，未完成任务**{openTasks}**项。请组织本月巡查并填写台账。',
    },
    en: {
      subject: '[{campaign}] Monthly check {month}',
      text: 'Long-term upkeep, monthly check: {units} units, {openTasks} open tasks. Please organise this month’s patrol and fill in the ledger.',
      markdown:
        '### Monthly check {month}\n\n{units} units, **{openTasks}** open tasks. Please organise this month’s patrol and fill in the ledger.',
    },
  },
  workflowFailure: {
    'zh-CN': {
      subject: '【{campaign}】工作流异常',
      text: '步骤 {step}（{at}）失败：{error}。请管理员处理后重新启动。',
      markdown: '### ⚠️ 工作流异常\n\n步骤 `{step}`（{at}）失败：{error}。请管理员处理后重新启动。',
    },
    en: {
      subject: '[{campaign}] Workflow failed',
      text: 'Step {step} ({at}) failed: {error}. An administrator must fix it and restart.',
      markdown:
        '### ⚠️ Workflow failed\n\nStep `{step}` ({at}) failed: {error}. An administrator must fix it and restart.',
    },
  },
};

/** One message carrying several notifications for the same recipient or robot group. */
export const DIGEST: Record<Language, { subject: string; heading: string; separator: string }> = {
  'zh-CN': { subject: '【{campaign}】{count}条通知', heading: '#### {subject}', separator: '\n\n---\n\n' },
  en: { subject: '[{campaign}] {count} notifications', heading: '#### {subject}', separator: '\n\n---\n\n' },
};

const LIST_STYLE: Record<Language, { separator: string; none: string }> = {
  'zh-CN': { separator: '、', none: '无' },
  en: { separator: ', ', none: 'none' },
};

type Value = string | number | boolean | string[];

const truthy = (v: Value | undefined): boolean =>
  v !== undefined && v !== false && v !== '' && !(Array.isArray(v) && v.length === 0);

/** Fills `{name}` and `{#name}…{/name}` / `{^name}…{/name}`; an unknown placeholder is a bug, not blank text. */
export const fill = (template: string, params: Record<string, Value>, language: Language): string => {
  const sections = template.replace(
    /\{([#^])(\w+)\}([\s\S]*?)\{\/\2\}/g,
    (_, mode: string, name: string, inner: string) => (truthy(params[name]) === (mode === '#') ? inner : ''),
  );
  return sections.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`template placeholder {${name}} has no parameter`);
    if (Array.isArray(value)) {
      const style = LIST_STYLE[language];
      return value.length === 0 ? style.none : value.join(style.separator);
    }
    return String(value);
  });
};

export interface Rendered {
  subject: string;
  text: string;
  markdown: string;
  /** For mail: the text escaped, or the bulletin's own HTML when one was given. */
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

export const textToHtml = (subject: string, body: string): string =>
  `<h3>${escapeHtml(subject)}</h3>${body
    .split('\n')
    .map((line) => `<p>${escapeHtml(line)}</p>`)
    .join('')}`;

export const render = <K extends TemplatedKind>(
  kind: K,
  params: TemplateParams[K],
  language: Language = 'zh-CN',
): Rendered => {
  const parsed = TEMPLATE_PARAMS[kind].parse(params) as Record<string, Value>;
  const template = TEMPLATES[kind][language];
  const subject = fill(template.subject, parsed, language);
  const body = fill(template.text, parsed, language).trim();
  const html = typeof parsed.detailsHtml === 'string' && parsed.detailsHtml ? parsed.detailsHtml : '';
  return {
    subject,
    text: body,
    markdown: fill(template.markdown, parsed, language).trim(),
    html: html || textToHtml(subject, body),
  };
};
