import { type BulletinDocumentFormat, bulletinDocumentName } from '../domain/bulletin/compile.ts';
import type { Unit } from '../domain/definition.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { ArchiveDocument, BulletinArchive, CampaignStore } from '../domain/ports.ts';
import type { AuditEvent, BulletinRecord, CampaignRecord, ReportRecord } from '../domain/records.ts';
import { unitOf } from './actors.ts';
import { loadCampaign } from './advance.ts';

/**
 * What the office and the units read between the workflow's wakes. Each read loads the campaign
 * first, so that an unknown campaign is named as such rather than answered with an empty list.
 */

export type CampaignListing = Pick<
  CampaignRecord,
  'id' | 'title' | 'status' | 'createdAt' | 'launchedAt' | 'closedAt' | 'phase'
>;

/** Every campaign, newest first, without its definition. */
export const listCampaigns = async (store: CampaignStore): Promise<CampaignListing[]> =>
  (await store.listCampaigns()).map(({ id, title, status, createdAt, launchedAt, closedAt, phase }) => ({
    id,
    title,
    status,
    createdAt,
    launchedAt,
    closedAt,
    phase,
  }));

export const listAudit = async (store: CampaignStore, campaignId: string): Promise<AuditEvent[]> => {
  await loadCampaign(store, campaignId);
  return store.listAudit(campaignId);
};

export const listUnits = async (store: CampaignStore, campaignId: string): Promise<Unit[]> => {
  await loadCampaign(store, campaignId);
  return store.listUnits(campaignId);
};

export const getUnit = async (store: CampaignStore, campaignId: string, unitId: string): Promise<Unit> => {
  await loadCampaign(store, campaignId);
  return unitOf(store, campaignId, unitId);
};

/** Current versions, of one period or all, of one unit or all; in period and unit order. */
export const listReports = async (
  store: CampaignStore,
  campaignId: string,
  filter: { period?: string; unitId?: string },
): Promise<ReportRecord[]> => {
  await loadCampaign(store, campaignId);
  if (filter.unitId) await unitOf(store, campaignId, filter.unitId);
  const reports = await store.listReports(campaignId, filter.period);
  return filter.unitId ? reports.filter((r) => r.unitId === filter.unitId) : reports;
};

export const listBulletins = async (store: CampaignStore, campaignId: string): Promise<BulletinRecord[]> => {
  await loadCampaign(store, campaignId);
  return store.listBulletins(campaignId);
};

export const getBulletin = async (
  store: CampaignStore,
  campaignId: string,
  period: string,
): Promise<BulletinRecord> => {
  await loadCampaign(store, campaignId);
  const bulletin = await store.getBulletin(campaignId, period);
  if (!bulletin) {
    throw new NotFoundError(
      `campaign "${campaignId}" has no bulletin for period ${period}; it is compiled at the period's cutoff (or second stage)`,
    );
  }
  return bulletin;
};

export const bulletinDocument = async (
  store: CampaignStore,
  archive: BulletinArchive,
  campaignId: string,
  period: string,
  format: Exclude<BulletinDocumentFormat, 'svg'>,
): Promise<ArchiveDocument> => {
  await getBulletin(store, campaignId, period);
  const document = await archive.get(campaignId, bulletinDocumentName(period, format));
  if (!document) throw new NotFoundError(`bulletin ${period} of "${campaignId}" has no ${format} document`);
  return document;
};
