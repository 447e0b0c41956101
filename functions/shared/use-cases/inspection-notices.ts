import type { CampaignDefinition, Unit } from '../domain/definition.ts';
import { type Draft, leadingGroupLeader, liaisonOf, officeHead } from '../domain/notifications.ts';

/**
 * The acceptance result as the plans circulate it (plan 25: 月督查通报): praise (通报表彰) for units
 * at or above the praise score, criticism (通报批评) for units under the pass score, each with the
 * ranking, sent to the leading group, the office and every unit inspected in the round.
 */
export const resultNotices = (
  def: CampaignDefinition,
  round: number,
  units: Unit[],
  scores: Map<string, number>,
): Draft[] => {
  const scored = units
    .filter((u) => scores.has(u.id))
    .map((u) => ({ unit: u, score: scores.get(u.id) as number }))
    .sort((a, b) => b.score - a.score || a.unit.id.localeCompare(b.unit.id));
  const { passScore, praiseScore, reRectifyDays } = def.acceptance;
  const praised = scored.filter((s) => s.score >= praiseScore);
  const criticised = scored.filter((s) => s.score < passScore);
  const list = (entries: typeof scored) => entries.map((s) => `${s.unit.name}（${s.score}分）`).join('、');
  const ranking = scored.map((s, i) => `${i + 1}. ${s.unit.name} ${s.score}分`).join('；');
  const recipients = [leadingGroupLeader(def), officeHead(def), ...units.map(liaisonOf)];
  const notice = (kind: 'praiseNotice' | 'criticismNotice', subject: string, body: string): Draft[] =>
    recipients.map((recipient) => ({
      kind,
      recipient,
      subjectKey: `${kind === 'praiseNotice' ? 'praise' : 'criticism'}#${round}`,
      subject,
      body,
    }));
  return [
    ...(praised.length > 0
      ? notice(
          'praiseNotice',
          `【${def.title}】第${round + 1}次验收通报表彰`,
          `对验收得分${praiseScore}分以上的${list(praised)}予以通报表彰。排名：${ranking}。`,
        )
      : []),
    ...(criticised.length > 0
      ? notice(
          'criticismNotice',
          `【${def.title}】第${round + 1}次验收通报批评`,
          `${list(criticised)}验收得分低于${passScore}分，予以通报批评，限${reRectifyDays}天内整改到位。排名：${ranking}。`,
        )
      : []),
  ];
};
