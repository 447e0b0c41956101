import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mintDevToken } from '../../bin/local/dev-tokens.ts';
import { LocalRuntime } from '../../bin/local/runtime.ts';
import { type ApiServer, startApiServer } from '../../bin/local/server.ts';
import { FileBulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import type { Role } from '../../functions/shared/http/api-routes.ts';
import openApi from '../../openapi.json' with { type: 'json' };
import { CAMPAIGN, fixtureYaml } from '../support/api-world.ts';
import { sharedDb } from '../support/local-db.ts';

/**
 * The local server end to end: the real node:http server on a free loopback port, dev tokens,
 * the local runtime (synthesized state machine) on DynamoDB Local, and a campaign driven through
 * the API from its creation to its close, with the refusals on the way.
 */

const START = '2027-02-20T09:00:00+08:00';
const base = `/campaigns/${CAMPAIGN}`;

describe('zhili serve: the HTTP API over the local runtime', () => {
  let runtime: LocalRuntime;
  let server: ApiServer;
  const secret = new Uint8Array(randomBytes(32));
  const tokens: Record<string, string> = {};
  /** The access lines the server prints (`zhili serve` writes them to stdout). */
  const accessLines: string[] = [];

  const token = async (role: Role, unit?: string, name?: string) =>
    mintDevToken(secret, { role, ...(unit ? { unit } : {}), ...(name ? { name } : {}) });

  /** A request as a client sends it; JSON in, JSON (or text) out. */
  const send = async (
    method: string,
    path: string,
    options: { as?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(options.as ? { authorization: `Bearer ${tokens[options.as] ?? options.as}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined
        ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
        : {}),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json')
      ? JSON.parse(text)
      : null;
    return { status: response.status, headers: response.headers, body: json, text };
  };

  beforeAll(async () => {
    const out = await mkdtemp(join(tmpdir(), 'zhili-serve-'));
    runtime = await LocalRuntime.start({
      outDir: out,
      db: sharedDb(),
      tableName: `api-${randomUUID().slice(0, 8)}`,
      pauseAt: new Date(START).toISOString(),
      archive: new FileBulletinArchive((campaignId) => join(out, campaignId)),
    });
    server = await startApiServer({
      store: runtime.store,
      engine: runtime,
      archive: runtime.archive,
      play: (to) => runtime.playUntil(to),
      secret,
      openApi: async () => openApi,
      clock: START,
      port: 0,
      onRequest: (line) => accessLines.push(line),
    });
    tokens.admin = await token('admin', undefined, '王建国');
    tokens.office = await token('office', undefined, '李明');
    tokens.leader = await token('leader', undefined, '王建国');
    tokens.police = await token('liaison', 'police-station', '孙伟');
    tokens.grid = await token('gridWorker', 'dongfeng-grid-1', '陈刚');
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await runtime?.close();
  });

  it('serves its OpenAPI document without a token, and nothing else', async () => {
    // Act
    const doc = await send('GET', '/openapi.json');
    const none = await send('GET', '/campaigns');
    const garbage = await send('GET', '/campaigns', { as: 'not-a-token' });
    const otherSecret = await send('GET', '/campaigns', {
      as: await mintDevToken(new Uint8Array(randomBytes(32)), { role: 'admin' }),
    });

    // Assess
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.body.error).toBe('UnauthorizedError');
    expect(garbage.status).toBe(401);
    expect(otherSecret.status).toBe(401);
  });

  it('creates the campaign as admin (an office account may not) and launches it', async () => {
    // Prepare: the campaign file parsed by the client, as the CLI does; the API takes JSON only.
    const definition = parse(fixtureYaml()) as Record<string, unknown>;

    // Act
    const byOffice = await send('POST', '/campaigns', { as: 'office', body: { definition } });
    const created = await send('POST', '/campaigns', { as: 'admin', body: { definition } });
    const launched = await send('POST', `${base}/launch`, { as: 'admin' });
    const status = await send('GET', base, { as: 'leader' });

    // Assess
    expect(byOffice.status).toBe(403);
    expect(created.status).toBe(201);
    expect(launched.body).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: true });
    expect(status.body.campaign).toMatchObject({ status: 'running', launchedAt: '2027-02-20T01:00:00.000Z' });
    // Played up to the clock: the execution waits for the first phase to start.
    expect(status.body.workflow.next).toMatchObject({ action: 'startPhase', at: '2027-02-21T16:00:00.000Z' });
  }, 60_000);

  it('moves the clock forward as admin only, and plays the workflow up to it', async () => {
    // Act
    const byOffice = await send('POST', '/_local/clock', {
      as: 'office',
      body: { to: '2027-03-02T09:00:00+08:00' },
    });
    const moved = await send('POST', '/_local/clock', {
      as: 'admin',
      body: { to: '2027-03-02T09:00:00+08:00' },
    });
    const backwards = await send('POST', '/_local/clock', { as: 'admin', body: { to: START } });
    const status = await send('GET', base, { as: 'office' });

    // Assess
    expect(byOffice.status).toBe(403);
    expect(moved.body).toEqual({ clock: '2027-03-02T01:00:00.000Z', fixed: true });
    expect(backwards.status).toBe(400);
    expect(backwards.body.message).toMatch(/^the clock only moves forward/);
    expect(status.body.campaign.phase).toBe('rectify');
    expect(status.body.timeline.map((p: { status: string }) => p.status)).toEqual([
      'done',
      'running',
      'planned',
      'planned',
    ]);
  }, 120_000);

  it('takes a liaison’s report for their unit and refuses one for another unit', async () => {
    // Act
    const report = await send('POST', `${base}/reports`, {
      as: 'police',
      body: { unitId: 'police-station', period: '2027-03-08', content: { progress: '完成商户消防检查' } },
    });
    const other = await send('POST', `${base}/reports`, {
      as: 'police',
      body: { unitId: 'dongfeng-community', period: '2027-03-08', content: { progress: '代报' } },
    });
    const listed = await send('GET', `${base}/reports?period=2027-03-08`, { as: 'police' });

    // Assess
    expect(report.status).toBe(201);
    expect(report.body).toMatchObject({ unitId: 'police-station', onTime: true, submittedBy: '孙伟' });
    expect(other.status).toBe(403);
    expect(listed.body.reports.map((r: { unitId: string }) => r.unitId)).toEqual(['police-station']);
  });

  it('runs a hazard from report to verification, hidden from other units', async () => {
    // Act
    const reported = await send('POST', `${base}/hazards`, {
      as: 'grid',
      body: {
        unitId: 'dongfeng-grid-1',
        location: '幸福路12号',
        category: '消防通道',
        description: '安全出口堆放杂物',
      },
    });
    const id = String(reported.body.id);
    const ordered = await send('POST', `${base}/hazards/${id}/order`, {
      as: 'grid',
      body: { measures: '清理杂物', deadline: '2027-03-03T18:00:00+08:00' },
    });
    const submitted = await send('POST', `${base}/hazards/${id}/submit`, {
      as: 'grid',
      body: { evidence: { text: '已清理', photos: ['photo:after-1'] } },
    });
    const verified = await send('POST', `${base}/hazards/${id}/verify`, {
      as: 'office',
      body: { passed: true },
    });
    const byOtherUnit = await send('GET', `${base}/hazards/${id}`, { as: 'police' });
    const theirList = await send('GET', `${base}/hazards`, { as: 'police' });
    const leaderWrites = await send('POST', `${base}/hazards/${id}/reopen`, {
      as: 'leader',
      body: { reason: '复查' },
    });

    // Assess
    expect(reported.status).toBe(201);
    expect([ordered.body.state, submitted.body.state, verified.body.state]).toEqual([
      'ordered',
      'submitted',
      'verified',
    ]);
    expect(byOtherUnit.status).toBe(404);
    expect(theirList.body.items).toEqual([]);
    expect(leaderWrites.status).toBe(403);
  });

  it('lists the notifications the workflow queued, and refuses them to a liaison', async () => {
    // Act
    const outbox = await send('GET', `${base}/notifications`, { as: 'office' });
    const byLiaison = await send('GET', `${base}/notifications`, { as: 'police' });

    // Assess
    const kinds = new Set(outbox.body.notifications.map((n: { kind: string }) => n.kind));
    expect(kinds.has('phaseStart')).toBe(true);
    expect(byLiaison.status).toBe(403);
  });

  it('compiles the period’s bulletin when the clock passes its cutoff, as JSON and as Markdown', async () => {
    // Act
    await send('POST', '/_local/clock', { as: 'admin', body: { to: '2027-03-08T14:00:00+08:00' } });
    const bulletin = await send('GET', `${base}/bulletins/2027-03-08`, { as: 'leader' });
    const markdown = await send('GET', `${base}/bulletins/2027-03-08?format=md`, { as: 'leader' });

    // Assess
    expect(bulletin.status).toBe(200);
    expect(bulletin.body.onTime.map((u: { id: string }) => u.id)).toEqual(['police-station']);
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(markdown.text).toContain('工作情况通报（第2期）');
  }, 120_000);

  it('extends the running phase, pauses and closes the campaign, each in the audit trail', async () => {
    // Act
    const extended = await send('POST', `${base}/extend`, {
      as: 'admin',
      body: { reason: '整改量大', days: 3 },
    });
    const paused = await send('POST', `${base}/pause`, { as: 'admin', body: { reason: '检查组进驻' } });
    const closed = await send('POST', `${base}/close`, { as: 'admin', body: { reason: '提前结束' } });
    const audit = await send('GET', `${base}/audit`, { as: 'leader' });
    const status = await send('GET', base, { as: 'leader' });

    // Assess
    expect(extended.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    expect(closed.body.status).toBe('closed');
    const actions = audit.body.events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['campaign.created', 'campaign.launched', 'campaign.paused', 'campaign.closed']),
    );
    expect(status.body.timeline.find((p: { phase: string }) => p.phase === 'rectify').plannedEnd).toBe(
      '2027-03-24T16:00:00.000Z',
    );
  }, 120_000);

  it('prints each request’s path without its query string, which may carry what it should not', async () => {
    // Act
    const answer = await send('GET', `${base}/hazards?access_token=SECRET-in-the-query`, { as: 'office' });

    // Assess
    expect(answer.status).toBe(400);
    expect(accessLines.at(-1)).toMatch(new RegExp(`^GET ${base}/hazards → 400 \\(\\d+ ms\\)$`));
    expect(accessLines.join('\n')).not.toContain('SECRET');
  });

  it('answers 404 for an unknown path and a known path with another method, saying which it takes', async () => {
    // Act
    const unknown = await send('GET', '/nowhere', { as: 'admin' });
    const method = await send('DELETE', base, { as: 'admin' });

    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('no route GET /nowhere; GET /openapi.json lists the routes');
    expect(method.status).toBe(404);
    expect(method.body.message).toBe(`no route DELETE ${base}; that path takes GET`);
  });
});
