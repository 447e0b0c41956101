import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zhili } from '../support/cli.ts';

/**
 * `zhili login` and `logout` against a loopback stand-in for Cognito's InitiateAuth endpoint
 * (ZHILI_COGNITO_ENDPOINT) that also serves `GET /campaigns` as a deployed API would: never a real
 * AWS call.
 */

const PASSWORD = 'Correct-Horse-9';

/** An ID token as Cognito shapes it (the signature is not checked here). */
const idToken = (claims: Record<string, unknown>): string =>
  ['eyJhbGciOiJSUzI1NiJ9', Buffer.from(JSON.stringify(claims)).toString('base64url'), 'c2lnbmF0dXJl'].join(
    '.',
  );

const OFFICE_TOKEN = idToken({ sub: 'u-1', name: '李明', 'cognito:groups': ['office'], token_use: 'id' });

describe('zhili login against a stand-in Cognito', () => {
  let server: Server;
  let url: string;
  let home: string;
  const cognitoCalls: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  const bearers: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      request.on('end', () => {
        const send = (status: number, body: unknown, type = 'application/json') => {
          response.writeHead(status, { 'content-type': type });
          response.end(JSON.stringify(body));
        };
        if (request.method === 'GET' && request.url === '/campaigns') {
          bearers.push(request.headers.authorization ?? '');
          if (request.headers.authorization !== `Bearer ${OFFICE_TOKEN}`)
            return send(401, { error: 'UnauthorizedError', message: 'sign in' });
          return send(200, { campaigns: [] });
        }
        const body = JSON.parse(text) as Record<string, unknown>;
        cognitoCalls.push({ headers: request.headers, body });
        const type = 'application/x-amz-json-1.1';
        const tokens = (expiresIn: number) => ({
          AuthenticationResult: { IdToken: OFFICE_TOKEN, AccessToken: 'a', ExpiresIn: expiresIn },
        });
        if (request.headers['x-amz-target'] === 'AWSCognitoIdentityProviderService.RespondToAuthChallenge') {
          const { NEW_PASSWORD } = body.ChallengeResponses as { NEW_PASSWORD: string };
          if (NEW_PASSWORD.length < 12)
            return send(
              400,
              { __type: 'InvalidPasswordException', message: 'Password not long enough' },
              type,
            );
          return send(200, tokens(3600), type);
        }
        const { USERNAME, PASSWORD: password } = body.AuthParameters as {
          USERNAME: string;
          PASSWORD: string;
        };
        if (password !== PASSWORD)
          return send(
            400,
            { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' },
            type,
          );
        if (USERNAME === 'new@example.com') {
          return send(
            200,
            {
              ChallengeName: 'NEW_PASSWORD_REQUIRED',
              Session: 'session-1',
              ChallengeParameters: { USER_ID_FOR_SRP: 'uuid-new' },
            },
            type,
          );
        }
        return send(200, tokens(USERNAME === 'brief@example.com' ? 0 : 3600), type);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    home = await mkdtemp(join(tmpdir(), 'zhili-login-'));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const env = (more: Record<string, string> = {}) => ({
    ZHILI_HOME: home,
    ZHILI_COGNITO_ENDPOINT: `${url}/`,
    ...more,
  });
  const login = (user: string, password?: string, more: Record<string, string> = {}) =>
    zhili(
      ['login', '--api', url, '--client-id', 'client-1', '--region', 'cn-north-1', '--user', user],
      env({ ...(password ? { ZHILI_PASSWORD: password } : {}), ...more }),
    );

  it('refuses a wrong password with exit 4 and keeps nothing', async () => {
    // Act
    const run = await login('li.ming@example.com', 'wrong');

    // Assess
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      'Cognito refused the sign-in: Incorrect username or password. (NotAuthorizedException)',
    );
    expect(run.stdout + run.stderr).not.toContain('wrong');
    await expect(stat(join(home, 'credentials.json'))).rejects.toThrow();
  }, 60_000);

  it('signs in with USER_PASSWORD_AUTH, keeps the ID token (0600) for that API, and later commands send it', async () => {
    // Act
    const run = await login('li.ming@example.com', PASSWORD);
    const campaigns = await zhili(['campaigns', '--json'], env({ ZHILI_API: url }));

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`✓ signed in to ${url} as 李明 (office) until `);
    for (const secret of [OFFICE_TOKEN, PASSWORD]) {
      expect(run.stdout + run.stderr + campaigns.stdout + campaigns.stderr).not.toContain(secret);
    }
    const call = cognitoCalls.at(-1);
    expect(call?.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.InitiateAuth');
    expect(call?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(call?.body).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-1',
      AuthParameters: { USERNAME: 'li.ming@example.com', PASSWORD },
    });
    const file = join(home, 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      [url]: {
        idToken: OFFICE_TOKEN,
        expiresAt: expect.any(String),
        user: 'li.ming@example.com',
        clientId: 'client-1',
        region: 'cn-north-1',
      },
    });
    expect(campaigns.code).toBe(0);
    expect(JSON.parse(campaigns.stdout)).toEqual({ campaigns: [] });
    expect(bearers.at(-1)).toBe(`Bearer ${OFFICE_TOKEN}`);
  }, 60_000);

  it('sets the new password Cognito asks for at the first sign-in, refusing one the pool does not take', async () => {
    // Act
    const unanswered = await login('new@example.com', PASSWORD);
    const weak = await login('new@example.com', PASSWORD, { ZHILI_NEW_PASSWORD: 'short' });
    const set = await login('new@example.com', PASSWORD, { ZHILI_NEW_PASSWORD: 'Another-Horse-10' });

    // Assess
    expect(unanswered.code).toBe(2);
    expect(unanswered.stderr).toContain('set ZHILI_NEW_PASSWORD');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Password not long enough (InvalidPasswordException)');
    expect(weak.stderr).toContain('at least 12 characters');
    expect(set.code).toBe(0);
    expect(set.stdout + set.stderr).not.toContain('Another-Horse-10');
    expect(cognitoCalls.at(-1)).toMatchObject({
      headers: { 'x-amz-target': 'AWSCognitoIdentityProviderService.RespondToAuthChallenge' },
      body: {
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ClientId: 'client-1',
        Session: 'session-1',
        ChallengeResponses: { USERNAME: 'uuid-new', NEW_PASSWORD: 'Another-Horse-10' },
      },
    });
  }, 90_000);

  it('says what to do when the sign-in has expired, and without a password', async () => {
    // Act
    await login('brief@example.com', PASSWORD);
    const expired = await zhili(['campaigns'], env({ ZHILI_API: url }));
    const noPassword = await login('li.ming@example.com');

    // Assess
    expect(expired.code).toBe(4);
    expect(expired.stderr).toContain(`your sign-in to ${url} as brief@example.com expired`);
    expect(expired.stderr).toContain(
      `zhili login --api ${url} --client-id client-1 --region cn-north-1 --user brief@example.com`,
    );
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('set ZHILI_PASSWORD');
  }, 90_000);

  it('forgets the token on logout', async () => {
    // Act
    const out = await zhili(['logout', '--api', url], env());
    const again = await zhili(['logout', '--api', url], env());

    // Assess
    expect(out.stdout).toContain(`✓ signed out of ${url}`);
    expect(again.stdout).toContain('nothing to forget');
    expect(JSON.parse(await readFile(join(home, 'credentials.json'), 'utf8'))).toEqual({});
  }, 60_000);
});
