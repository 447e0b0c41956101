import { type Draft, liaisonOf, officeHead, unitLeaderOf } from '../domain/notifications.ts';
import type { CampaignStore } from '../domain/ports.ts';
import { instant, iso, localDate } from '../domain/schedule.ts';
import type { CampaignState } from '../domain/state.ts';
import { advance, finish, loadStep, queueNotifications } from './advance.ts';
import { planHazardChecks } from './hazard-deadlines.ts';

/** Hours before a task's deadline that its lead unit gets a due-soon reminder. */
export const DUE_SOON_HOURS = 24;

/**
 * Deadline check: reads only the items whose next check has come, from the sparse deadline index,
 * so its cost grows with what is due and not with the table. Sends due-soon reminders and overdue
 * notices; in the long-term phase it also runs the monthly routine check.
 */
export const checkDeadlines = async (store: CampaignStore, state: CampaignState): Promise<CampaignState> => {
  const ctx = await loadStep(store, state);
  if (ctx.record.status !== 'running') return finish(store, ctx, state);
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
  for (const task of due) {
    const unit = units.get(task.lead);
    const dueAt = instant(task.dueAt);
    if (task.status === 'done' || !unit) {
      await store.putTask(def.id, { ...task, nextCheckAt: undefined });
      continue;
    }
    const dueText = `${localDate(dueAt, def.timeZone)} ${dueAt.setZone(def.timeZone).toFormat('HH:mm')}`;
    if (at < dueAt) {
      drafts.push({
        kind: 'taskDueSoon',
        recipient: liaisonOf(unit),
        subjectKey: `task#${task.id}`,
        subject: `【${def.title}】任务即将到期：${task.title}`,
        body: `${unit.name}牵头的任务「${task.title}」将于${dueText}到期，请抓紧完成并报送。`,
      });
      await store.putTask(def.id, {
        ...task,
        nextCheckAt: task.dueAt,
        notified: [...task.notified, 'dueSoon'],
      });
    } else {
      for (const recipient of [liaisonOf(unit), unitLeaderOf(unit)]) {
        drafts.push({
          kind: 'taskOverdue',
          recipient,
          subjectKey: `task#${task.id}`,
          subject: `【${def.title}】任务逾期：${task.title}`,
          body: `${unit.name}牵头的任务「${task.title}」已于${dueText}到期仍未完成，请说明情况并限期完成。`,
        });
      }
      await store.putTask(def.id, {
        ...task,
        nextCheckAt: undefined,
        notified: [...task.notified, 'overdue'],
      });
    }
  }
  if (monthly) {
    const open = (await store.listTasks(def.id)).filter((t) => t.status === 'open');
    const month = localDate(at, def.timeZone).slice(0, 7);
    drafts.push({
      kind: 'monthlyCheck',
      recipient: officeHead(def),
      subjectKey: `month#${month}`,
      subject: `【${def.title}】${month}月度长效巡查`,
      body: `长效管理月度巡查：${units.size}个责任单位，未完成任务${open.length}项。请组织本月巡查并填写台账。`,
    });
  }
  const ledger = planHazardChecks(def, at, hazards, units);
  drafts.push(...ledger.drafts);
  const pending = await queueNotifications(store, ctx, drafts);
  // After queueing: a retry of a tick that failed here re-derives the same ids, which the outbox keeps once.
  for (const mark of ledger.marks) await store.markHazardChecked(def.id, mark);
  return advance(store, ctx, state, state.next.moment, {
    pendingNotifications: state.pendingNotifications + pending,
  });
};
