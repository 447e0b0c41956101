import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { devSecret } from '../../bin/local/dev-tokens.ts';
import { serve, zhili } from '../support/cli.ts';

/** `zhili token` and `zhili serve` as a user runs them, each in a fresh home. */

describe('zhili token', () => {
  it('prints a dev token signed with the home’s secret, and refuses a liaison without a unit (exit 2)', async () => {
    // Prepare
    const home = await mkdtemp(join(tmpdir(), 'zhili-token-'));

    // Act
    const minted = await zhili(['token', '--role', 'liaison', '--unit', 'police-station', '--name', '孙伟'], {
      ZHILI_HOME: home,
    });
    const noUnit = await zhili(['token', '--role', 'gridWorker'], { ZHILI_HOME: home });

    // Assess
    expect(minted.code).toBe(0);
    const { payload } = await jwtVerify(minted.stdout.trim(), await devSecret(home));
    expect(payload).toMatchObject({
      'cognito:groups': ['liaison'],
      'custom:unit': 'police-station',
      name: '孙伟',
    });
    expect(noUnit.code).toBe(2);
    expect(noUnit.stderr).toContain('a gridWorker acts for one unit: give --unit');
  }, 60_000);
});

describe('zhili serve', () => {
  it('serves on a free port with dev tokens, refuses a request without one, and stops on SIGTERM', async () => {
    // Prepare
    const server = await serve(['--clock', '2027-02-20T09:00+08:00', '--unit', 'police-station']);
    const file = JSON.parse(await readFile(join(server.home, 'dev-tokens.json'), 'utf8')) as {
      url: string;
      tokens: Record<string, string>;
    };

    // Act
    const anonymous = await fetch(`${server.url}/campaigns`);
    const admin = await fetch(`${server.url}/campaigns`, {
      headers: { authorization: `Bearer ${file.tokens.admin}` },
    });
    const liaison = await fetch(`${server.url}/campaigns/none/units/police-station`, {
      headers: { authorization: `Bearer ${file.tokens['liaison:police-station']}` },
    });
    const code = await server.stop();

    // Assess
    expect(file.url).toBe(server.url);
    expect(Object.keys(file.tokens).sort()).toEqual([
      'admin',
      'gridWorker:police-station',
      'leader',
      'liaison:police-station',
      'office',
    ]);
    expect(anonymous.status).toBe(401);
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual({ campaigns: [] });
    expect(liaison.status).toBe(404);
    expect(code).toBe(0);
    expect(server.output()).toContain('SIGTERM: stopping');
    // The server's own lines never carry a token.
    expect(server.output()).not.toContain(file.tokens.admin as string);
  }, 180_000);
});
