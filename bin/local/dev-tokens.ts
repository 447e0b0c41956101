import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';
import * as z from 'zod/mini';
import { ValidationError } from '../../functions/shared/domain/errors.ts';
import { Slug } from '../../functions/shared/domain/ids.ts';
import { ROLES, type Role, UNIT_ROLES } from '../../functions/shared/http/api-routes.ts';
import { UnauthorizedError } from '../../functions/shared/http/http-errors.ts';
import { aRole } from '../../functions/shared/http/principal.ts';

/**
 * Dev tokens for `zhili serve`: real JWTs (HS256) signed with a secret kept per home
 * (`<stateDir>/dev-secret`), with the claims of a Cognito ID token, so that the API reads them
 * exactly as it reads Cognito's on AWS. They open the local server only.
 */

export const DEV_ISSUER = 'https://zhili.local/dev';
export const DEV_AUDIENCE = 'zhili-local';
/** How long a dev token lasts unless told otherwise. */
export const DEV_TOKEN_LIFETIME = '30d';

/** The signing secret of this home, made on first use; readable by its owner only. */
export const devSecret = async (stateDir: string): Promise<Uint8Array> => {
  const file = join(stateDir, 'dev-secret');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing?.trim()) return Buffer.from(existing.trim(), 'base64url');
  const secret = randomBytes(32);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${secret.toString('base64url')}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return new Uint8Array(secret);
};

export const DevIdentity = z.strictObject({
  role: z.enum(ROLES),
  unit: z.optional(Slug),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(50))),
});
export type DevIdentity = z.infer<typeof DevIdentity>;

/** The person a dev token names when none is given: their role (and unit). */
export const defaultName = (role: Role, unit?: string): string =>
  unit ? `${role}-${unit}` : `local-${role}`;

/**
 * Mints a dev token. A liaison or grid worker must have a unit, the other roles may not; `expiresIn`
 * is a span jose reads ("12h", "30d").
 */
export const mintDevToken = async (
  secret: Uint8Array,
  identity: DevIdentity,
  expiresIn: string = DEV_TOKEN_LIFETIME,
): Promise<string> => {
  const parsed = DevIdentity.safeParse(identity);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new ValidationError(
      `not a dev identity: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const { role, unit } = parsed.data;
  if (UNIT_ROLES.has(role) && !unit) {
    throw new ValidationError(`${aRole(role)} acts for one unit: give --unit`, [
      { path: 'unit', message: 'required' },
    ]);
  }
  if (!UNIT_ROLES.has(role) && unit) {
    throw new ValidationError(`${aRole(role)} acts for every unit: leave out --unit`, [
      { path: 'unit', message: `not for a ${role}` },
    ]);
  }
  const name = parsed.data.name ?? defaultName(role, unit);
  // A stable subject per person, as Cognito's sub is stable per user.
  const sub = createHash('sha256')
    .update([role, unit ?? '', name].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
  return new SignJWT({
    'cognito:groups': [role],
    'cognito:username': `${role}${unit ? `.${unit}` : ''}`,
    name,
    token_use: 'id',
    ...(unit ? { 'custom:unit': unit } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(secret);
};

/** Claims as API Gateway hands them to a Lambda: arrays as "[a b]", every value a string. */
export const apiGatewayClaims = (payload: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [
      key,
      Array.isArray(value) ? `[${value.join(' ')}]` : String(value),
    ]),
  );

/**
 * What API Gateway's JWT authorizer does before any handler runs: a bearer token, signed with the
 * home's secret, for this issuer and audience, not expired; its claims, or a 401 saying why.
 */
export const verifyBearer = async (
  secret: Uint8Array,
  authorization: string | undefined,
): Promise<Record<string, string>> => {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
  if (!token) {
    throw new UnauthorizedError(
      'send a bearer token: Authorization: Bearer <token> (`zhili token --role admin` mints one)',
    );
  }
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
    });
    return apiGatewayClaims(payload);
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new UnauthorizedError('the token has expired; mint a new one with `zhili token`');
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw new UnauthorizedError(`the token is not for this server (${error.claim} does not match)`);
    }
    throw new UnauthorizedError(
      'the token is not valid here (it is malformed or signed with another secret; dev tokens are per ZHILI_HOME)',
    );
  }
};
