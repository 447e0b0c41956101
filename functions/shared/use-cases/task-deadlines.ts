import { addHours, subHours } from 'date-fns';
import type { CampaignDefinition, Unit } from '../domain/definition.ts';
import { LADDER, ladderRecipient } from '../domain/hazard-notices.ts';
import { compose, type Draft, liaisonOf } from '../domain/notifications.ts';
import type { TaskRecord } from '../domain/records.ts';
import { type Instant, instant, iso, localTime } from '../domain/schedule.ts';

/** Hours before a task's deadline that its lead unit gets a due-soon reminder. */
export const DUE_SOON_HOURS = 24;
/** While a task stays overdue, the next rung of the ladder is told a day after the last. */
export const TASK_ESCALATION_HOURS = 24;

/**
 * A task's notices, as keys kept in `task.notified`: the due-soon reminder, then the escalation
 * ladder the ledger uses (the lead unit's liaison → its leader → the office → the leading group),
 * one rung per day while the task stays open. A key already in `notified` is never sent again.
 */
const owed = (task: TaskRecord): { key: string; at: Instant }[] => {
  const dueAt = instant(task.dueAt);
  return [
    { key: 'dueSoon', at: subHours(dueAt, DUE_SOON_HOURS) },
    ...LADDER.map((_, i) => ({
      key: `overdue#${i + 1}`,
      at: addHours(dueAt, TASK_ESCALATION_HOURS * i),
    })),
  ];
};

export const taskNoticesDue = (
  task: TaskRecord,
  at: Instant,
): { send: string[]; notified: string[]; nextCheckAt: string | undefined } => {
  const done = new Set(task.notified);
  const pending = owed(task).filter((o) => !done.has(o.key));
  const due = pending.filter((o) => o.at <= at);
  const overdue = instant(task.dueAt) <= at;
  // A reminder whose deadline has passed is settled without being sent.
  const send = due.filter((o) => !(o.key === 'dueSoon' && overdue)).map((o) => o.key);
  const later = pending.filter((o) => o.at > at);
  const next = later.reduce<Instant | undefined>(
    (a, o) => (a === undefined || o.at < a ? o.at : a),
    undefined,
  );
  return {
    send,
    notified: [...task.notified, ...due.map((o) => o.key)],
    nextCheckAt: next ? iso(next) : undefined,
  };
};

export const taskDrafts = (def: CampaignDefinition, task: TaskRecord, unit: Unit, key: string): Draft[] => {
  const dueAt = instant(task.dueAt);
  const dueText = localTime(dueAt, def.timeZone);
  const subjectKey = `task#${task.id}`;
  if (key === 'dueSoon') {
    return [
      compose(def, 'taskDueSoon', liaisonOf(unit), subjectKey, {
        campaign: def.title,
        unit: unit.name,
        task: task.title,
        due: dueText,
      }),
    ];
  }
  const level = Number(key.split('#')[1]);
  const recipient = ladderRecipient(def, unit, level, liaisonOf(unit));
  return [
    compose(def, 'taskOverdue', recipient, subjectKey, {
      campaign: def.title,
      unit: unit.name,
      task: task.title,
      due: dueText,
      escalated: level > 1,
      level,
    }),
  ];
};
