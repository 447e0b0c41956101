import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../bin/local/dynamodb-local.ts';
import { type PlayResult, playCampaign } from '../../bin/local/play.ts';
import { LocalRuntime } from '../../bin/local/runtime.ts';
import { resolveDefinitionString } from '../../bin/local/synthesized.ts';
import { keys } from '../../functions/shared/adapters/table-design.ts';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { DefinitionError } from '../../functions/shared/domain/errors.ts';
import { parseDefinitionYaml } from '../../functions/shared/domain/load-definition.ts';
import { sharedDb } from '../support/local-db.ts';

const root = join(import.meta.dirname, '..', '..');
const load = async (file: string): Promise<CampaignDefinition> =>
  parseDefinitionYaml(await readFile(join(root, file), 'utf8'), file);
const uniqueTable = () => `e2e-${Math.random().toString(36).slice(2, 10)}`;

describe('a whole campaign through the synthesized state machine (safety-production example)', () => {
  let result: PlayResult;
  let def: CampaignDefinition;

  beforeAll(async () => {
    def = await load('examples/safety-production.yaml');
    result = await playCampaign(def, {
      outRoot: await mkdtemp(join(tmpdir(), 'zhili-e2e-')),
      db: sharedDb(),
      tableName: uniqueTable(),
    });
  });

  it('walks the phases in order, with one re-rectification round after the failed acceptance', () => {
    const phases = result.summary.phases.map((p) => `${p.phase}:${p.round}`);
    expect(phases).toEqual(['mobilize:0', 'rectify:0', 'inspect:0', 'rectify:1', 'inspect:1', 'longTerm:0']);
    expect(result.summary.phases.slice(0, 5).every((p) => p.closed !== null)).toBe(true);
    expect(result.summary.gates).toHaveLength(2);
    expect(result.summary.gates[0]?.reRectify).toBe(true);
    expect(result.summary.gates[0]?.failing).toHaveLength(1);
    expect(result.summary.gates[1]?.failing).toEqual([]);
  });

  it('switches phases at local midnight of the definition dates', () => {
    const rectify = result.summary.phases.find((p) => p.phase === 'rectify' && p.round === 0);
    expect(rectify?.started).toBe(`${def.phases.rectify.start} 00:00`);
  });

  it('records every weekly report as on time, late or missing; the silent unit is missing every week', () => {
    const silent = def.organisation.units.at(-1)?.name ?? '';
    const firstRound = result.summary.periods.filter((p) => p.round === 0);
    expect(firstRound.length).toBeGreaterThanOrEqual(10);
    for (const period of firstRound) {
      expect(period.onTime.length + period.late.length + period.missing.length).toBe(period.expected);
      expect(period.missing).toContain(silent);
    }
    expect(firstRound.some((p) => p.late.length > 0)).toBe(true);
    expect(result.summary.periods.filter((p) => p.round === 1).every((p) => p.expected === 1)).toBe(true);
  });

  it('sends every notification exactly once and leaves none pending', async () => {
    const lines = (await readFile(join(result.outDir, 'outbox.jsonl'), 'utf8')).trim().split('\n');
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(result.summary.notifications.total);
    expect(result.summary.notifications.byStatus).toEqual({ sent: ids.length });
    expect(result.summary.notifications.byKind.reportOverdue).toBeGreaterThan(0);
  });

  it('writes the bulletin of every period in HTML, Markdown, CSV and SVG, and delivers its Markdown', async () => {
    const periods = result.summary.periods.map((p) => p.period);
    expect(result.summary.bulletins.map((b) => b.period)).toEqual(periods);
    expect(result.summary.bulletins.map((b) => b.number)).toEqual(periods.map((_, i) => i + 1));
    const folder = join(result.outDir, 'bulletins');
    const files = await readdir(folder);
    for (const period of periods)
      for (const ext of ['html', 'md', 'csv', 'svg'])
        expect(files, `${period}.${ext}`).toContain(`${period}.${ext}`);
    expect(files).toContain('index.html');
    const last = periods.at(-1) as string;
    const html = await readFile(join(folder, `${last}.html`), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('工作情况通报');
    expect(html).toContain('<svg');
    const csv = await readFile(join(folder, `${last}.csv`), 'utf8');
    expect(csv.startsWith('\uFEFFunitId,')).toBe(true);
    const outbox = (await readFile(join(result.outDir, 'outbox.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; body: string; markdown?: string });
    const markdown = await readFile(join(folder, `${last}.md`), 'utf8');
    // Robots get the bulletin's Markdown (mail its HTML; the text, for SMS, carries the figures).
    expect(outbox.filter((n) => n.kind === 'weeklyBulletin').map((n) => n.markdown)).toContain(
      markdown.trim(),
    );
    // The silent unit is escalated from its second missing week on.
    expect(result.summary.bulletins.slice(1, 3).every((b) => b.escalated.length === 1)).toBe(true);
  });

  it('ends with the administrator closing the campaign during long-term upkeep', () => {
    expect(result.summary.campaign.status).toBe('closed');
    // The close stops the execution; a last one sends what still waited in the outbox, if anything did.
    const [first, ...rest] = result.summary.executions;
    expect(first).toMatchObject({
      status: 'ABORTED',
      error: expect.stringContaining('closed by office-admin'),
    });
    expect(rest.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    expect(rest.length).toBeLessThanOrEqual(1);
    expect(result.steps.filter((s) => s.moment === 'monthlyCheck').length).toBeGreaterThanOrEqual(2);
  });

  it('keeps the hazard ledger along every path, escalates the overdue ones and exports it', async () => {
    const { items, totals } = result.summary.ledger;
    const states = items.map((i) => i.state).sort();
    expect(states).toEqual([
      'closedUnfixed',
      'fixedOnSpot',
      'fixedOnSpot',
      'rectifying',
      'verified',
      'verified',
      'verified',
      'verified',
    ]);
    expect(totals).toMatchObject({
      total: 8,
      fixed: 6,
      closedUnfixed: 1,
      open: 1,
      overdue: 1,
      supervised: 1,
    });
    expect(items.find((i) => i.supervised)?.failedVerifications).toBe(3);
    expect(items.filter((i) => i.declines === 1 && i.responsible !== i.foundIn)).toHaveLength(1);
    expect(items.filter((i) => i.escalatedTo === 4)).toHaveLength(2);
    expect(result.summary.notifications.byKind.hazardSupervised).toBe(1);
    const csv = await readFile(join(result.outDir, 'ledger.csv'), 'utf8');
    expect(csv.trim().split('\r\n')).toHaveLength(9);
    expect(csv).toContain('已关闭（未整改）');
  });

  it('ran the state machine that `cdk synth` writes into the template', async () => {
    // Prepare: the real CLI synth, with bundling, exactly as `npm run synth` does
    const out = await mkdtemp(join(tmpdir(), 'zhili-synth-'));
    await promisify(execFile)(
      join(root, 'node_modules/.bin/cdk'),
      ['synth', '--no-notices', '--quiet', '-o', out],
      {
        cwd: root,
      },
    );
    const template = JSON.parse(await readFile(join(out, 'ZhiliStateless.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { DefinitionString?: unknown } }>;
    };
    const machine = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    );

    // Act
    const synthesized = JSON.parse(resolveDefinitionString(machine?.Properties.DefinitionString));

    // Assess
    expect(synthesized).toEqual(JSON.parse(result.definitionJson));
  });
});

describe('limits and failures', () => {
  it('continues as new executions when a generation reaches its limit, and the campaign still completes', async () => {
    const def = await load('test/fixtures/minimal.yaml');
    const result = await playCampaign(def, {
      outRoot: await mkdtemp(join(tmpdir(), 'zhili-e2e-')),
      db: sharedDb(),
      tableName: uniqueTable(),
      limits: { maxGenerationDays: 20 },
    });
    const names = result.summary.executions.map((e) => e.name);
    expect(names.length).toBeGreaterThan(2);
    expect(names.slice(0, 3)).toEqual([`${def.id}-g1`, `${def.id}-g2`, `${def.id}-g3`]);
    // Every generation ends by continuing as new, but the one the close stopped.
    const stopped = result.summary.executions.filter((e) => e.status !== 'SUCCEEDED');
    expect(stopped.map((e) => e.status)).toEqual(['ABORTED']);
    expect(result.summary.campaign.status).toBe('closed');
    expect(result.summary.phases.map((p) => p.phase)).toContain('longTerm');
  });

  it('records a failed step, tells the office and fails the execution (Catch → RecordFailure)', async () => {
    // Prepare: once rectification has started, the stored campaign is corrupted under the workflow
    const def = { ...(await load('test/fixtures/minimal.yaml')), id: 'broken-campaign' };
    const tableName = uniqueTable();
    const db = sharedDb();
    const doc = documentClient(db.client);
    let corrupted = false;
    const result = await playCampaign(def, {
      outRoot: await mkdtemp(join(tmpdir(), 'zhili-e2e-')),
      db,
      tableName,
      observer: {
        async before(state) {
          if (state.phase === 'rectify' && state.phaseStatus === 'running' && !corrupted) {
            corrupted = true;
            await doc.send(
              new UpdateCommand({
                TableName: tableName,
                Key: { pk: keys.campaign(def.id), sk: keys.meta },
                UpdateExpression: 'SET #d.#tz = :bad',
                ExpressionAttributeNames: { '#d': 'definition', '#tz': 'timeZone' },
                ExpressionAttributeValues: { ':bad': 'Mars/Olympus' },
              }),
            );
          }
        },
      },
    });

    // Assess
    expect(result.summary.executions[0]?.status).toBe('FAILED');
    expect(result.summary.campaign.status).toBe('failed');
    expect(corrupted).toBe(true);
    const audit = await result.store.listAudit(def.id);
    const failure = audit.find((a) => a.action === 'workflow.failed');
    // The step failed on the corrupt stored definition (not on the fault injection itself).
    expect(failure?.detail.cause).toMatch(/timeZone/);
    // zod/mini's validation error (the core error class, hence the "$").
    expect(failure?.detail.error).toBe('$ZodError');
    const notes = await result.store.listNotifications(def.id);
    expect(notes.find((n) => n.kind === 'workflowFailure')?.status).toBe('sent');
  });

  it('launches a campaign once: a second launch starts nothing', async () => {
    const def = { ...(await load('test/fixtures/minimal.yaml')), id: 'launched-twice' };
    const runtime = await LocalRuntime.start({
      outDir: await mkdtemp(join(tmpdir(), 'zhili-e2e-')),
      db: sharedDb(),
      tableName: uniqueTable(),
      pauseAt: '2027-03-10T00:00:00.000Z',
    });
    const first = await runtime.launch(def, '2027-02-20T01:00:00.000Z');
    const second = await runtime.launch(def, '2027-02-21T01:00:00.000Z');
    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    expect(runtime.executions.map((e) => e.name)).toEqual(['launched-twice-g1']);
    expect(runtime.executions[0]?.status).toBe('PAUSED');
    expect(runtime.executions[0]?.waitingAt?.next.at.localeCompare('2027-03-10T00:00:00.000Z')).toBe(1);
    await runtime.close();
  });

  it('refuses an invalid definition with a DefinitionError naming the field, writing and starting nothing', async () => {
    const valid = { ...(await load('test/fixtures/minimal.yaml')), id: 'refused-launch' };
    const def = {
      ...valid,
      phases: { ...valid.phases, rectify: { start: '2027-02-30', end: '2027-03-21' } },
    };
    const runtime = await LocalRuntime.start({
      outDir: await mkdtemp(join(tmpdir(), 'zhili-e2e-')),
      db: sharedDb(),
      tableName: uniqueTable(),
    });
    const error = await runtime.launch(def, '2027-02-20T01:00:00.000Z').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as DefinitionError).issues.map((i) => i.path)).toEqual(['phases.rectify.start']);
    expect((error as DefinitionError).message).toContain('phases.rectify.start');
    expect(await runtime.store.listCampaigns()).toEqual([]);
    expect(runtime.executions).toEqual([]);
    await runtime.close();
  });
});
