import type { BenchCase } from '../harness.ts';
import { HISTORY_EVENT_LIMIT, playBenchCampaign, USD_PER_TRANSITION } from '../play.ts';

/**
 * What a campaign costs in Step Functions, counted from the local executions' event logs (the
 * synthesized state machine run by aws-local-stepfunctions; see bin/local/runtime.ts for how each
 * logged event maps to AWS history events). A campaign of about a year with weekly reports, so
 * that a generation continues as a new execution on the way, as it would on AWS.
 */

export const TRANSITIONS_PER_WEEK_TARGET = 40;
const DAYS_PER_YEAR = 365.25;

const stepFunctions: BenchCase = {
  section: 'stepFunctions',
  name: 'stepFunctions',
  async run(ctx) {
    const weeks = ctx.quick
      ? { mobilize: 1, rectify: 2, inspect: 1 }
      : { mobilize: 2, rectify: 40, inspect: 4 };
    const played = await playBenchCampaign(ctx, { id: 'bench-year', units: ctx.quick ? 5 : 50, weeks });
    ctx.log(
      `  ${played.units} units, ${played.campaignWeeks.toFixed(1)} campaign weeks, ${played.executions} executions`,
    );
    const perWeek = played.transitions / played.campaignWeeks;
    const perYear = (perWeek * DAYS_PER_YEAR) / 7;
    const eventsPerWeek = played.historyEvents / played.campaignWeeks;
    return {
      figures: [
        {
          name: `transitions per campaign-week (${played.units} units, weekly reports)`,
          value: perWeek,
          unit: 'count',
          target: { max: TRANSITIONS_PER_WEEK_TARGET, of: 'value' },
        },
        { name: 'transitions per campaign-year', value: perYear, unit: 'count' },
        { name: 'history events per campaign-week', value: eventsPerWeek, unit: 'count' },
        {
          name: 'history events per campaign-year',
          value: (eventsPerWeek * DAYS_PER_YEAR) / 7,
          unit: 'count',
        },
        {
          name: 'cost per campaign-year at $25 per million transitions',
          value: perYear * USD_PER_TRANSITION,
          unit: 'USD',
        },
        {
          name: `most history events in one execution (of ${played.executions})`,
          value: played.maxHistoryEventsPerExecution,
          unit: 'count',
          baseline: { name: 'the limit', value: HISTORY_EVENT_LIMIT },
          target: { max: HISTORY_EVENT_LIMIT, of: 'value' },
        },
      ],
      json: {
        stepFunctions: {
          campaign: played,
          transitionsPerCampaignWeek: perWeek,
          transitionsPerCampaignYear: perYear,
          historyEventsPerCampaignWeek: eventsPerWeek,
          costPerCampaignYearUsd: perYear * USD_PER_TRANSITION,
          usdPerMillionTransitions: USD_PER_TRANSITION * 1_000_000,
          historyEventLimit: HISTORY_EVENT_LIMIT,
        },
      },
    };
  },
};

export default stepFunctions;
