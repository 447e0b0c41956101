/**
 * The HTTP API's routes as data: the CDK stack makes one API Gateway route per entry (and sends it
 * to the named function), the local server dispatches on them, the OpenAPI document and the
 * authorisation matrix test are generated from them. Schemas and handlers live beside them
 * (see route-handlers.ts); this file stays free of runtime dependencies so CDK can import it.
 */

export const ROLES = ['admin', 'office', 'liaison', 'gridWorker', 'leader'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that act for one unit only: they see and change their own unit's items and nothing else. */
export const UNIT_ROLES: ReadonlySet<Role> = new Set(['liaison', 'gridWorker']);

/** One Lambda per area, so that each holds only the grants its routes need. */
export const API_FUNCTIONS = ['api-campaigns', 'api-work', 'api-notifications', 'api-docs'] as const;
export type ApiFunction = (typeof API_FUNCTIONS)[number];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteMeta {
  /** Stable id: the OpenAPI operationId and the key of its handler. */
  id: string;
  method: HttpMethod;
  /** API Gateway syntax: `/campaigns/{campaignId}`. */
  path: string;
  fn: ApiFunction;
  /** Who may call it at all; unit roles are further scoped to their own unit by the handler. */
  roles: readonly Role[];
  summary: string;
  /** Served without a token (the OpenAPI document, health). */
  public?: boolean;
}

const READERS: readonly Role[] = ROLES;
const STAFF: readonly Role[] = ['admin', 'office'];
const ADMIN: readonly Role[] = ['admin'];
const UNIT_WORKERS: readonly Role[] = ['admin', 'office', 'liaison', 'gridWorker'];

export const ROUTES = [
  // Campaigns and their steering (admin), read by everyone signed in.
  {
    id: 'validateDefinition',
    method: 'POST',
    path: '/definitions/validate',
    fn: 'api-campaigns',
    roles: STAFF,
    summary: 'Check a campaign definition; every problem named by field',
  },
  {
    id: 'listCampaigns',
    method: 'GET',
    path: '/campaigns',
    fn: 'api-campaigns',
    roles: READERS,
    summary: 'List campaigns',
  },
  {
    id: 'createCampaign',
    method: 'POST',
    path: '/campaigns',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'Create a campaign from a definition (not started yet)',
  },
  {
    id: 'getCampaign',
    method: 'GET',
    path: '/campaigns/{campaignId}',
    fn: 'api-campaigns',
    roles: READERS,
    summary: 'Status with the timeline of phases and the workflow’s ticks',
  },
  {
    id: 'launchCampaign',
    method: 'POST',
    path: '/campaigns/{campaignId}/launch',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'Start the campaign’s workflow',
  },
  {
    id: 'pauseCampaign',
    method: 'POST',
    path: '/campaigns/{campaignId}/pause',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'Stop reminders and escalations; the schedule is kept',
  },
  {
    id: 'resumeCampaign',
    method: 'POST',
    path: '/campaigns/{campaignId}/resume',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'Resume a paused campaign and catch up',
  },
  {
    id: 'advancePhase',
    method: 'POST',
    path: '/campaigns/{campaignId}/advance',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'End the current phase now and move to the next',
  },
  {
    id: 'extendPhase',
    method: 'POST',
    path: '/campaigns/{campaignId}/extend',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'Extend the current phase; later phases move with it',
  },
  {
    id: 'closeCampaign',
    method: 'POST',
    path: '/campaigns/{campaignId}/close',
    fn: 'api-campaigns',
    roles: ADMIN,
    summary: 'End the campaign and its workflow',
  },
  {
    id: 'listAudit',
    method: 'GET',
    path: '/campaigns/{campaignId}/audit',
    fn: 'api-campaigns',
    roles: ['admin', 'office', 'leader'],
    summary: 'The audit trail: who did what, when and why',
  },
  {
    id: 'listUnits',
    method: 'GET',
    path: '/campaigns/{campaignId}/units',
    fn: 'api-campaigns',
    roles: READERS,
    summary: 'Responsible units with their members',
  },
  {
    id: 'getUnit',
    method: 'GET',
    path: '/campaigns/{campaignId}/units/{unitId}',
    fn: 'api-campaigns',
    roles: READERS,
    summary: 'One unit with its liaison, leader and grid workers',
  },
  {
    id: 'updateUnitMembers',
    method: 'PATCH',
    path: '/campaigns/{campaignId}/units/{unitId}',
    fn: 'api-campaigns',
    roles: STAFF,
    summary: 'Change a unit’s liaison, leader or grid workers',
  },

  // Weekly reports and bulletins.
  {
    id: 'submitReport',
    method: 'POST',
    path: '/campaigns/{campaignId}/reports',
    fn: 'api-work',
    roles: ['admin', 'office', 'liaison'],
    summary: 'Submit (or revise) a unit’s weekly report',
  },
  {
    id: 'listReports',
    method: 'GET',
    path: '/campaigns/{campaignId}/reports',
    fn: 'api-work',
    roles: READERS,
    summary: 'Reports, per period and unit',
  },
  {
    id: 'listBulletins',
    method: 'GET',
    path: '/campaigns/{campaignId}/bulletins',
    fn: 'api-work',
    roles: READERS,
    summary: 'The weekly bulletins compiled so far',
  },
  {
    id: 'getBulletin',
    method: 'GET',
    path: '/campaigns/{campaignId}/bulletins/{period}',
    fn: 'api-work',
    roles: READERS,
    summary: 'One bulletin as JSON, Markdown, HTML or CSV',
  },
  {
    id: 'recordInspection',
    method: 'POST',
    path: '/campaigns/{campaignId}/inspections',
    fn: 'api-work',
    roles: STAFF,
    summary: 'Score a unit at inspection (检查验收)',
  },
  {
    id: 'completeTask',
    method: 'POST',
    path: '/campaigns/{campaignId}/tasks/{taskId}/done',
    fn: 'api-work',
    roles: UNIT_WORKERS,
    summary: 'Mark a campaign task done',
  },

  // The hazard ledger.
  {
    id: 'reportHazard',
    method: 'POST',
    path: '/campaigns/{campaignId}/hazards',
    fn: 'api-work',
    roles: UNIT_WORKERS,
    summary: 'Record a hazard (create)',
  },
  {
    id: 'listHazards',
    method: 'GET',
    path: '/campaigns/{campaignId}/hazards',
    fn: 'api-work',
    roles: READERS,
    summary: 'The ledger, by unit, state or overdue',
  },
  {
    id: 'getHazard',
    method: 'GET',
    path: '/campaigns/{campaignId}/hazards/{hazardId}',
    fn: 'api-work',
    roles: READERS,
    summary: 'One item with its trail',
  },
  {
    id: 'actOnHazard',
    method: 'POST',
    path: '/campaigns/{campaignId}/hazards/{hazardId}/{action}',
    fn: 'api-work',
    roles: UNIT_WORKERS,
    summary: 'order, accept, update, submit (a fix), verify, decline, reassign, close, reopen',
  },

  // Notifications.
  {
    id: 'listNotifications',
    method: 'GET',
    path: '/campaigns/{campaignId}/notifications',
    fn: 'api-notifications',
    roles: STAFF,
    summary: 'The outbox: sent, waiting and dead letters',
  },
  {
    id: 'retryNotifications',
    method: 'POST',
    path: '/campaigns/{campaignId}/notifications/retry',
    fn: 'api-notifications',
    roles: STAFF,
    summary: 'Send dead letters again',
  },

  // Public.
  {
    id: 'getOpenApi',
    method: 'GET',
    path: '/openapi.json',
    fn: 'api-docs',
    roles: [],
    summary: 'This API’s OpenAPI document',
    public: true,
  },
] as const satisfies readonly RouteMeta[];

export type RouteId = (typeof ROUTES)[number]['id'];
