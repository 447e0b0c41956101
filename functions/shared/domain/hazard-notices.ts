import { addHours, subHours } from 'date-fns';
import type { CampaignDefinition, Unit } from './definition.ts';
import { DEADLINE_STATES, type HazardRecord, isOpen, URGENCY_HOURS } from './hazard.ts';
import { type Draft, leadingGroupLeader, liaisonOf, officeHead, unitLeaderOf } from './notifications.ts';
import type { Recipient } from './records.ts';
import { type Instant, instant, iso, localTime } from './schedule.ts';

/**
 * What the ledger owes people, and when: the rectification notice when a deadline is set, a
 * due-soon reminder, then the escalation ladder while the item stays overdue (responsible person →
 * unit leader → office → leading group, one step per urgency period), the decline (退单) to the
 * office, and the supervision notice (督办) after the third failed verification. Each notice has a
 * key; a key in `item.sent` is never sent again, and the notification id is derived from it, so a
 * retried tick that lost its write still queues nothing twice.
 */

export const LADDER = ['responsible', 'unitLeader', 'office', 'leadingGroup'] as const;
export type LadderLevel = (typeof LADDER)[number];

/**
 * Who an overdue notice goes to at escalation `level` (1-based): the responsible person first,
 * then the unit's leader, the office, and the leading group for every level past the last rung.
 */
export const ladderRecipient = (
  def: CampaignDefinition,
  unit: Unit,
  level: number,
  responsible: Recipient,
): Recipient => {
  const rung = LADDER[level - 1] ?? 'leadingGroup';
  if (rung === 'responsible') return responsible;
  if (rung === 'unitLeader') return unitLeaderOf(unit);
  return rung === 'office' ? officeHead(def) : leadingGroupLeader(def);
};

interface Owed {
  key: string;
  at: Instant;
}

/** Hours before the deadline of the due-soon reminder: half the urgency period, at most a day. */
const dueSoonLeadHours = (item: HazardRecord): number => Math.min(24, URGENCY_HOURS[item.urgency] / 2);

/** Every notice the item can owe in its current state, with when it falls due. */
const scheduled = (item: HazardRecord): Owed[] => {
  if (!isOpen(item)) return [];
  const owed: Owed[] = [];
  if (DEADLINE_STATES.has(item.state) && item.deadline && item.deadlineSetAt) {
    const round = item.deadlineRound;
    const deadline = instant(item.deadline);
    const setAt = instant(item.deadlineSetAt);
    owed.push({ key: `notice#${round}`, at: setAt });
    const soon = subHours(deadline, dueSoonLeadHours(item));
    if (soon > setAt) owed.push({ key: `dueSoon#${round}`, at: soon });
    const step = URGENCY_HOURS[item.urgency];
    LADDER.forEach((_, i) => {
      owed.push({ key: `overdue#${round}#${i + 1}`, at: addHours(deadline, step * i) });
    });
  }
  if (item.state === 'declined' && item.declinedAt) {
    owed.push({ key: `declined#${item.declines}`, at: instant(item.declinedAt) });
  }
  if (item.supervisedAt) owed.push({ key: 'supervised', at: instant(item.supervisedAt) });
  return owed;
};

/** When the deadline check must next look at the item; undefined takes it off the sparse index. */
export const nextHazardCheck = (item: HazardRecord): string | undefined => {
  const sent = new Set(item.sent);
  const pending = scheduled(item).filter((o) => !sent.has(o.key));
  if (pending.length === 0) return undefined;
  return iso(pending.reduce((a, b) => (b.at < a.at ? b : a)).at);
};

/**
 * The notices due at `at` and the keys to record as settled. A due-soon reminder whose deadline has
 * already passed is settled without being sent; every ladder level whose time has come is sent (a
 * late wake tells everyone who should have been told by now, each of them once).
 */
export const dueHazardNotices = (item: HazardRecord, at: Instant): { send: string[]; settle: string[] } => {
  const sent = new Set(item.sent);
  const due = scheduled(item).filter((o) => !sent.has(o.key) && o.at <= at);
  const keys = due.map((o) => o.key);
  const deadlinePassed = item.deadline !== undefined && instant(item.deadline) <= at;
  return { send: keys.filter((k) => !(k.startsWith('dueSoon#') && deadlinePassed)), settle: keys };
};

export const responsibleOf = (item: HazardRecord, unit: Unit): Recipient =>
  item.responsiblePerson
    ? {
        key: `unit:${unit.id}:responsible:${item.responsiblePerson.name}`,
        role: 'responsible',
        unitId: unit.id,
        person: item.responsiblePerson,
      }
    : liaisonOf(unit);

const URGENCY_LABEL = { red: '红色（2小时）', yellow: '黄色（24小时）', blue: '蓝色（72小时）' } as const;

export interface NoticeContext {
  def: CampaignDefinition;
  /** The responsible unit (where the notices go) and the unit where the hazard was found. */
  unit: Unit;
  foundIn: Unit;
}

/** The drafts for one notice key. */
export const hazardDrafts = (item: HazardRecord, key: string, ctx: NoticeContext): Draft[] => {
  const { def, unit, foundIn } = ctx;
  const subjectKey = `hazard#${item.id}#${key}`;
  const what = `${foundIn.name}${item.location}「${item.description}」（${item.category}，${URGENCY_LABEL[item.urgency]}，编号${item.id}）`;
  const deadline = item.deadline ? localTime(item.deadline, def.timeZone) : '—';
  const [kind] = key.split('#');
  // A red item (2 h to fix) cannot wait for the morning: its notices pass quiet hours.
  const urgent = item.urgency === 'red';
  if (kind === 'notice') {
    const lead =
      item.lastAction === 'verify'
        ? `第${item.failedVerifications}次复查未通过，请重新整改：`
        : item.lastAction === 'reopen'
          ? '已销号隐患重新打开，请重新整改：'
          : item.lastAction === 'reassign'
            ? `经办公室改派，由${unit.name}负责整改：`
            : item.lastAction === 'update'
              ? '整改期限已调整：'
              : '隐患整改通知：';
    const body = `${lead}${what}。整改措施：${item.measures || '—'}。请于${deadline}前整改完毕并上传整改凭证。`;
    const subject = `【${def.title}】限期整改通知 ${item.id}`;
    return [responsibleOf(item, unit), liaisonOf(unit)]
      .filter((r, i, all) => all.findIndex((o) => o.key === r.key) === i)
      .map((recipient) => ({ kind: 'hazardNotice' as const, recipient, subjectKey, subject, body, urgent }));
  }
  if (kind === 'dueSoon') {
    return [
      {
        kind: 'hazardDueSoon',
        recipient: responsibleOf(item, unit),
        subjectKey,
        subject: `【${def.title}】隐患整改即将到期 ${item.id}`,
        body: `${what}整改期限为${deadline}，请抓紧整改并提交整改凭证。`,
        urgent,
      },
    ];
  }
  if (kind === 'overdue') {
    const level = Number(key.split('#')[2]);
    const recipient = ladderRecipient(def, unit, level, responsibleOf(item, unit));
    return [
      {
        kind: 'hazardOverdue',
        recipient,
        subjectKey,
        subject: `【${def.title}】隐患整改逾期（第${level}级催办）${item.id}`,
        body: `${unit.name}负责整改的${what}已于${deadline}到期仍未整改到位，请督促限期整改。`,
        urgent,
      },
    ];
  }
  if (kind === 'declined') {
    return [
      {
        kind: 'hazardDeclined',
        recipient: officeHead(def),
        subjectKey,
        subject: `【${def.title}】隐患退单待改派 ${item.id}`,
        body: `${unit.name}退回${what}，理由：${item.declineReason ?? '—'}。请改派责任单位。`,
      },
    ];
  }
  return [
    {
      kind: 'hazardSupervised',
      recipient: officeHead(def),
      subjectKey,
      subject: `【${def.title}】隐患列入限期督办 ${item.id}`,
      body: `${what}经${item.failedVerifications}次复查仍不合格，列入限期督办，计入${unit.name}考核。现整改期限${deadline}。`,
    },
  ];
};
