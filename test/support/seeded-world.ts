import type { Context } from 'aws-lambda';
import { makeApiCampaignsHandler } from '../../functions/api-campaigns/handler.ts';
import { makeApiDocsHandler } from '../../functions/api-docs/handler.ts';
import { makeApiNotificationsHandler } from '../../functions/api-notifications/handler.ts';
import { makeApiWorkHandler } from '../../functions/api-work/handler.ts';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import type { HazardRecord } from '../../functions/shared/domain/hazard.ts';
import type { BulletinRecord, Notification } from '../../functions/shared/domain/records.ts';
import type { ApiEvent } from '../../functions/shared/http/api-handler.ts';
import type { ApiFunction } from '../../functions/shared/http/api-routes.ts';
import type { ApiResponse } from '../../functions/shared/http/responses.ts';
import { createCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import { apiEvent, type Claims, call, claimsOf } from './api-events.ts';
import { campaignWalk } from './campaign-walk.ts';
import type { MemoryBulletinArchive, MemoryCampaignStore, RecordingEngine } from './memory-store.ts';

/**
 * The three API Lambdas on a campaign with something in every corner, for the fuzz and
 * authorisation tests: minimal-2027 walked into its rectify phase (so every control has a running
 * phase to act on), a second campaign still a draft, reports of two units, hazards in four states
 * found in or assigned to different units, a bulletin with its Markdown document, and an outbox
 * with a dead letter, a pending and a sent notification. Requests arrive at AT unless told otherwise.
 */

export const CAMPAIGN = 'minimal-2027';
export const DRAFT = 'draft-2027';
/** When requests arrive: rectify runs (since 2027-03-01), the 2027-03-08 report is not due yet. */
export const AT = '2027-03-02T09:00:00+08:00';
export const PERIOD = '2027-03-08';

/** The people of the seeded campaign as API Gateway hands their claims over. */
export const PEOPLE = {
  admin: claimsOf('admin', { name: '王建国' }),
  office: claimsOf('office', { name: '李明' }),
  leader: claimsOf('leader', { name: '王建国' }),
  police: claimsOf('liaison', { unit: 'police-station', name: '孙伟' }),
  community: claimsOf('liaison', { unit: 'dongfeng-community', name: '刘洋' }),
  grid: claimsOf('gridWorker', { unit: 'dongfeng-grid-1', name: '陈刚' }),
} as const satisfies Record<string, Claims>;

export const UNITS = ['dongfeng-community', 'dongfeng-grid-1', 'police-station'] as const;

/** The seeded hazards by what they show: where found, who must fix it, in which state. */
export interface SeededHazards {
  /** Found in dongfeng-grid-1 by its grid worker; reported. */
  gridReported: HazardRecord;
  /** Found in police-station by its liaison; ordered. */
  policeOrdered: HazardRecord;
  /** Found in dongfeng-community by its liaison; ordered and a fix submitted. */
  communitySubmitted: HazardRecord;
  /** Found in dongfeng-grid-1 by the office, assigned to police-station; ordered. */
  gridAssignedToPolice: HazardRecord;
}

export interface SeededWorld {
  store: MemoryCampaignStore;
  engine: RecordingEngine;
  archive: MemoryBulletinArchive;
  handlers: Record<ApiFunction, (event: ApiEvent, context: Context) => Promise<ApiResponse>>;
  hazards: SeededHazards;
  /** Dead, pending (waiting) and sent notification ids. */
  notifications: { dead: string; pending: string; sent: string };
}

const notification = (id: string, unitId: string): Notification => ({
  id,
  campaignId: CAMPAIGN,
  kind: 'reportReminder',
  recipient: { key: `unit:${unitId}:liaison`, role: 'liaison', unitId, person: { name: '孙伟' } },
  channel: 'sms',
  language: 'zh-CN',
  subject: '提醒',
  body: '请报送',
  urgent: false,
  createdAt: '2027-03-01T00:00:00.000Z',
  status: 'pending',
  attempts: 0,
});

const bulletin: BulletinRecord = {
  campaignId: CAMPAIGN,
  period: '2027-03-01',
  number: 1,
  opensAt: '2027-02-22T05:00:00.000Z',
  cutoff: '2027-03-01T05:00:00.000Z',
  compiledAt: '2027-03-01T05:00:00.000Z',
  phase: 'mobilize',
  round: 0,
  expected: 3,
  onTime: [{ id: 'police-station', name: '东风派出所' }],
  late: [],
  missing: [],
  escalated: [],
  previousLate: [],
  totals: { sitesChecked: 1, hazardsFound: 0, hazardsFixed: 0, householdsVisited: 0, publicityEvents: 0 },
  items: { open: 0, overdue: 0 },
  files: { markdown: `memory://${CAMPAIGN}/bulletins/2027-03-01.md` },
};

export interface SeededOptions {
  /** The logger of the three handlers; silent by default. */
  logger?: Logger;
}

/** The four Lambdas as their index.ts builds them, on the test doubles; answers checked against their schemas. */
const handlersOn = (
  store: MemoryCampaignStore,
  engine: RecordingEngine,
  archive: MemoryBulletinArchive,
  logger = new Logger('zhili-api-test', 'SILENT'),
): SeededWorld['handlers'] => ({
  'api-campaigns': makeApiCampaignsHandler({ store, engine, logger, checkResponses: true }),
  'api-work': makeApiWorkHandler({ store, archive, engine, logger, checkResponses: true }),
  'api-notifications': makeApiNotificationsHandler({ store, logger, checkResponses: true }),
  'api-docs': makeApiDocsHandler({
    openApi: async () => ({ openapi: '3.1.0' }),
    logger,
    checkResponses: true,
  }),
});

/** A fresh copy of a seeded world with its own store, engine, archive and handlers (a clone takes ~1 ms, seeding ~40 ms). */
export const forkWorld = (world: SeededWorld, options: SeededOptions = {}): SeededWorld => {
  const store = world.store.clone();
  const engine = world.engine.clone();
  const archive = world.archive.clone();
  return { ...world, store, engine, archive, handlers: handlersOn(store, engine, archive, options.logger) };
};

export const seededWorld = async (options: SeededOptions = {}): Promise<SeededWorld> => {
  const walker = campaignWalk();
  const { store, engine, state } = await walker.launched();
  // Into rectify: mobilize started, closed, rectify started (2027-03-01).
  await walker.walk(store, state, (s) => s.phase === 'rectify' && s.next.action !== 'startPhase');
  const archive = walker.archive;
  await createCampaign(store, { ...walker.minimal(), id: DRAFT }, walker.LAUNCH, { actor: '王建国' });

  const handlers = handlersOn(store, engine, archive, options.logger);

  // Seeded through the API itself, as people would.
  const send = async (claims: Claims, method: string, path: string, body?: unknown) => {
    const answer = await call<HazardRecord>(
      handlers[path.includes('/hazards') || path.includes('/reports') ? 'api-work' : 'api-campaigns'],
      apiEvent(method, path, { claims, body, at: AT }),
    );
    if (answer.status >= 300) throw new Error(`seeding ${method} ${path}: ${answer.status} ${answer.text}`);
    return answer.body;
  };
  const base = `/campaigns/${CAMPAIGN}`;
  const content = { progress: '完成辖区商户消防检查', counts: { sitesChecked: 3, hazardsFound: 1 } };
  await send(PEOPLE.police, 'POST', `${base}/reports`, { unitId: 'police-station', period: PERIOD, content });
  await send(PEOPLE.community, 'POST', `${base}/reports`, {
    unitId: 'dongfeng-community',
    period: PERIOD,
    content,
  });
  const found = (unitId: string, location: string) => ({
    unitId,
    location,
    category: '消防通道',
    description: '安全出口堆放杂物',
  });
  const gridReported = await send(
    PEOPLE.grid,
    'POST',
    `${base}/hazards`,
    found('dongfeng-grid-1', '幸福路12号'),
  );
  const police = await send(PEOPLE.police, 'POST', `${base}/hazards`, found('police-station', '派出所后院'));
  const policeOrdered = await send(PEOPLE.police, 'POST', `${base}/hazards/${police.id}/order`, {
    measures: '清理杂物',
    deadline: '2027-03-05T18:00:00+08:00',
  });
  const community = await send(
    PEOPLE.community,
    'POST',
    `${base}/hazards`,
    found('dongfeng-community', '社区广场'),
  );
  await send(PEOPLE.community, 'POST', `${base}/hazards/${community.id}/order`, { measures: '清理' });
  const communitySubmitted = await send(PEOPLE.community, 'POST', `${base}/hazards/${community.id}/submit`, {
    evidence: { text: '已清理', photos: ['photo:after-1'] },
  });
  const assigned = await send(
    PEOPLE.office,
    'POST',
    `${base}/hazards`,
    found('dongfeng-grid-1', '幸福路30号'),
  );
  const gridAssignedToPolice = await send(PEOPLE.office, 'POST', `${base}/hazards/${assigned.id}/order`, {
    responsibleUnit: 'police-station',
    measures: '民警协助清理',
  });

  await store.putBulletin(bulletin);
  await archive.put({
    campaignId: CAMPAIGN,
    name: 'bulletins/2027-03-01.md',
    contentType: 'text/markdown',
    body: '## 第1期',
  });
  await store.enqueueNotifications([
    notification('n-dead', 'police-station'),
    notification('n-pending', 'dongfeng-community'),
    notification('n-sent', 'dongfeng-grid-1'),
  ]);
  await store.markNotification(CAMPAIGN, 'n-dead', {
    status: 'dead',
    at: '2027-03-01T00:01:00.000Z',
    error: '空号',
  });
  await store.markNotification(CAMPAIGN, 'n-sent', {
    status: 'sent',
    at: '2027-03-01T00:01:00.000Z',
    deliveryId: 'd-1',
  });

  return {
    store,
    engine,
    archive,
    handlers,
    hazards: { gridReported, policeOrdered, communitySubmitted, gridAssignedToPolice },
    notifications: { dead: 'n-dead', pending: 'n-pending', sent: 'n-sent' },
  };
};
