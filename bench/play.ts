import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { playCampaign } from '../bin/local/play.ts';
import { defaultPlan } from '../bin/local/simulator.ts';
import { benchCampaign, type CampaignShape } from './campaigns.ts';
import type { BenchContext } from './harness.ts';

/** AWS Step Functions Standard: $25 per million state transitions; 25,000 history events per execution. */
export const USD_PER_TRANSITION = 25 / 1_000_000;
export const HISTORY_EVENT_LIMIT = 25_000;

export interface PlayedCampaign {
  id: string;
  units: number;
  /** From the first phase's start to the campaign's close, in campaign (virtual) time. */
  campaignWeeks: number;
  wallSeconds: number;
  executions: number;
  transitions: number;
  historyEvents: number;
  maxHistoryEventsPerExecution: number;
  notifications: number;
  stateEntered: Record<string, number>;
}

/** Plays a benchmark campaign through the local runtime (the synthesized state machine) on the run's DynamoDB Local. */
export const playBenchCampaign = async (ctx: BenchContext, shape: CampaignShape): Promise<PlayedCampaign> => {
  const def = await benchCampaign(shape);
  const db = await ctx.dynamodb();
  const started = performance.now();
  // One monthly check in long-term upkeep, then the office closes the campaign.
  const result = await playCampaign(def, {
    outRoot: join(ctx.workDir, 'campaigns'),
    // The run owns the database's lifetime; a played campaign stopping its runtime must leave it up.
    db: { ...db, stop: async () => {} },
    tableName: `bench-${randomUUID().slice(0, 8)}`,
    plan: { ...defaultPlan(def), monthlyChecksBeforeClose: 1 },
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const executions = result.summary.executions;
  const stateEntered: Record<string, number> = {};
  for (const e of executions) {
    for (const [state, n] of Object.entries(e.stateEntered))
      stateEntered[state] = (stateEntered[state] ?? 0) + n;
  }
  return {
    id: def.id,
    units: def.organisation.units.length,
    campaignWeeks: result.summary.campaignWeeks,
    wallSeconds,
    executions: executions.length,
    transitions: executions.reduce((n, e) => n + e.transitions, 0),
    historyEvents: executions.reduce((n, e) => n + e.historyEvents, 0),
    maxHistoryEventsPerExecution: Math.max(...executions.map((e) => e.historyEvents)),
    notifications: result.summary.notifications.total,
    stateEntered,
  };
};
