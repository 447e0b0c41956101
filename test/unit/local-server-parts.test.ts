import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  DEV_AUDIENCE,
  DEV_ISSUER,
  devSecret,
  mintDevToken,
  verifyBearer,
} from '../../bin/local/dev-tokens.ts';
import { queryOf } from '../../bin/local/server.ts';
import { FileBulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import { matchRoute } from '../../functions/shared/http/match-route.ts';
import { principalOf } from '../../functions/shared/http/principal.ts';

/** The pieces of `zhili serve` that need no server: dev tokens, route matching, the file archive. */

const secret = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');

describe('dev tokens', () => {
  it('keeps one secret per home, readable by its owner only', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'zhili-secret-'));

    // Act
    const first = await devSecret(home);
    const second = await devSecret(home);

    // Assess
    expect(first).toHaveLength(32);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect((await stat(join(home, 'dev-secret'))).mode & 0o777).toBe(0o600);
    expect((await readFile(join(home, 'dev-secret'), 'utf8')).trim()).toBe(
      Buffer.from(first).toString('base64url'),
    );
  });

  it('mints Cognito-shaped claims that the API reads as the principal, as API Gateway passes them', async () => {
    // Act
    const token = await mintDevToken(secret, { role: 'liaison', unit: 'police-station', name: '孙伟' });
    const claims = await verifyBearer(secret, `Bearer ${token}`);

    // Assess
    expect(claims).toMatchObject({
      'cognito:groups': '[liaison]',
      'custom:unit': 'police-station',
      name: '孙伟',
      iss: DEV_ISSUER,
      aud: DEV_AUDIENCE,
      token_use: 'id',
    });
    expect(principalOf(claims)).toEqual({
      sub: claims.sub,
      name: '孙伟',
      role: 'liaison',
      unitId: 'police-station',
    });
  });

  it('refuses a unit role without a unit and a unit for the other roles', async () => {
    // Act
    const noUnit = await mintDevToken(secret, { role: 'gridWorker' }).catch((error: Error) => error.message);
    const extraUnit = await mintDevToken(secret, { role: 'office', unit: 'police-station' }).catch(
      (error: Error) => error.message,
    );

    // Assess
    expect(noUnit).toBe('a gridWorker acts for one unit: give --unit');
    expect(extraUnit).toBe('an office acts for every unit: leave out --unit');
  });

  it.each([
    ['no header', async () => undefined, /^send a bearer token/],
    ['another scheme', async () => 'Basic dXNlcjpwYXNz', /^send a bearer token/],
    ['garbage', async () => 'Bearer not.a.jwt', /is not valid here/],
    [
      'another secret',
      async () => `Bearer ${await mintDevToken(new TextEncoder().encode('x'.repeat(40)), { role: 'admin' })}`,
      /signed with another secret/,
    ],
    [
      'an expired token',
      async () => `Bearer ${await mintDevToken(secret, { role: 'admin' }, '-1h')}`,
      /has expired/,
    ],
    [
      'another audience',
      async () =>
        `Bearer ${await new SignJWT({ 'cognito:groups': ['admin'] })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('s')
          .setIssuer(DEV_ISSUER)
          .setAudience('someone-else')
          .setExpirationTime('1h')
          .sign(secret)}`,
      /not for this server \(aud does not match\)/,
    ],
  ])('answers 401 for %s', async (_, header, message) => {
    // Act
    const refused = await verifyBearer(secret, await header()).catch((error: Error) => error);

    // Assess
    expect((refused as Error).name).toBe('UnauthorizedError');
    expect((refused as Error).message).toMatch(message);
  });
});

describe('route matching as API Gateway does it', () => {
  it('matches {param} segments, decoded, and tells a wrong method from an unknown path', () => {
    // Act
    const hazard = matchRoute('POST', '/campaigns/c-1/hazards/hz-0123456789/verify');
    const encoded = matchRoute('GET', '/campaigns/c-1/units/%E4%B8%9C');
    const wrongMethod = matchRoute('DELETE', '/campaigns/c-1');
    const empty = matchRoute('GET', '/campaigns//units');
    const trailing = matchRoute('GET', '/campaigns/');

    // Assess
    expect(hazard).toEqual({
      kind: 'route',
      route: expect.objectContaining({ id: 'actOnHazard' }),
      routeKey: 'POST /campaigns/{campaignId}/hazards/{hazardId}/{action}',
      pathParameters: { campaignId: 'c-1', hazardId: 'hz-0123456789', action: 'verify' },
    });
    expect(encoded.kind === 'route' && encoded.pathParameters.unitId).toBe('东');
    expect(wrongMethod).toEqual({ kind: 'method', allowed: ['GET'] });
    expect(empty).toEqual({ kind: 'none' });
    expect(trailing).toEqual({ kind: 'none' });
  });

  it('passes every query parameter on as its own key, repeated values joined, whatever its name', () => {
    // Act
    const query = queryOf(
      new URL('http://localhost/campaigns?__proto__=1&constructor=a&toString=b&unit=x&unit=y'),
    );

    // Assess: the handler then refuses the unknown ones by name, as behind API Gateway.
    expect(Object.entries(query ?? {})).toEqual([
      ['__proto__', '1'],
      ['constructor', 'a'],
      ['toString', 'b'],
      ['unit', 'x,y'],
    ]);
    expect(queryOf(new URL('http://localhost/campaigns'))).toBeUndefined();
  });
});

describe('FileBulletinArchive', () => {
  it('reads back what it wrote, per campaign when one archive serves several, and null for what is not there', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'zhili-archive-'));
    const archive = new FileBulletinArchive((campaignId) => join(root, campaignId));
    await archive.put({
      campaignId: 'a-1',
      name: 'bulletins/p.md',
      contentType: 'text/markdown',
      body: '# A',
    });
    await archive.put({
      campaignId: 'b-2',
      name: 'bulletins/p.md',
      contentType: 'text/markdown',
      body: '# B',
    });

    // Act
    const a = await archive.get('a-1', 'bulletins/p.md');
    const b = await archive.get('b-2', 'bulletins/p.md');
    const missing = await archive.get('a-1', 'bulletins/q.csv');

    // Assess
    expect(a).toEqual({
      campaignId: 'a-1',
      name: 'bulletins/p.md',
      contentType: 'text/markdown',
      body: '# A',
    });
    expect(b?.body).toBe('# B');
    expect(missing).toBeNull();
    await expect(archive.get('a-1', '../b-2/bulletins/p.md')).rejects.toThrow(/not a plain relative path/);
  });
});
