import { compose, type Draft, officeHead } from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import type { TaskRecord } from '../domain/records.ts';
import { iso, localDate } from '../domain/schedule.ts';
import type { CampaignState } from '../domain/state.ts';
import { advance, finish, loadStep, queueNotifications } from './advance.ts';
import { planHazardChecks } from './hazard-deadlines.ts';
import { taskDrafts, taskNoticesDue } from './task-deadlines.ts';

export { DUE_SOON_HOURS } from './task-deadlines.ts';

/**
 * Deadline check: reads only the items whose next check has come, from the sparse deadline index,
 * so its cost grows with what is due and not with the table. Sends due-soon reminders and, while a
 * task or ledger item stays overdue, climbs the escalation ladder one rung at a time; in the
 * long-term phase it also runs the monthly routine check.
 */
export const checkDeadlines = async (store: CampaignStore, state: CampaignState): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (!ctx.live) return finish(store, ctx, state);
  const { def, at } = ctx;
  // Tasks and ledger items share the sparse index: one Query reads exactly what is due.
  const { tasks: due, hazards } = await store.dueItems(def.id, iso(at));
  const monthly = state.next.moment === 'monthlyCheck';
  // Most wakes (heartbeats) find nothing due: then the units are not read at all.
  const units = new Map(
    due.length > 0 || hazards.length > 0 || monthly
      ? (await store.listUnits(def.id)).map((u) => [u.id, u])
      : [],
  );
  const drafts: Draft[] = [];
  const taskWrites: TaskRecord[] = [];
  for (const task of due) {
    const unit = units.get(task.lead);
    if (task.status === 'done' || !unit) {
      taskWrites.push({ ...task, nextCheckAt: undefined });
      continue;
    }
    const { send, notified, nextCheckAt } = taskNoticesDue(task, at);
    for (const key of send) drafts.push(...taskDrafts(def, task, unit, key));
    taskWrites.push({ ...task, notified, nextCheckAt });
  }
  if (monthly) {
    const open = (await store.listTasks(def.id)).filter((t) => t.status === 'open');
    const month = localDate(at, def.timeZone).slice(0, 7);
    drafts.push(
      compose(def, 'monthlyCheck', officeHead(def), `month#${month}`, {
        campaign: def.title,
        month,
        units: units.size,
        openTasks: open.length,
      }),
    );
  }
  const ledger = planHazardChecks(def, at, hazards, units);
  drafts.push(...ledger.drafts);
  const pending = await queueNotifications(store, ctx, drafts);
  // After queueing: a retry of a tick that failed here re-derives the same ids, which the outbox keeps once.
  for (const task of taskWrites) await store.putTask(def.id, task);
  for (const mark of ledger.marks) await store.markHazardChecked(def.id, mark);
  return advance(store, ctx, state, state.next.moment, {
    pendingNotifications: state.pendingNotifications + pending,
  });
};
