import * as z from 'zod/mini';
import type { Phase } from '../domain/definition.ts';
import type { CampaignStore, WorkflowEngine } from '../domain/ports.ts';
import type { AuditEvent, CampaignStatus } from '../domain/records.ts';
import type { Instant } from '../domain/schedule.ts';
import type { NextStep } from '../domain/state.ts';
import '../domain/zod-locale.ts';

/**
 * The administrator's controls over a running campaign: pause, resume, advance, extend, close.
 * Each is one conditional write of the campaign (with its audit entry: who, when, why), then the
 * workflow is moved to a new generation that starts from the campaign's checkpoint, so the change
 * reaches the execution now rather than at its next planned wake.
 */

const Reason = z.string().check(z.trim(), z.minLength(1, 'a reason is required'), z.maxLength(500));

/** The body of pause, resume, advance and close. */
export const ControlRequest = z.strictObject({ reason: Reason });
export type ControlRequest = z.infer<typeof ControlRequest>;

/** Extend the current phase by whole days; the later phases move by as many days. */
export const ExtendRequest = z.strictObject({
  reason: Reason,
  days: z.int().check(z.minimum(1), z.maximum(365)),
});
export type ExtendRequest = z.infer<typeof ExtendRequest>;

export interface ControlInput extends ControlRequest {
  campaignId: string;
  /** Who: the signed-in person's name, recorded in the audit trail. */
  actor: string;
}

export interface ControlResult {
  campaignId: string;
  status: CampaignStatus;
  generation: number;
  /** The execution now driving the campaign; null while paused or once closed. */
  executionName: string | null;
  phase?: Phase;
  round: number;
  /** What the workflow does next, and when. */
  next?: NextStep;
  audit: AuditEvent;
}

const notYet = (): never => {
  throw new Error('not implemented yet');
};

export const pauseCampaign = async (
  _store: CampaignStore,
  _engine: WorkflowEngine,
  _input: ControlInput,
  _at: Instant,
): Promise<ControlResult> => notYet();

export const resumeCampaign = async (
  _store: CampaignStore,
  _engine: WorkflowEngine,
  _input: ControlInput,
  _at: Instant,
): Promise<ControlResult> => notYet();

export const advancePhase = async (
  _store: CampaignStore,
  _engine: WorkflowEngine,
  _input: ControlInput,
  _at: Instant,
): Promise<ControlResult> => notYet();

export const extendPhase = async (
  _store: CampaignStore,
  _engine: WorkflowEngine,
  _input: ControlInput & { days: number },
  _at: Instant,
): Promise<ControlResult> => notYet();

export const closeCampaign = async (
  _store: CampaignStore,
  _engine: WorkflowEngine,
  _input: ControlInput,
  _at: Instant,
): Promise<ControlResult> => notYet();
