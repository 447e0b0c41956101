/**
 * The single-table design, shared by the CDK stateful stack, the DynamoDB adapter and the local
 * runtime so that all three agree. The README's "Table design" section documents each item type.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Sparse: only open items with a next check carry duePk/dueSk. "What is due before T" reads only those. */
  dueIndex: { name: 'due', partitionKey: 'duePk', sortKey: 'dueSk' },
  /**
   * Sparse: only pending notifications carry outboxPk/outboxSk, sorted by when they may be sent
   * (`notBefore`); sending or dead-lettering removes them.
   */
  outboxIndex: { name: 'outbox', partitionKey: 'outboxPk', sortKey: 'outboxSk' },
} as const;

export const keys = {
  campaign: (id: string) => `C#${id}`,
  meta: 'META',
  /** Where the workflow stands (the Checkpoint record). */
  checkpoint: 'STATE',
  /** The registry of campaigns: one partition, one item per campaign, for listing without a Scan. */
  registry: 'CAMPAIGNS',
  unit: (unitId: string) => `UNIT#${unitId}`,
  phase: (phase: string, round: number) => `PHASE#${phase}#${round}`,
  report: (period: string, unitId: string) => `REPORT#${period}#${unitId}`,
  /** History of a report: every version, zero-padded so that they sort in order. */
  reportVersion: (period: string, unitId: string, version: number) =>
    `REPORTV#${period}#${unitId}#${String(version).padStart(4, '0')}`,
  reportVersions: (period: string, unitId: string) => `REPORTV#${period}#${unitId}#`,
  bulletin: (period: string) => `BULLETIN#${period}`,
  period: (period: string) => `PERIOD#${period}`,
  task: (taskId: string) => `TASK#${taskId}`,
  inspection: (round: number, unitId: string) => `INSPECTION#${String(round).padStart(2, '0')}#${unitId}`,
  outbox: (notificationId: string) => `OUTBOX#${notificationId}`,
  audit: (at: string, suffix: string) => `AUDIT#${at}#${suffix}`,
  hazard: (hazardId: string) => `HAZARD#${hazardId}`,
  /** An item's trail: one entry per transition, numbered by the version it produced. */
  hazardEvent: (hazardId: string, seq: number) => `HZEVENT#${hazardId}#${String(seq).padStart(4, '0')}`,
  duePartition: (campaignId: string) => `DUE#${campaignId}`,
  dueSort: (at: string, taskId: string) => `${at}#TASK#${taskId}`,
  dueSortHazard: (at: string, hazardId: string) => `${at}#HAZARD#${hazardId}`,
  outboxPartition: (campaignId: string) => `OUTBOX#${campaignId}`,
  outboxSort: (notBefore: string, notificationId: string) => `${notBefore}#${notificationId}`,
  /** A group robot's message count per minute, shared by every campaign that posts through it. */
  robot: (robotKey: string) => `ROBOT#${robotKey}`,
  robotMinute: (minute: string) => `MINUTE#${minute}`,
} as const;
