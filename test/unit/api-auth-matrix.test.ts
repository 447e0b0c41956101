import { beforeAll, describe, expect, it } from 'vitest';
import {
  ROLES,
  ROUTES,
  type Role,
  type RouteId,
  type RouteMeta,
} from '../../functions/shared/http/api-routes.ts';
import { aRole } from '../../functions/shared/http/principal.ts';
import { type Answer, apiEvent, type Claims, call, claimsOf } from '../support/api-events.ts';
import { minimalDefinition } from '../support/api-world.ts';
import {
  AT,
  CAMPAIGN,
  DRAFT,
  forkWorld,
  PEOPLE,
  PERIOD,
  type SeededWorld,
  seededWorld,
} from '../support/seeded-world.ts';

/**
 * The authorisation matrix: every role (and no token, and an account with no zhili role) against
 * every route, through the real handlers on the seeded campaign; then unit scoping, case by case.
 * An allowed request succeeds; a refused one answers 401 or 403 with the body the API documents
 * and writes nothing (store, workflow engine, archive).
 */

/**
 * Who may call what, written out by hand: A allowed, - refused (403). The route table
 * (functions/shared/http/api-routes.ts) must say the same; a change of its roles fails here first.
 */
const MATRIX: Record<RouteId, string> = {
  // Roles in the order of ROLES: admin office liaison gridWorker leader
  validateDefinition: 'A A - - -',
  listCampaigns: 'A A A A A',
  createCampaign: 'A - - - -',
  getCampaign: 'A A A A A',
  launchCampaign: 'A - - - -',
  pauseCampaign: 'A - - - -',
  resumeCampaign: 'A - - - -',
  advancePhase: 'A - - - -',
  extendPhase: 'A - - - -',
  closeCampaign: 'A - - - -',
  listAudit: 'A A - - A',
  listUnits: 'A A A A A',
  getUnit: 'A A A A A',
  updateUnitMembers: 'A A - - -',
  submitReport: 'A A A - -',
  listReports: 'A A A A A',
  listBulletins: 'A A A A A',
  getBulletin: 'A A A A A',
  recordInspection: 'A A - - -',
  completeTask: 'A A A A -',
  reportHazard: 'A A A A -',
  listHazards: 'A A A A A',
  getHazard: 'A A A A A',
  actOnHazard: 'A A A A -',
  listNotifications: 'A A - - -',
  retryNotifications: 'A A - - -',
  getOpenApi: '- - - - -', // public: served to everyone, token or not
};

const allowedBy = (id: RouteId): Role[] =>
  ROLES.filter((_, i) => (MATRIX[id].split(' ')[i] as string) === 'A');

/** The callers: each role (the unit roles with a unit of the seeded campaign), no token, no zhili role. */
const CALLERS = {
  admin: PEOPLE.admin,
  office: PEOPLE.office,
  liaison: PEOPLE.police,
  gridWorker: PEOPLE.grid,
  leader: PEOPLE.leader,
  'no token': undefined,
  'no zhili role': claimsOf('superuser', { name: '路人' }),
} as const satisfies Record<Role | 'no token' | 'no zhili role', Claims | undefined>;
type Caller = keyof typeof CALLERS;

/** The unit a caller acts for: a unit role's own; the others act on police-station's items. */
const ownUnit = (caller: Caller): string => (caller === 'gridWorker' ? 'dongfeng-grid-1' : 'police-station');

interface Call {
  method: string;
  path: string;
  body?: unknown;
  query?: Record<string, string>;
  /** Brings the world into the state the call needs (as the admin, before the footprint is taken). */
  prepare?: (world: SeededWorld) => Promise<void>;
}

const base = `/campaigns/${CAMPAIGN}`;
/** The seeded campaign's definition as JSON, under another id. */
const definition = (id: string) => ({
  definition: { ...JSON.parse(JSON.stringify(minimalDefinition())), id },
});

/** A call of each route that succeeds for a caller the route allows, on their own unit's items. */
const callOf = (id: RouteId, caller: Caller, world: SeededWorld): Call => {
  const unit = ownUnit(caller);
  const { gridReported, policeOrdered, communitySubmitted } = world.hazards;
  const reason = { reason: '领导小组决定' };
  const calls: Record<RouteId, Call> = {
    validateDefinition: { method: 'POST', path: '/definitions/validate', body: definition('any-2027') },
    listCampaigns: { method: 'GET', path: '/campaigns' },
    createCampaign: { method: 'POST', path: '/campaigns', body: definition('matrix-2027') },
    getCampaign: { method: 'GET', path: base },
    launchCampaign: { method: 'POST', path: `/campaigns/${DRAFT}/launch` },
    pauseCampaign: { method: 'POST', path: `${base}/pause`, body: reason },
    resumeCampaign: {
      method: 'POST',
      path: `${base}/resume`,
      body: reason,
      prepare: async (w) => {
        const paused = await send(w, 'admin', { method: 'POST', path: `${base}/pause`, body: reason });
        expect(paused.status).toBe(200);
      },
    },
    advancePhase: { method: 'POST', path: `${base}/advance`, body: reason },
    extendPhase: { method: 'POST', path: `${base}/extend`, body: { ...reason, days: 2 } },
    closeCampaign: { method: 'POST', path: `${base}/close`, body: reason },
    listAudit: { method: 'GET', path: `${base}/audit` },
    listUnits: { method: 'GET', path: `${base}/units` },
    getUnit: { method: 'GET', path: `${base}/units/${unit}` },
    updateUnitMembers: {
      method: 'PATCH',
      path: `${base}/units/${unit}`,
      body: { liaison: { name: '周涛', phone: '13800000023' }, reason: '人员调整' },
    },
    submitReport: {
      method: 'POST',
      path: `${base}/reports`,
      body: { unitId: unit, period: PERIOD, content: { progress: '本周完成检查' } },
    },
    listReports: { method: 'GET', path: `${base}/reports` },
    listBulletins: { method: 'GET', path: `${base}/bulletins` },
    getBulletin: { method: 'GET', path: `${base}/bulletins/2027-03-01` },
    recordInspection: { method: 'POST', path: `${base}/inspections`, body: { unitId: unit, score: 90 } },
    // police-station leads anti-fraud-publicity; dongfeng-grid-1 leads no task (see UNIT_SCOPE).
    completeTask: { method: 'POST', path: `${base}/tasks/anti-fraud-publicity/done` },
    reportHazard: {
      method: 'POST',
      path: `${base}/hazards`,
      body: { unitId: unit, location: '某路1号', category: '消防通道', description: '杂物堵塞' },
    },
    listHazards: { method: 'GET', path: `${base}/hazards` },
    getHazard: {
      method: 'GET',
      path: `${base}/hazards/${caller === 'gridWorker' ? gridReported.id : policeOrdered.id}`,
    },
    actOnHazard:
      caller === 'liaison'
        ? {
            method: 'POST',
            path: `${base}/hazards/${policeOrdered.id}/submit`,
            body: { evidence: { text: '已清理' } },
          }
        : caller === 'gridWorker'
          ? { method: 'POST', path: `${base}/hazards/${gridReported.id}/order`, body: { measures: '清理' } }
          : {
              method: 'POST',
              path: `${base}/hazards/${communitySubmitted.id}/verify`,
              body: { passed: true },
            },
    listNotifications: { method: 'GET', path: `${base}/notifications` },
    retryNotifications: { method: 'POST', path: `${base}/notifications/retry`, body: {} },
    getOpenApi: { method: 'GET', path: '/openapi.json' },
  };
  return calls[id];
};

/** Allowed by the roles gate but refused by unit scoping, for want of an item of the caller's unit. */
const SCOPED_OUT: Partial<Record<RouteId, Partial<Record<Caller, string>>>> = {
  completeTask: { gridWorker: 'dongfeng-grid-1 leads no task' },
};

const send = (world: SeededWorld, caller: Caller | Claims | undefined, request: Call): Promise<Answer> => {
  const claims = typeof caller === 'string' ? CALLERS[caller as Caller] : caller;
  const event = apiEvent(request.method, request.path, {
    ...(claims ? { claims } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.query ? { query: request.query } : {}),
    at: AT,
  });
  const route = ROUTES.find((r) => `${r.method} ${r.path}` === event.routeKey) as RouteMeta;
  return call(world.handlers[route.fn], event);
};

const footprint = (world: SeededWorld) => ({
  writes: world.store.writes,
  table: world.store.snapshot(),
  starts: world.engine.starts.length,
  stops: world.engine.stops.length,
  documents: world.archive.documents.size,
});

let template: SeededWorld;
beforeAll(async () => {
  template = await seededWorld();
});

describe('the authorisation matrix', () => {
  it('is the route table’s: every route’s roles are the ones written out above', () => {
    for (const route of ROUTES) expect([route.id, [...route.roles]]).toEqual([route.id, allowedBy(route.id)]);
    expect(Object.keys(MATRIX).sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });

  it('never lets a leader write: no route but a GET names the role', () => {
    const writes = ROUTES.filter((route) => route.method !== 'GET');
    expect(writes.filter((route) => (route.roles as readonly Role[]).includes('leader'))).toEqual([]);
  });

  describe.each(
    ROUTES.map((route) => [`${route.method} ${route.path}`, route as RouteMeta & { id: RouteId }] as const),
  )('%s', (_, route) => {
    it.each(Object.keys(CALLERS) as Caller[])('as %s', async (caller) => {
      // Prepare
      const world = forkWorld(template);
      const request = callOf(route.id, caller, world);
      await request.prepare?.(world);
      const before = footprint(world);

      // Act
      const answer = await send(world, caller, request);

      // Assess
      const role = ROLES.includes(caller as Role) ? (caller as Role) : undefined;
      const scopedOut = SCOPED_OUT[route.id]?.[caller];
      if (route.public) {
        expect(answer.status).toBe(200);
      } else if (caller === 'no token') {
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Bearer');
        expect(answer.body).toEqual({
          error: 'UnauthorizedError',
          message: 'sign in: this route needs a bearer token',
        });
      } else if (!role) {
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({
          error: 'ForbiddenError',
          message: `your account has no zhili role; ask an administrator to add it to one of the groups ${ROLES.join(', ')}`,
        });
      } else if (!allowedBy(route.id).includes(role)) {
        expect(answer.status).toBe(403);
        expect(answer.body).toEqual({
          error: 'ForbiddenError',
          message: `${aRole(role)} may not do this (${route.id}: ${route.summary}); allowed: ${route.roles.join(', ')}`,
        });
      } else if (scopedOut) {
        expect(answer.status, scopedOut).toBe(403);
        expect(String(answer.body.message)).toMatch(/ acts for unit "[a-z0-9-]+" only, not for unit /);
      } else {
        expect(answer.status, answer.text).toBeLessThan(300);
      }
      if (answer.status >= 400) expect(footprint(world)).toEqual(before);
    });
  });
});

/**
 * Unit scoping, case by case (functions/shared/http/principal.ts): a liaison or grid worker sees
 * and changes their own unit's items. One item of another unit does not exist for them (404, as an
 * unknown id); naming another unit in what they write, or in a list's filter, is refused (403).
 * A hazard is a unit's when it was found there or is assigned to it. The seeded hazards:
 *   gridReported          found in dongfeng-grid-1, reported by its grid worker 陈刚
 *   policeOrdered         found in police-station, ordered by its liaison 孙伟
 *   communitySubmitted    found in dongfeng-community, a fix submitted
 *   gridAssignedToPolice  found in dongfeng-grid-1, assigned by the office to police-station
 */
const UNIT_PEOPLE = {
  police: PEOPLE.police, // liaison of police-station
  community: PEOPLE.community, // liaison of dongfeng-community (the grid's parent unit)
  grid: PEOPLE.grid, // grid worker of dongfeng-grid-1
} as const;

type Hazard = keyof SeededWorld['hazards'];
type Row = [
  who: keyof typeof UNIT_PEOPLE,
  method: string,
  path: string,
  body: unknown,
  expected: number,
  why: string,
];

const UNIT_SCOPE: Row[] = [
  // who, method, path (under the campaign; {hazard} by seeded name), body, expected, why
  ['police', 'GET', '/units/police-station', undefined, 200, 'their own unit'],
  ['police', 'GET', '/units/dongfeng-community', undefined, 404, 'another unit does not exist for them'],
  ['grid', 'GET', '/units/dongfeng-grid-1', undefined, 200, 'their own unit'],
  ['grid', 'GET', '/units/police-station', undefined, 404, 'another unit'],
  ['police', 'POST', '/reports', { unitId: 'police-station' }, 201, 'a report for their unit'],
  ['police', 'POST', '/reports', { unitId: 'dongfeng-community' }, 403, 'a report for another unit'],
  ['community', 'POST', '/reports', { unitId: 'dongfeng-grid-1' }, 403, 'not even for their own grid'],
  ['police', 'GET', '/reports?unitId=police-station', undefined, 200, 'their unit’s reports'],
  ['police', 'GET', '/reports?unitId=dongfeng-community', undefined, 403, 'asking for another unit’s'],
  ['grid', 'POST', '/hazards', { unitId: 'dongfeng-grid-1' }, 201, 'a hazard found in their unit'],
  ['grid', 'POST', '/hazards', { unitId: 'police-station' }, 403, 'a hazard in another unit'],
  ['police', 'GET', '/hazards?unit=police-station', undefined, 200, 'their unit’s ledger'],
  ['police', 'GET', '/hazards?unit=dongfeng-grid-1', undefined, 403, 'another unit’s ledger'],
  ['police', 'GET', '/hazards/{policeOrdered}', undefined, 200, 'found in their unit'],
  ['police', 'GET', '/hazards/{gridAssignedToPolice}', undefined, 200, 'assigned to their unit'],
  ['grid', 'GET', '/hazards/{gridAssignedToPolice}', undefined, 200, 'found in their unit, assigned away'],
  ['police', 'GET', '/hazards/{gridReported}', undefined, 404, 'neither found in nor assigned to it'],
  ['police', 'GET', '/hazards/{communitySubmitted}', undefined, 404, 'another unit’s'],
  ['grid', 'GET', '/hazards/{policeOrdered}', undefined, 404, 'another unit’s'],
  ['community', 'GET', '/hazards/{gridReported}', undefined, 404, 'a parent unit does not see its grid’s'],
  ['police', 'POST', '/hazards/{policeOrdered}/submit', { evidence: { text: '已清理' } }, 200, 'their item'],
  ['police', 'POST', '/hazards/{communitySubmitted}/verify', { passed: true }, 404, 'another unit’s item'],
  ['police', 'POST', '/hazards/{gridReported}/order', { measures: '清理' }, 404, 'another unit’s item'],
  ['community', 'POST', '/hazards/{policeOrdered}/close', { reason: '销号' }, 404, 'another unit’s item'],
  ['grid', 'POST', '/hazards/{gridReported}/order', { measures: '清理' }, 200, 'their item, their unit'],
  [
    'grid',
    'POST',
    '/hazards/{gridReported}/order',
    { measures: '清理', responsibleUnit: 'police-station' },
    403,
    'giving the work to another unit',
  ],
  ['police', 'POST', '/tasks/anti-fraud-publicity/done', undefined, 200, 'a task their unit leads'],
  ['police', 'POST', '/tasks/shop-fire-check/done', undefined, 403, 'a task another unit leads'],
  ['grid', 'POST', '/tasks/shop-fire-check/done', undefined, 403, 'a participant, not the lead'],
  ['police', 'GET', '/bulletins', undefined, 200, 'the bulletins are the whole campaign’s'],
];

/** A row's body completed with what the route needs besides the unit (the row names only that). */
const completed = (path: string, body: unknown): unknown => {
  if (body === undefined || typeof body !== 'object' || body === null) return body;
  if (path === '/reports') return { period: PERIOD, content: { progress: '本周完成检查' }, ...body };
  if (path === '/hazards')
    return { location: '某路1号', category: '消防通道', description: '杂物堵塞', ...body };
  return body;
};

describe('unit scoping', () => {
  // Titled without the body: who, the request, the answer and why.
  const cases = UNIT_SCOPE.map(
    ([who, method, path, body, expected, why]) => [who, method, path, expected, why, body] as const,
  );
  it.each(cases)('%s %s %s → %i (%s)', async (who, method, path, expected, _why, body) => {
    // Prepare
    const world = forkWorld(template);
    const concrete = path.replace(/\{(\w+)\}/, (_, name: Hazard) => world.hazards[name].id);
    const [pathname, search] = concrete.split('?');
    const before = footprint(world);

    // Act
    const answer = await send(world, UNIT_PEOPLE[who], {
      method,
      path: `${base}${pathname}`,
      ...(search ? { query: Object.fromEntries(new URLSearchParams(search)) } : {}),
      ...(body !== undefined ? { body: completed(pathname as string, body) } : {}),
    });

    // Assess
    expect(answer.status, answer.text).toBe(expected);
    if (expected === 404) expect(answer.body.error).toBe('NotFoundError');
    if (expected === 403)
      expect(String(answer.body.message)).toMatch(/ acts for unit "[a-z0-9-]+" only, not for unit /);
    if (expected >= 400) expect(footprint(world)).toEqual(before);
  });

  // Seeded: reports of police-station and dongfeng-community; dongfeng-grid-1 has none.
  it.each([
    ['police', 'police-station', ['police-station'], ['policeOrdered', 'gridAssignedToPolice']],
    ['community', 'dongfeng-community', ['dongfeng-community'], ['communitySubmitted']],
    ['grid', 'dongfeng-grid-1', [], ['gridReported', 'gridAssignedToPolice']],
  ] as const)(
    'lists for %s only their unit, its reports and the hazards found in or assigned to it',
    async (who, unit, reported, hazards) => {
      // Prepare
      const world = forkWorld(template);
      const get = (path: string) => send(world, UNIT_PEOPLE[who], { method: 'GET', path: `${base}${path}` });

      // Act
      const listedUnits = await get('/units');
      const reports = await get('/reports');
      const ledger = await get('/hazards');

      // Assess
      expect((listedUnits.body.units as { id: string }[]).map((u) => u.id)).toEqual([unit]);
      expect((reports.body.reports as { unitId: string }[]).map((r) => r.unitId)).toEqual(reported);
      expect((ledger.body.items as { id: string }[]).map((h) => h.id).sort()).toEqual(
        hazards.map((h) => world.hazards[h].id).sort(),
      );
      for (const line of ledger.body.counts as { unitId: string }[]) expect(line.unitId).toBe(unit);
    },
  );

  it('refuses a unit role whose account names no unit, or a malformed one (403), before anything else', async () => {
    // Prepare
    const world = forkWorld(template);
    const before = footprint(world);
    const { 'custom:unit': _, ...noUnit } = PEOPLE.police;

    // Act
    const answers = await Promise.all(
      [noUnit, { ...PEOPLE.police, 'custom:unit': 'Police Station' }].map((claims) =>
        send(world, claims, { method: 'GET', path: `${base}/hazards` }),
      ),
    );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(answer.body.message).toBe(
        'a liaison acts for one unit, and your account names none (custom:unit); ask an administrator to set it',
      );
    }
    expect(footprint(world)).toEqual(before);
  });
});
