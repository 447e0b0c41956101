import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type PlayResult, playCampaign } from '../../bin/local/play.ts';
import { StaticSecretSource } from '../../functions/shared/adapters/channels/secrets.ts';
import { LocalNotifier } from '../../functions/shared/adapters/notifiers.ts';
import type { CampaignDefinitionInput } from '../../functions/shared/domain/definition.ts';
import { parseDefinition } from '../../functions/shared/domain/load-definition.ts';
import type { Notification } from '../../functions/shared/domain/records.ts';
import { MAX_ATTEMPTS } from '../../functions/shared/notify/delivery.ts';
import { sharedDb } from '../support/local-db.ts';
import { type Fault, RobotReceiver } from '../support/robot-receiver.ts';

/**
 * The fault test: a whole campaign whose office and units read group robots served by a real HTTP
 * receiver on loopback, which checks DingTalk signatures and both robots' message formats and
 * fails every second request (DingTalk's throttle, HTTP 500, or no answer). Every notification
 * must end delivered or dead-lettered, and none may arrive twice.
 */

const FAILURES: Fault[] = ['throttle', 'http500', 'timeout'];
const halfFail = (n: number): Fault =>
  n % 2 === 1 ? (FAILURES[((n - 1) / 2) % FAILURES.length] as Fault) : 'ok';

describe('notification delivery against a failing robot receiver (half of all sends fail)', () => {
  const receiver = new RobotReceiver({
    dingtalk: { accessToken: 'dt-token', secret: 'SEC-local-test', keywords: ['整治'] },
    wecom: { key: 'wc-key' },
    fault: halfFail,
  });
  let result: PlayResult;
  let notifications: Notification[];

  beforeAll(async () => {
    const url = await receiver.start();
    const raw = parse(
      await readFile(join(import.meta.dirname, '../fixtures/minimal.yaml'), 'utf8'),
    ) as CampaignDefinitionInput;
    const { leadingGroup, office, units } = raw.organisation;
    leadingGroup.leader.robot = 'office';
    office.head.robot = 'office';
    for (const unit of units) {
      unit.liaison.robot = 'units';
      unit.leader.robot = 'units';
    }
    raw.notifications = {
      robots: [
        {
          id: 'office',
          kind: 'dingtalk',
          webhook: `${url}/dingtalk/robot/send`,
          secret: 'zhili/robots/office',
          keywords: ['整治'],
        },
        {
          id: 'units',
          kind: 'wecom',
          webhook: `${url}/wecom/cgi-bin/webhook/send`,
          secret: 'zhili/robots/units',
        },
      ],
    };
    const def = parseDefinition(raw, 'minimal.yaml with robots');
    const outRoot = await mkdtemp(join(tmpdir(), 'zhili-faults-'));
    result = await playCampaign(def, {
      outRoot,
      db: sharedDb(),
      tableName: `faults-${Math.random().toString(36).slice(2, 10)}`,
      notifier: new LocalNotifier({
        deliveriesPath: join(outRoot, def.id, 'deliveries.jsonl'),
        secrets: new StaticSecretSource({
          'zhili/robots/office': { accessToken: 'dt-token', secret: 'SEC-local-test' },
          'zhili/robots/units': { key: 'wc-key' },
        }),
        timeoutMs: 200,
      }),
    });
    notifications = await result.store.listNotifications(def.id);
  });

  afterAll(() => receiver.stop());

  it('ran the campaign to its end with robots answering errors half the time', () => {
    // The close stops the execution; a last one delivers what still waited in the outbox.
    const [first, ...rest] = result.summary.executions.map((e) => e.status);
    expect(first).toBe('ABORTED');
    expect(rest).toEqual(rest.length > 0 ? ['SUCCEEDED'] : []);
    const failed = receiver.requests.filter((r) => !r.accepted);
    expect(receiver.requests.length).toBeGreaterThan(20);
    expect(failed.length).toBeGreaterThanOrEqual(Math.floor(receiver.requests.length / 2));
    expect(new Set(failed.map((r) => r.fault))).toEqual(new Set(FAILURES));
    // The only refusals are the faults asked for: signatures, tokens, formats and keywords all passed.
    expect(failed.every((r) => r.fault !== 'ok')).toBe(true);
  });

  it('ends every notification delivered or dead-lettered, none left pending', () => {
    expect(notifications.length).toBeGreaterThan(20);
    expect(new Set(notifications.map((n) => n.status))).toEqual(
      new Set(['sent', ...(notifications.some((n) => n.status === 'dead') ? ['dead'] : [])]),
    );
    expect(notifications.every((n) => n.channel === 'robot')).toBe(true);
  });

  it('delivers each sent notification exactly once, and a dead-lettered one never', () => {
    for (const count of receiver.delivered.values()) expect(count).toBe(1);
    for (const n of notifications) {
      if (n.status === 'sent') expect(receiver.delivered.get(n.id), n.id).toBe(1);
      else expect(receiver.delivered.has(n.id), n.id).toBe(false);
    }
  });

  it('retried failed sends with their errors recorded, and dead-lettered only after the last attempt', () => {
    const retried = notifications.filter((n) => n.attempts > 1);
    expect(retried.length).toBeGreaterThan(0);
    for (const n of retried) expect(n.lastError).toMatch(/errcode 130101|HTTP 500|no answer within 200 ms/);
    for (const n of notifications.filter((m) => m.status === 'dead')) expect(n.attempts).toBe(MAX_ATTEMPTS);
  });

  it('writes the outbox with every notification once, with its id, channel and status', async () => {
    const lines = (await readFile(join(result.outDir, 'outbox.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; channel: string; status: string });
    expect(lines.map((l) => l.id).sort()).toEqual(notifications.map((n) => n.id).sort());
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    for (const line of lines) {
      expect(line.channel).toBe('robot');
      expect(['sent', 'dead']).toContain(line.status);
    }
  });
});
