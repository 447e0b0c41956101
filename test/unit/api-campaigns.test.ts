import { describe, expect, it } from 'vitest';
import { claimsOf } from '../support/api-events.ts';
import { apiWorld, CAMPAIGN, fixtureYaml, minimalDefinition } from '../support/api-world.ts';

/** The api-campaigns routes on the memory store: definitions, campaigns and their steering, units, audit. */

const admin = claimsOf('admin', { name: '王建国' });
const office = claimsOf('office', { name: '李明' });
const leader = claimsOf('leader', { name: '王建国' });
const liaison = claimsOf('liaison', { unit: 'police-station', name: '孙伟' });
const AT = '2027-03-02T09:00:00+08:00';
const base = `/campaigns/${CAMPAIGN}`;

/** The minimal definition as JSON, as a client sends it after reading the YAML. */
const definitionJson = () => JSON.parse(JSON.stringify(minimalDefinition())) as Record<string, unknown>;
/** The API's answer to a body that carries YAML text: it parses none. */
const NO_YAML =
  'the API takes no YAML text: send the campaign file parsed, as JSON under `definition` (the zhili CLI does)';

describe('POST /definitions/validate', () => {
  it('reports a valid definition sent as JSON', async () => {
    // Prepare
    const { api, store } = await apiWorld({ campaign: 'none' });

    // Act
    const json = await api('POST', '/definitions/validate', {
      claims: office,
      body: { definition: definitionJson() },
    });

    // Assess
    expect(json.status).toBe(200);
    expect(json.body).toEqual({
      valid: true,
      id: 'minimal-2027',
      title: '东风街道社区安全生产专项整治（测试）',
      units: 3,
      tasks: 3,
      warnings: [],
      issues: [],
    });
    expect(store.writes).toBe(0);
  });

  it('names every problem by field in an invalid definition', async () => {
    // Prepare
    const { api } = await apiWorld({ campaign: 'none' });
    const def = definitionJson();

    // Act
    const invalid = await api('POST', '/definitions/validate', {
      claims: office,
      body: {
        definition: {
          ...def,
          id: 'Bad Id',
          phases: { ...(def.phases as object), rectify: { start: '2027-02-30' } },
        },
      },
    });

    // Assess
    expect(invalid.status).toBe(200);
    expect(invalid.body.valid).toBe(false);
    expect(invalid.body.issues).toEqual(
      expect.arrayContaining([
        { path: 'id', message: 'must be 2–63 characters of lower-case letters, digits and "-"' },
        { path: 'phases.rectify.start', message: 'must be a real calendar date written YYYY-MM-DD' },
      ]),
    );
  });

  it('refuses YAML text (400, saying to send JSON), a body without a definition (400), and a leader (403)', async () => {
    // Prepare
    const { api } = await apiWorld({ campaign: 'none' });

    // Act
    const yaml = await api('POST', '/definitions/validate', {
      claims: office,
      body: { yaml: fixtureYaml() },
    });
    const both = await api('POST', '/definitions/validate', {
      claims: office,
      body: { yaml: 'id: x', definition: definitionJson() },
    });
    const neither = await api('POST', '/definitions/validate', { claims: office, body: {} });
    const text = await api('POST', '/definitions/validate', {
      claims: office,
      body: { definition: 'id: x' },
    });
    const byLeader = await api('POST', '/definitions/validate', {
      claims: leader,
      body: { definition: definitionJson() },
    });

    // Assess
    expect(yaml.status).toBe(400);
    expect(yaml.body.issues).toEqual([
      { path: 'definition', message: 'must be the campaign definition as a JSON object' },
      { path: '', message: NO_YAML },
    ]);
    expect(both.status).toBe(400);
    expect(both.body.issues).toEqual([{ path: '', message: NO_YAML }]);
    expect(neither.status).toBe(400);
    expect(neither.body.issues).toEqual([
      { path: 'definition', message: 'must be the campaign definition as a JSON object' },
    ]);
    expect(text.status).toBe(400);
    expect(byLeader.status).toBe(403);
  });
});

describe('campaigns', () => {
  it('creates a draft (201), lists it, and refuses the same id again (409) writing nothing', async () => {
    // Prepare
    const { api, store, engine } = await apiWorld({ campaign: 'none' });

    // Act
    const created = await api('POST', '/campaigns', {
      claims: admin,
      body: { definition: definitionJson() },
      at: AT,
    });
    const writes = store.writes;
    const again = await api('POST', '/campaigns', { claims: admin, body: { definition: definitionJson() } });
    const list = await api('GET', '/campaigns', { claims: liaison });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ campaignId: CAMPAIGN, created: true });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe(
      'campaign "minimal-2027" exists already; choose another id or work with that one',
    );
    expect(store.writes).toBe(writes);
    expect(list.body).toEqual({
      campaigns: [
        {
          id: CAMPAIGN,
          title: '东风街道社区安全生产专项整治（测试）',
          status: 'draft',
          createdAt: '2027-03-02T01:00:00.000Z',
        },
      ],
    });
    expect(engine.starts).toEqual([]);
    expect((await store.listAudit(CAMPAIGN)).map((e) => [e.actor, e.action])).toEqual([
      ['王建国', 'campaign.created'],
    ]);
  });

  it('refuses an invalid definition on create with 400 and every issue, and an office account with 403', async () => {
    // Prepare
    const { api, store } = await apiWorld({ campaign: 'none' });

    // Act
    const invalid = await api('POST', '/campaigns', {
      claims: admin,
      body: { definition: { ...definitionJson(), theme: 'fun' } },
    });
    const byOffice = await api('POST', '/campaigns', {
      claims: office,
      body: { definition: definitionJson() },
    });
    const yaml = await api('POST', '/campaigns', { claims: admin, body: { yaml: fixtureYaml() } });

    // Assess
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toBe('DefinitionError');
    expect(invalid.body.issues).toEqual([
      { path: 'theme', message: expect.stringMatching(/^Invalid option: expected one of/) },
    ]);
    expect(byOffice.status).toBe(403);
    expect(yaml.status).toBe(400);
    expect(yaml.body.issues).toContainEqual({ path: '', message: NO_YAML });
    expect(store.writes).toBe(0);
  });

  it('launches a draft once and plays the workflow on, then shows its status', async () => {
    // Prepare
    const { api, engine, moved } = await apiWorld({ campaign: 'draft' });

    // Act
    const launched = await api('POST', `${base}/launch`, { claims: admin, at: AT });
    const again = await api('POST', `${base}/launch`, { claims: admin, body: {}, at: AT });
    const status = await api<{ campaign: Record<string, unknown>; timeline: unknown[] }>('GET', base, {
      claims: leader,
    });

    // Assess
    expect(launched.status).toBe(200);
    expect(launched.body).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: true });
    expect(again.body.started).toBe(false);
    expect(engine.starts.map((s) => s.name)).toEqual(['minimal-2027-g1']);
    expect(moved).toEqual(['2027-03-02T01:00:00.000Z', '2027-03-02T01:00:00.000Z']);
    expect(status.status).toBe(200);
    expect(status.body.campaign).toMatchObject({
      id: CAMPAIGN,
      status: 'running',
      launchedAt: '2027-03-02T01:00:00.000Z',
    });
    expect(status.body.timeline).toHaveLength(4);
  });

  it('answers 404 for a campaign that does not exist', async () => {
    // Prepare
    const { api } = await apiWorld({ campaign: 'none' });

    // Act
    const status = await api('GET', '/campaigns/nowhere', { claims: office });
    const launch = await api('POST', '/campaigns/nowhere/launch', { claims: admin });

    // Assess
    expect(status.status).toBe(404);
    expect(status.body.message).toBe('campaign "nowhere" does not exist');
    expect(launch.status).toBe(404);
  });
});

describe('steering', () => {
  it('pauses with a reason, refuses a second pause (409), resumes, refuses to extend a phase not started (409), advances and closes', async () => {
    // Prepare
    const { api, engine, moved, store } = await apiWorld();

    // Act
    const paused = await api('POST', `${base}/pause`, { claims: admin, body: { reason: '春节' }, at: AT });
    const twice = await api('POST', `${base}/pause`, { claims: admin, body: { reason: '春节' }, at: AT });
    const resumed = await api('POST', `${base}/resume`, {
      claims: admin,
      body: { reason: '节后' },
      at: '2027-03-03T09:00:00+08:00',
    });
    const extended = await api('POST', `${base}/extend`, {
      claims: admin,
      body: { reason: '整改量大', days: 7 },
      at: '2027-03-03T10:00:00+08:00',
    });
    const advanced = await api('POST', `${base}/advance`, {
      claims: admin,
      body: { reason: '提前完成' },
      at: '2027-03-03T11:00:00+08:00',
    });
    const closed = await api('POST', `${base}/close`, {
      claims: admin,
      body: { reason: '结束' },
      at: '2027-03-03T12:00:00+08:00',
    });

    // Assess
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      status: 'paused',
      executionName: null,
      audit: { actor: '王建国', action: 'campaign.paused' },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.message).toMatch(/^cannot pause: campaign "minimal-2027" is paused/);
    expect(resumed.body).toMatchObject({
      status: 'running',
      generation: 2,
      executionName: 'minimal-2027-g2',
    });
    // The recording engine runs nothing: mobilize has not started (the local server test extends a running phase).
    expect(extended.status).toBe(409);
    expect(extended.body.message).toBe(
      'cannot extend: phase mobilize has not started yet; extend the running phase, or advance to start this one',
    );
    expect(advanced.body).toMatchObject({ status: 'running', audit: { action: 'phase.advanced' } });
    expect(closed.body).toMatchObject({ status: 'closed', executionName: null });
    expect(engine.stops.map((s) => s.name)[0]).toBe('minimal-2027-g1');
    // Every control that went through plays the workflow on (locally: a close may start the execution
    // that drains the outbox); a refused extend does not. The launch was apiWorld's, not the API's.
    expect(moved).toEqual([
      '2027-03-02T01:00:00.000Z',
      '2027-03-03T01:00:00.000Z',
      '2027-03-03T03:00:00.000Z',
      '2027-03-03T04:00:00.000Z',
    ]);
    expect((await store.getCampaign(CAMPAIGN))?.status).toBe('closed');
  });

  it('refuses a control without a reason (400), with unknown fields (400), and from office or leader (403)', async () => {
    // Prepare
    const { api, store } = await apiWorld();
    const writes = store.writes;

    // Act
    const noReason = await api('POST', `${base}/pause`, { claims: admin, body: { reason: '  ' } });
    const extra = await api('POST', `${base}/extend`, {
      claims: admin,
      body: { reason: 'x', days: 3, hours: 2 },
    });
    const byOffice = await api('POST', `${base}/close`, { claims: office, body: { reason: '结束' } });
    const byLeader = await api('POST', `${base}/advance`, { claims: leader, body: { reason: '提前' } });

    // Assess
    expect(noReason.status).toBe(400);
    expect(noReason.body.issues).toEqual([{ path: 'reason', message: 'a reason is required' }]);
    expect(extra.status).toBe(400);
    expect(extra.body.issues).toEqual([{ path: '', message: 'Unrecognized key: "hours"' }]);
    expect(byOffice.status).toBe(403);
    expect(byLeader.status).toBe(403);
    expect(store.writes).toBe(writes);
  });

  it('lists the audit trail for staff and leaders, not for units', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const audit = await api<{ events: { action: string }[] }>('GET', `${base}/audit`, { claims: leader });
    const byLiaison = await api('GET', `${base}/audit`, { claims: liaison });

    // Assess
    expect(audit.body.events.map((e) => e.action)).toEqual(['campaign.created', 'campaign.launched']);
    expect(byLiaison.status).toBe(403);
  });
});

describe('units', () => {
  it('lists every unit for the office, only their own for a liaison', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const all = await api<{ units: { id: string }[] }>('GET', `${base}/units`, { claims: office });
    const own = await api<{ units: { id: string }[] }>('GET', `${base}/units`, { claims: liaison });

    // Assess
    expect(all.body.units.map((u) => u.id)).toEqual([
      'dongfeng-community',
      'dongfeng-grid-1',
      'police-station',
    ]);
    expect(own.body.units.map((u) => u.id)).toEqual(['police-station']);
  });

  it('shows a liaison their own unit and answers 404 for another, as for a unit that does not exist', async () => {
    // Prepare
    const { api } = await apiWorld();

    // Act
    const own = await api('GET', `${base}/units/police-station`, { claims: liaison });
    const other = await api('GET', `${base}/units/dongfeng-community`, { claims: liaison });
    const missing = await api('GET', `${base}/units/nowhere`, { claims: office });

    // Assess
    expect(own.status).toBe(200);
    expect(own.body.liaison).toEqual({ name: '孙伟', title: '社区民警', phone: '13800000022' });
    expect(other.status).toBe(404);
    expect(other.body.message).toBe('unit "dongfeng-community" is not a unit of campaign "minimal-2027"');
    expect(missing.body.message).toBe('unit "nowhere" is not a unit of campaign "minimal-2027"');
  });

  it('changes a unit’s members (office), refusing a liaison and an empty change', async () => {
    // Prepare
    const { api, store } = await apiWorld();

    // Act
    const changed = await api('PATCH', `${base}/units/police-station`, {
      claims: office,
      body: { liaison: { name: '周敏', phone: '13800000031' }, reason: '人员调整' },
    });
    const writes = store.writes;
    const byLiaison = await api('PATCH', `${base}/units/police-station`, {
      claims: liaison,
      body: { liaison: { name: '孙伟' } },
    });
    const empty = await api('PATCH', `${base}/units/police-station`, {
      claims: office,
      body: { reason: 'x' },
    });

    // Assess
    expect(changed.status).toBe(200);
    expect(changed.body.liaison).toEqual({ name: '周敏', phone: '13800000031' });
    expect(byLiaison.status).toBe(403);
    expect(empty.status).toBe(400);
    expect(empty.body.issues).toEqual([
      { path: '', message: 'nothing to change: give leader, liaison or gridWorkers' },
    ]);
    expect(store.writes).toBe(writes);
  });
});
