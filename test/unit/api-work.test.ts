import { describe, expect, it } from 'vitest';
import { Logger } from '../../functions/shared/adapters/logger.ts';
import type { HazardRecord } from '../../functions/shared/domain/hazard.ts';
import type { BulletinRecord, Notification } from '../../functions/shared/domain/records.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import { claimsOf } from '../support/api-events.ts';
import { apiWorld, CAMPAIGN } from '../support/api-world.ts';
import { campaignWalk } from '../support/campaign-walk.ts';

/** The api-work and api-notifications routes on the memory store, unit scoping included. */

const office = claimsOf('office', { name: 'ops-office' });
const leader = claimsOf('leader', { name: '王建国' });
const police = claimsOf('liaison', { unit: 'police-station', name: '孙伟' });
const community = claimsOf('liaison', { unit: 'dongfeng-community', name: '刘洋' });
const gridWorker = claimsOf('gridWorker', { unit: 'dongfeng-grid-1', name: '陈刚' });
/** Another person of the grid: sees its items, but did not report them. */
const gridLiaison = claimsOf('liaison', { unit: 'dongfeng-grid-1', name: '王敏' });
const base = `/campaigns/${CAMPAIGN}`;
const AT = '2027-03-05T10:00:00+08:00';
const content = {
  progress: '完成辖区商户消防检查',
  counts: { sitesChecked: 12, hazardsFound: 3, hazardsFixed: 2 },
};

describe('reports', () => {
  it('takes a liaison’s report for their own unit (201) and lists it', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const submitted = await api('POST', `${base}/reports`, {
      claims: police,
      body: { unitId: 'police-station', period: '2027-03-08', content },
      at: AT,
    });
    const listed = await api<{ reports: { unitId: string }[] }>('GET', `${base}/reports`, {
      claims: office,
      query: { period: '2027-03-08' },
    });

    // Assess
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({
      unitId: 'police-station',
      period: '2027-03-08',
      version: 1,
      onTime: true,
      submittedBy: '孙伟',
      submittedAt: '2027-03-05T02:00:00.000Z',
      content: { progress: '完成辖区商户消防检查', problems: '' },
    });
    expect(listed.body.reports.map((r) => r.unitId)).toEqual(['police-station']);
  });

  it('refuses a report for another unit (403), bad content by field (400) and a leader (403), writing nothing', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const other = await api('POST', `${base}/reports`, {
      claims: police,
      body: { unitId: 'dongfeng-community', period: '2027-03-08', content },
      at: AT,
    });
    const bad = await api('POST', `${base}/reports`, {
      claims: police,
      body: {
        unitId: 'police-station',
        period: '2027-03-08',
        content: { ...content, counts: { hazardsFound: 1, hazardsFixed: 2 } },
      },
      at: AT,
    });
    const notCutoff = await api('POST', `${base}/reports`, {
      claims: police,
      body: { unitId: 'police-station', period: '2027-03-09', content },
      at: AT,
    });
    const byLeader = await api('POST', `${base}/reports`, {
      claims: leader,
      body: { unitId: 'police-station', period: '2027-03-08', content },
    });

    // Assess
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(
      '孙伟 (liaison) acts for unit "police-station" only, not for unit "dongfeng-community" (unitId)',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([
      {
        path: 'content.counts.hazardsFixed',
        message: 'hazardsFixed must not exceed hazardsFound in the same report',
      },
    ]);
    expect(notCutoff.status).toBe(400);
    expect(notCutoff.body.message).toBe(
      'period "2027-03-09" is not a reporting cutoff date of this campaign',
    );
    expect(byLeader.status).toBe(403);
    expect(store.writes).toBe(writes);
  });

  it('shows a liaison only their unit’s reports, and refuses a list of another unit’s (403)', async () => {
    // Prepare
    const { api } = await apiWorld();
    for (const [claims, unitId] of [
      [police, 'police-station'],
      [community, 'dongfeng-community'],
    ] as const) {
      await api('POST', `${base}/reports`, {
        claims,
        body: { unitId, period: '2027-03-08', content },
        at: AT,
      });
    }

    // Act
    const own = await api<{ reports: { unitId: string }[] }>('GET', `${base}/reports`, { claims: police });
    const other = await api('GET', `${base}/reports`, {
      claims: police,
      query: { unitId: 'dongfeng-community' },
    });
    const all = await api<{ reports: unknown[] }>('GET', `${base}/reports`, { claims: leader });

    // Assess
    expect(own.body.reports.map((r) => r.unitId)).toEqual(['police-station']);
    expect(other.status).toBe(403);
    expect(all.body.reports).toHaveLength(2);
  });
});

describe('bulletins', () => {
  const bulletin: BulletinRecord = {
    campaignId: CAMPAIGN,
    period: '2027-03-08',
    number: 1,
    opensAt: '2027-03-01T05:00:00.000Z',
    cutoff: '2027-03-08T05:00:00.000Z',
    compiledAt: '2027-03-08T05:00:00.000Z',
    phase: 'rectify',
    round: 0,
    expected: 3,
    onTime: [{ id: 'police-station', name: '东风派出所' }],
    late: [],
    missing: [],
    escalated: [],
    previousLate: [],
    totals: { sitesChecked: 1, hazardsFound: 0, hazardsFixed: 0, householdsVisited: 0, publicityEvents: 0 },
    items: { open: 0, overdue: 0 },
    files: { markdown: `memory://${CAMPAIGN}/bulletins/2027-03-08.md` },
  };

  it('lists bulletins, gives one as JSON or as its Markdown document, and 404 for a period without one', async () => {
    // Prepare
    const { api, store, archive } = await apiWorld();
    await store.putBulletin(bulletin);
    await archive.put({
      campaignId: CAMPAIGN,
      name: 'bulletins/2027-03-08.md',
      contentType: 'text/markdown',
      body: '## 第1期',
    });

    // Act
    const list = await api<{ bulletins: unknown[] }>('GET', `${base}/bulletins`, { claims: police });
    const json = await api('GET', `${base}/bulletins/2027-03-08`, { claims: leader });
    const md = await api('GET', `${base}/bulletins/2027-03-08`, { claims: leader, query: { format: 'md' } });
    const html = await api('GET', `${base}/bulletins/2027-03-08`, {
      claims: leader,
      query: { format: 'html' },
    });
    const none = await api('GET', `${base}/bulletins/2027-03-15`, { claims: leader });
    const badFormat = await api('GET', `${base}/bulletins/2027-03-08`, {
      claims: leader,
      query: { format: 'pdf' },
    });

    // Assess
    expect(list.body.bulletins).toEqual([bulletin]);
    expect(json.body).toEqual(bulletin);
    expect(md.status).toBe(200);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.text).toBe('## 第1期');
    expect(html.status).toBe(404);
    expect(html.body.message).toBe('bulletin 2027-03-08 of "minimal-2027" has no html document');
    expect(none.status).toBe(404);
    expect(badFormat.status).toBe(400);
  });
});

describe('inspections and tasks', () => {
  it('records an inspection by the office with the signed-in inspector, and refuses a liaison', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const recorded = await api('POST', `${base}/inspections`, {
      claims: office,
      body: { unitId: 'police-station', score: 86, notes: '良好' },
      at: AT,
    });
    const byLiaison = await api('POST', `${base}/inspections`, {
      claims: police,
      body: { unitId: 'police-station', score: 100 },
    });

    // Assess
    expect(recorded.status).toBe(201);
    expect(recorded.body).toEqual({
      unitId: 'police-station',
      round: 0,
      score: 86,
      inspector: 'ops-office',
      at: '2027-03-05T02:00:00.000Z',
      notes: '良好',
    });
    expect(byLiaison.status).toBe(403);
  });

  it('lets a liaison finish the tasks their unit leads, no other (403), not twice (409), not an unknown one (404)', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const done = await api('POST', `${base}/tasks/anti-fraud-publicity/done`, { claims: police, at: AT });
    const twice = await api('POST', `${base}/tasks/anti-fraud-publicity/done`, { claims: police, body: {} });
    const other = await api('POST', `${base}/tasks/shop-fire-check/done`, { claims: police });
    const unknown = await api('POST', `${base}/tasks/no-such-task/done`, { claims: office });

    // Assess
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id: 'anti-fraud-publicity',
      status: 'done',
      doneAt: '2027-03-05T02:00:00.000Z',
    });
    expect(twice.status).toBe(409);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(
      '孙伟 (liaison) acts for unit "police-station" only, not for unit "dongfeng-community" (the lead of task "shop-fire-check")',
    );
    expect(unknown.status).toBe(404);
  });
});

describe('hazards', () => {
  const found = {
    unitId: 'dongfeng-grid-1',
    location: '幸福路12号',
    category: '消防通道',
    description: '安全出口堆放杂物',
    urgency: 'red',
  };

  const reported = async (world: Awaited<ReturnType<typeof apiWorld>>) => {
    const answer = await world.api<HazardRecord>('POST', `${base}/hazards`, {
      claims: gridWorker,
      body: found,
      at: AT,
    });
    return answer.body;
  };

  it('takes a grid worker’s report in their own unit as theirs, and refuses one in another unit (403)', async () => {
    // Prepare
    const world = await apiWorld();

    // Act
    const item = await reported(world);
    const writes = world.store.writes;
    const other = await world.api('POST', `${base}/hazards`, {
      claims: gridWorker,
      body: { ...found, unitId: 'police-station' },
    });

    // Assess
    expect(item).toMatchObject({
      state: 'reported',
      reportedBy: '陈刚',
      unitId: 'dongfeng-grid-1',
      urgency: 'red',
    });
    expect(other.status).toBe(403);
    expect(world.store.writes).toBe(writes);
  });

  it('takes the report of an account whose name is long (a username that is an email), as the other routes do', async () => {
    // Prepare: no name claim, so the API names the person by their username (up to 200 characters).
    const world = await apiWorld();
    const username = `${'chen.gang.dongfeng-grid'.repeat(2)}@example.com`;
    const { name: _name, ...claims } = claimsOf('gridWorker', { unit: 'dongfeng-grid-1' });

    // Act
    const answer = await world.api<HazardRecord>('POST', `${base}/hazards`, {
      claims: { ...claims, 'cognito:username': username },
      body: found,
      at: AT,
    });

    // Assess: before, a 400 about `reportedBy`, a field the API does not take.
    expect(username.length).toBeGreaterThan(50);
    expect(answer.status).toBe(201);
    expect(answer.body.reportedBy).toBe(username);
  });

  it('runs an item through order, accept, submit and verify, the office verifying by its role', async () => {
    // Prepare
    const world = await apiWorld();
    const item = await reported(world);
    const act = (action: string, claims: typeof office, body?: unknown) =>
      world.api<HazardRecord>('POST', `${base}/hazards/${item.id}/${action}`, { claims, body, at: AT });

    // Act
    const ordered = await act('order', gridWorker, {
      measures: '清理杂物',
      deadline: '2027-03-06T10:00:00+08:00',
    });
    const accepted = await act('accept', gridLiaison);
    const submitted = await act('submit', gridWorker, {
      evidence: { text: '已清理', photos: ['photo:abc'] },
    });
    const verified = await act('verify', office, { passed: true });
    const shown = await world.api<{ item: HazardRecord; trail: { action: string; actor: string }[] }>(
      'GET',
      `${base}/hazards/${item.id}`,
      { claims: gridWorker },
    );

    // Assess
    expect([ordered, accepted, submitted, verified].map((a) => [a.status, a.body.state])).toEqual([
      [200, 'ordered'],
      [200, 'rectifying'],
      [200, 'submitted'],
      [200, 'verified'],
    ]);
    expect(shown.body.trail.map((e) => `${e.action}:${e.actor}`)).toEqual([
      'report:陈刚',
      'order:陈刚',
      'accept:王敏',
      'submit:陈刚',
      'verify:ops-office',
    ]);
  });

  it('hides another unit’s item from a liaison (404 to read or act) and from their lists', async () => {
    // Prepare
    const world = await apiWorld();
    const item = await reported(world);
    const writes = world.store.writes;

    // Act
    const read = await world.api('GET', `${base}/hazards/${item.id}`, { claims: police });
    const acted = await world.api('POST', `${base}/hazards/${item.id}/accept`, { claims: police });
    const list = await world.api<{ items: unknown[]; counts: { unitId: string }[] }>(
      'GET',
      `${base}/hazards`,
      {
        claims: police,
      },
    );
    const asked = await world.api('GET', `${base}/hazards`, {
      claims: police,
      query: { unit: 'dongfeng-grid-1' },
    });
    const office_ = await world.api<{ items: unknown[] }>('GET', `${base}/hazards`, {
      claims: office,
      query: { unit: 'dongfeng-grid-1', open: 'true', overdue: 'false' },
    });

    // Assess
    expect(read.status).toBe(404);
    expect(read.body.message).toBe(`hazard "${item.id}" is not in the ledger of campaign "minimal-2027"`);
    expect(acted.status).toBe(404);
    expect(world.store.writes).toBe(writes);
    expect(list.body.items).toEqual([]);
    expect(list.body.counts.map((c) => c.unitId)).toEqual(['police-station']);
    expect(asked.status).toBe(403);
    expect(office_.body.items).toHaveLength(1);
  });

  it('refuses what the rules refuse: a verifier who is neither reporter nor office (403), a state that does not take the command (409)', async () => {
    // Prepare
    const world = await apiWorld();
    const item = await reported(world);
    await world.api('POST', `${base}/hazards/${item.id}/order`, {
      claims: office,
      body: { measures: '清理' },
      at: AT,
    });
    await world.api('POST', `${base}/hazards/${item.id}/submit`, {
      claims: gridWorker,
      body: { evidence: { text: '已清理' } },
      at: AT,
    });

    // Act
    const stranger = await world.api('POST', `${base}/hazards/${item.id}/verify`, {
      claims: gridLiaison,
      body: { passed: true },
    });
    const wrongState = await world.api('POST', `${base}/hazards/${item.id}/accept`, { claims: gridWorker });
    const close = await world.api('POST', `${base}/hazards/${item.id}/close`, {
      claims: gridWorker,
      body: { reason: '不想做' },
    });

    // Assess
    expect(stranger.status).toBe(403);
    expect(stranger.body.message).toMatch(
      /^王敏 may not verify hazard .*: only its reporter \(陈刚\) or the office may/,
    );
    expect(wrongState.status).toBe(409);
    expect(close.status).toBe(403);
    expect(close.body.message).toMatch(/only the office may$/);
  });

  it('refuses an unknown action, an action in the body, bad fields, and giving the work to another unit', async () => {
    // Prepare
    const world = await apiWorld();
    const item = await reported(world);
    const writes = world.store.writes;

    // Act
    const unknown = await world.api('POST', `${base}/hazards/${item.id}/fix`, { claims: office, body: {} });
    const inBody = await world.api('POST', `${base}/hazards/${item.id}/order`, {
      claims: office,
      body: { action: 'close', measures: '清理' },
    });
    const missing = await world.api('POST', `${base}/hazards/${item.id}/order`, { claims: office });
    const otherUnit = await world.api('POST', `${base}/hazards/${item.id}/order`, {
      claims: gridWorker,
      body: { measures: '清理', responsibleUnit: 'police-station' },
    });

    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues).toEqual([
      {
        path: 'action',
        message:
          'Invalid option: expected one of "fixOnSpot"|"order"|"accept"|"update"|"submit"|"verify"|"decline"|"reassign"|"close"|"reopen"',
      },
    ]);
    expect(inBody.status).toBe(400);
    expect(inBody.body.issues).toEqual([{ path: '', message: 'Unrecognized key: "action"' }]);
    expect(missing.status).toBe(400);
    expect(missing.body.issues).toEqual([
      { path: 'measures', message: 'Invalid input: expected string, received undefined' },
    ]);
    expect(otherUnit.status).toBe(403);
    expect(world.store.writes).toBe(writes);
  });
});

describe('notifications', () => {
  const dead: Notification = {
    id: 'n-dead',
    campaignId: CAMPAIGN,
    kind: 'reportReminder',
    recipient: { key: 'unit:police-station:liaison', role: 'liaison', person: { name: '孙伟' } },
    channel: 'sms',
    language: 'zh-CN',
    subject: '提醒',
    body: '请报送',
    urgent: false,
    createdAt: '2027-03-01T00:00:00.000Z',
    status: 'pending',
    attempts: 0,
  };

  it('lists the outbox by status and puts dead letters back for staff only', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    await store.enqueueNotifications([dead, { ...dead, id: 'n-waiting' }]);
    await store.markNotification(CAMPAIGN, 'n-dead', {
      status: 'dead',
      at: '2027-03-01T00:01:00.000Z',
      error: '空号',
    });

    // Act
    const deadOnes = await api<{ notifications: Notification[] }>('GET', `${base}/notifications`, {
      claims: office,
      query: { status: 'dead' },
    });
    const byLiaison = await api('GET', `${base}/notifications`, { claims: police });
    const retried = await api('POST', `${base}/notifications/retry`, {
      claims: office,
      body: { ids: ['n-dead'] },
      at: AT,
    });
    const nothing = await api('POST', `${base}/notifications/retry`, { claims: office });
    const badStatus = await api('GET', `${base}/notifications`, {
      claims: office,
      query: { status: 'lost' },
    });

    // Assess
    expect(deadOnes.body.notifications.map((n) => [n.id, n.lastError])).toEqual([['n-dead', '空号']]);
    expect(byLiaison.status).toBe(403);
    expect(retried.body).toEqual({ retried: ['n-dead'] });
    expect(nothing.body).toEqual({ retried: [] });
    expect(badStatus.status).toBe(400);
    expect((await store.listNotifications(CAMPAIGN, 'pending')).map((n) => n.id).sort()).toEqual([
      'n-dead',
      'n-waiting',
    ]);
  });

  it('answers 404 for the outbox of a campaign that does not exist', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const answer = await api('GET', '/campaigns/nowhere/notifications', { claims: office });

    // Assess
    expect(answer.status).toBe(404);
    expect(answer.body.message).toBe('campaign "nowhere" does not exist');
  });
});

describe('a ledger command that brings a deadline before the workflow’s next wake', () => {
  const red = {
    unitId: 'dongfeng-grid-1',
    location: '幸福路12号',
    category: '消防通道',
    description: '安全出口堆放杂物',
    urgency: 'red',
  };
  /** The minimal campaign walked until its next wake is after AT (in rectification). */
  const running = async () => {
    const world = await apiWorld();
    const { walk } = campaignWalk(world.archive);
    const launched = CampaignState.parse((await world.store.getCheckpoint(CAMPAIGN))?.state);
    const { state } = await walk(world.store, launched, (s) => Date.parse(s.next.at) > Date.parse(AT));
    return { world, planned: state.next };
  };

  it('wakes the workflow for it: a new generation whose first step is the deadline check', async () => {
    // Prepare
    const { world, planned } = await running();
    const starts = world.engine.starts.length;

    const item = await world.api<HazardRecord>('POST', `${base}/hazards`, {
      claims: gridWorker,
      body: red,
      at: AT,
    });
    expect(world.engine.starts).toHaveLength(starts);

    // Act: ordered with a 2-hour deadline, two days before the planned wake
    const answer = await world.api<HazardRecord>('POST', `${base}/hazards/${item.body.id}/order`, {
      claims: office,
      body: { measures: '立即清理' },
      at: AT,
    });

    // Assess: its rectification notice is due now, its deadline in 2 hours
    expect(answer.status).toBe(200);
    expect(answer.body.nextCheckAt).toBe('2027-03-05T02:00:00.000Z');
    expect(world.engine.starts).toHaveLength(starts + 1);
    const started = world.engine.starts.at(-1);
    expect(started?.name).toBe('minimal-2027-g2');
    expect(CampaignState.parse(started?.input).next).toEqual({
      at: answer.body.nextCheckAt,
      action: 'checkDeadlines',
      moment: 'deadlines',
    });
    expect(world.engine.stops.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    expect(world.moved).toHaveLength(1);
    const audit = await world.store.listAudit(CAMPAIGN);
    expect(audit.at(-1)).toMatchObject({
      actor: 'workflow',
      action: 'workflow.rescheduled',
      detail: { dueAt: answer.body.nextCheckAt, plannedWake: planned.at },
    });
  });

  it('keeps the command when the wake fails, and logs why', async () => {
    // Prepare: the engine refuses every start (a missing grant, say)
    const errors: { message: string; extra: Record<string, unknown> }[] = [];
    const logger = new (class extends Logger {
      override error(message: string, extra: Record<string, unknown> = {}) {
        errors.push({ message, extra });
      }
    })('zhili-api-test', 'SILENT');
    const world = await apiWorld({ logger });
    const { walk } = campaignWalk(world.archive);
    const launched = CampaignState.parse((await world.store.getCheckpoint(CAMPAIGN))?.state);
    await walk(world.store, launched, (s) => Date.parse(s.next.at) > Date.parse(AT));
    world.engine.start = async () => {
      throw new Error('AccessDeniedException: not authorized to perform: states:StartExecution');
    };
    const item = await world.api<HazardRecord>('POST', `${base}/hazards`, {
      claims: gridWorker,
      body: red,
      at: AT,
    });

    // Act
    const answer = await world.api<HazardRecord>('POST', `${base}/hazards/${item.body.id}/order`, {
      claims: office,
      body: { measures: '立即清理' },
      at: AT,
    });

    // Assess
    expect(answer.status).toBe(200);
    expect((await world.store.getHazard(CAMPAIGN, item.body.id))?.state).toBe(answer.body.state);
    expect(world.moved).toEqual([]);
    expect(errors).toEqual([
      {
        message: 'waking the workflow for a deadline failed',
        extra: {
          campaignId: CAMPAIGN,
          hazardId: item.body.id,
          dueAt: answer.body.nextCheckAt,
          error: 'Error: AccessDeniedException: not authorized to perform: states:StartExecution',
        },
      },
    ]);
  });

  it('leaves the workflow alone when nothing falls due before its planned wake', async () => {
    // Prepare
    const { world } = await running();
    const starts = world.engine.starts.length;

    // Act: an item reported, not yet ordered, owes no notice before the planned wake
    const answer = await world.api<HazardRecord>('POST', `${base}/hazards`, {
      claims: gridWorker,
      body: red,
      at: AT,
    });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body.nextCheckAt).toBeUndefined();
    expect(world.engine.starts).toHaveLength(starts);
    expect(world.engine.stops).toEqual([]);
    expect(world.moved).toEqual([]);
  });
});
