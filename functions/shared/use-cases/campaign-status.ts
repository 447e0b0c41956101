import type { Phase } from '../domain/definition.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { AuditEvent, CampaignRecord } from '../domain/records.ts';
import type { Moment } from '../domain/schedule.ts';
import type { NextStep } from '../domain/state.ts';

/** What an administrator sees of a campaign: its status, the timeline of phases, and the workflow's ticks. */

export interface TimelinePhase {
  phase: Phase;
  round: number;
  name: string;
  /** From the definition (as extended or advanced). */
  plannedStart: string;
  plannedEnd: string | null;
  startedAt?: string;
  closedAt?: string;
  status: 'done' | 'running' | 'planned';
}

export interface Tick {
  at: string;
  moment: Moment;
  period?: string;
}

export interface CampaignStatusView {
  campaign: Pick<
    CampaignRecord,
    'id' | 'title' | 'status' | 'generation' | 'executionName' | 'launchedAt' | 'closedAt' | 'phase' | 'round'
  > & { pausedAt?: string; unitCount: number };
  timeline: TimelinePhase[];
  workflow: {
    /** The step the workflow waits for; absent before launch and after the end. */
    next?: NextStep;
    /** The last step done and when. */
    lastStepAt?: string;
    /** The coming ticks of the running phase (up to 10): reminders, cutoffs, bulletins, checks. */
    upcoming: Tick[];
  };
  /** The latest audit entries, newest first (up to 20). */
  recent: AuditEvent[];
}

export const campaignStatus = async (
  _store: CampaignStore,
  _campaignId: string,
): Promise<CampaignStatusView> => {
  throw new Error('not implemented yet');
};
