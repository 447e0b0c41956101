import * as z from 'zod/mini';
import { ForbiddenError, NotFoundError } from '../domain/errors.ts';
import '../domain/zod-locale.ts';
import { Slug as UnitId } from '../domain/ids.ts';
import { ROLES, type Role, type RouteMeta, UNIT_ROLES } from './api-routes.ts';
import { UnauthorizedError } from './http-errors.ts';

/**
 * Who is calling, from the claims API Gateway's JWT authorizer has already verified (Cognito ID
 * tokens; locally, the dev tokens `zhili serve` verifies the same way), and what that lets them do.
 *
 * Unit scoping, the rule for the unit roles (liaison, grid worker), one way everywhere:
 * - a list shows only their unit's items; asking a list for another unit by name is refused (403);
 * - one item of another unit (a hazard, a unit's record) does not exist for them: 404, the same
 *   answer as for an id that does not exist, so ids of other units cannot be probed;
 * - a request that names another unit in what it writes (a report, a hazard, a responsible unit)
 *   is refused (403), and nothing is written.
 */

const Text = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));

/** The claims we read; API Gateway passes arrays as strings like "[admin office]". */
export const Claims = z.looseObject({
  sub: Text,
  'cognito:groups': z.optional(z.union([z.string(), z.array(z.string())])),
  'cognito:username': z.optional(Text),
  name: z.optional(Text),
  'custom:unit': z.optional(z.string()),
});
export type Claims = z.infer<typeof Claims>;

export interface Principal {
  /** The account's stable id (Cognito `sub`). */
  sub: string;
  /** The person's name: the actor recorded in audit trails and compared by the ledger's rules. */
  name: string;
  role: Role;
  /** The unit a liaison or grid worker acts for; absent for the other roles. */
  unitId?: string;
}

/** `cognito:groups` as API Gateway hands it over: "[admin]", "admin", "[a b]", or an array. */
export const groupsOf = (value: string | string[] | undefined): string[] => {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return value
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
};

/** "an admin", "a liaison": roles in messages. */
export const aRole = (role: Role): string => `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;

/** The role among the groups, the most capable first (the order of ROLES) when someone holds several. */
const roleOf = (groups: string[]): Role | undefined => ROLES.find((role) => groups.includes(role));

/**
 * The principal of a request. No claims at all is a 401 (what API Gateway answers before the
 * handler runs); claims without a zhili role, without a name, or a unit role without its unit, 403.
 */
export const principalOf = (raw: Record<string, unknown> | undefined): Principal => {
  if (!raw) throw new UnauthorizedError('sign in: this route needs a bearer token');
  const parsed = Claims.safeParse(raw);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(claims)'))];
    throw new UnauthorizedError(`the token's claims are not usable: ${fields.join(', ')}`);
  }
  const claims = parsed.data;
  const role = roleOf(groupsOf(claims['cognito:groups']));
  if (!role) {
    throw new ForbiddenError(
      `your account has no zhili role; ask an administrator to add it to one of the groups ${ROLES.join(', ')}`,
    );
  }
  const name = claims.name ?? claims['cognito:username'];
  if (!name) throw new ForbiddenError('your account has no name (name or cognito:username)');
  if (!UNIT_ROLES.has(role)) return { sub: claims.sub, name, role };
  const unit = UnitId.safeParse(claims['custom:unit']);
  if (!unit.success) {
    throw new ForbiddenError(
      `${aRole(role)} acts for one unit, and your account names none (custom:unit); ask an administrator to set it`,
    );
  }
  return { sub: claims.sub, name, role, unitId: unit.data };
};

/** The route's roles gate, before anything else is looked at. */
export const authorize = (principal: Principal, route: Pick<RouteMeta, 'id' | 'roles' | 'summary'>) => {
  if (!route.roles.includes(principal.role)) {
    throw new ForbiddenError(
      `${aRole(principal.role)} may not do this (${route.id}: ${route.summary}); allowed: ${route.roles.join(', ')}`,
    );
  }
};

/** Whether the principal sees and acts for one unit only. */
export const isUnitScoped = (principal: Principal): boolean => UNIT_ROLES.has(principal.role);

/** The office and the administrators speak for the office in the ledger's rules (verify, reassign, close). */
export const speaksForOffice = (principal: Principal): boolean =>
  principal.role === 'admin' || principal.role === 'office';

/** Whether an item of these units is visible to the principal. */
export const canSee = (principal: Principal, ...unitIds: (string | undefined)[]): boolean =>
  !isUnitScoped(principal) || unitIds.includes(principal.unitId);

/** One item of another unit does not exist for a unit role: the same 404 as an unknown id. */
export const mustSee = (principal: Principal, unitIds: (string | undefined)[], notFound: string): void => {
  if (!canSee(principal, ...unitIds)) throw new NotFoundError(notFound);
};

/** A unit role writing for (or asking a list about) another unit by name: 403. `where` says where it is named. */
export const mustActFor = (principal: Principal, unitId: string | undefined, where: string): void => {
  if (unitId === undefined || canSee(principal, unitId)) return;
  throw new ForbiddenError(
    `${principal.name} (${principal.role}) acts for unit "${principal.unitId}" only, not for unit "${unitId}" (${where})`,
  );
};
