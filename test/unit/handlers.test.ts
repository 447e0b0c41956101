import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeCheckDeadlinesHandler } from '../../functions/check-deadlines/handler.ts';
import { makeCollectReportsHandler } from '../../functions/collect-reports/handler.ts';
import { makeContinueHandler } from '../../functions/continue-campaign/handler.ts';
import { makeNotifyHandler } from '../../functions/notify/handler.ts';
import { makePhaseHandler } from '../../functions/phase/handler.ts';
import { AwsServiceError } from '../../functions/shared/adapters/aws-request.ts';
import { ChannelRouter } from '../../functions/shared/adapters/channels/router.ts';
import { SnsSmsNotifier } from '../../functions/shared/adapters/channels/sms.ts';
import { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';

import { Logger } from '../../functions/shared/adapters/logger.ts';
import { StepFunctionsEngine, stepFunctionsHost } from '../../functions/shared/adapters/sfn-engine.ts';
import type { Publication, SnsPublisher } from '../../functions/shared/adapters/sns.ts';
import type { CampaignDefinitionInput } from '../../functions/shared/domain/definition.ts';
import { ValidationError } from '../../functions/shared/domain/errors.ts';
import { parseDefinition } from '../../functions/shared/domain/load-definition.ts';
import type { Notification } from '../../functions/shared/domain/records.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import { CampaignState } from '../../functions/shared/domain/state.ts';
import {
  initialState,
  initialTasks,
  launchCampaign,
} from '../../functions/shared/use-cases/launch-campaign.ts';
import { MemoryBulletinArchive, MemoryCampaignStore } from '../support/memory-store.ts';
import { sdkCalls } from '../support/sdk-calls.ts';
import { type Received, type SigV4Server, startSigV4Server } from '../support/sigv4-server.ts';

const ddb = mockClient(DynamoDBDocumentClient);

const TABLE = 'zhili-test';
const STATE_MACHINE = 'arn:aws-cn:states:cn-north-1:000000000000:stateMachine:zhili-campaign';
const _TOPIC = 'arn:aws-cn:sns:cn-north-1:000000000000:zhili-notifications';
const CAMPAIGN = 'minimal-2027';
const LAUNCH_AT = '2027-02-20T09:00:00+08:00';

const fixturePath = join(import.meta.dirname, '../fixtures/minimal.yaml');
/** The minimal fixture as a launch request carries it: parsed YAML, not yet validated. */
const definitionInput = (): CampaignDefinitionInput =>
  parse(readFileSync(fixturePath, 'utf8')) as CampaignDefinitionInput;

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'zhili-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws-cn:lambda:cn-north-1:000000000000:function:zhili-test',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/zhili-test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 60_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

const logger = new Logger('zhili-test', 'SILENT');
const store = () => new DynamoCampaignStore(sdkCalls(), TABLE);
/**
 * Step Functions on loopback (test/support/sigv4-server.ts): each call's SigV4 signature is checked,
 * its body recorded; StepFunctionsEngine calls it as it calls AWS (signed JSON, no SDK client).
 */
let states: SigV4Server;
beforeAll(async () => {
  states = await startSigV4Server();
});
afterAll(() => states.close());
const engine = () => new StepFunctionsEngine(states.service(stepFunctionsHost), STATE_MACHINE);
/** The StartExecution calls that arrived, each checked to be signed for `states` as AWS JSON 1.0. */
const startCalls = (): { stateMachineArn: string; name: string; input: string }[] =>
  states.received
    .filter((r: Received) => r.headers['x-amz-target'] === 'AWSStepFunctions.StartExecution')
    .map((r) => {
      expect(r.verdict).toEqual({ ok: true, service: 'states' });
      expect([r.method, r.url, r.headers['content-type']]).toEqual([
        'POST',
        '/',
        'application/x-amz-json-1.0',
      ]);
      return r.json as { stateMachineArn: string; name: string; input: string };
    });
/** Step Functions' answer to a successful start. */
const started = (name: string) => ({
  status: 200,
  body: { executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`, startDate: 0 },
});
/** SNS Publish as SnsSmsNotifier calls it (the signed call itself is tested in test/integration/aws-calls.test.ts). */
const published: Publication[] = [];
let publishFailures: Error[] = [];
const sns: Pick<SnsPublisher, 'publish'> = {
  publish: async (p) => {
    published.push(p);
    const failure = publishFailures.shift();
    if (failure) throw failure;
    return `message-${published.length}`;
  },
};
const notifier = () => new ChannelRouter({ sms: new SnsSmsNotifier(sns) });

/** A valid state, as the launch would start it. */
const validState = (): CampaignState =>
  CampaignState.parse(
    initialState(parseDefinition(definitionInput(), 'fixture'), instant(LAUNCH_AT), {
      maxGenerationDays: 300,
      maxGenerationSteps: 1500,
    }),
  );

const errorOf = async (act: () => Promise<unknown>): Promise<Error> => {
  try {
    await act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected an error, but nothing was thrown');
};

beforeEach(() => {
  ddb.reset();
  states.reset();
  published.length = 0;
  publishFailures = [];
});

describe('DynamoCampaignStore.createCampaign', () => {
  it('writes the units, tasks, registry entry and checkpoint first, then the campaign item conditionally', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const def = parseDefinition(definitionInput(), 'fixture');

    // Act
    const created = await store().createCampaign(
      def,
      {
        id: CAMPAIGN,
        title: def.title,
        definition: {},
        status: 'draft',
        generation: 1,
        executionName: 'minimal-2027-g1',
        round: 0,
        reRectifyUnits: [],
        unitCount: 3,
      },
      initialTasks(def, instant(LAUNCH_AT)),
    );

    // Assess
    expect(created).toBe(true);
    const batches = ddb.commandCalls(BatchWriteCommand);
    expect(batches).toHaveLength(1);
    const writes = batches[0]?.args[0].input.RequestItems?.[TABLE] ?? [];
    expect(writes.map((w) => `${w.PutRequest?.Item?.pk} ${w.PutRequest?.Item?.sk}`)).toEqual([
      'C#minimal-2027 UNIT#dongfeng-community',
      'C#minimal-2027 UNIT#dongfeng-grid-1',
      'C#minimal-2027 UNIT#police-station',
      'C#minimal-2027 TASK#shop-fire-check',
      'C#minimal-2027 TASK#anti-fraud-publicity',
      'C#minimal-2027 TASK#hazard-ledger',
      'CAMPAIGNS C#minimal-2027',
      'C#minimal-2027 STATE',
    ]);
    // Tasks go onto the sparse deadline index as they are written.
    const firstTask = writes.find((w) => w.PutRequest?.Item?.sk === 'TASK#shop-fire-check')?.PutRequest?.Item;
    expect(firstTask).toMatchObject({ duePk: 'DUE#minimal-2027', status: 'open' });
    const calls = ddb.calls().map(({ args: [command] }) => command);
    const meta = calls.at(-1) as PutCommand;
    expect(meta).toBeInstanceOf(PutCommand);
    expect(meta.input).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'C#minimal-2027', sk: 'META', status: 'draft' },
    });
  });
});

describe('launchCampaign with StepFunctionsEngine', () => {
  const launch = (memory = new MemoryCampaignStore(), at = LAUNCH_AT) =>
    launchCampaign(memory, engine(), parseDefinition(definitionInput(), 'fixture'), instant(at), {
      actor: 'office-admin',
    });

  it('writes the campaign, then starts <id>-g1 with the state under `state`, then marks it started', async () => {
    // Prepare
    const memory = new MemoryCampaignStore();
    let writesAtStart = -1;
    states.answer = () => {
      writesAtStart = memory.writes;
      return started('minimal-2027-g1');
    };

    // Act
    const result = await launch(memory);

    // Assess
    expect(result).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: true });
    // After the start, only the mark that the execution started (so a retried launch knows).
    expect(memory.writes).toBe(writesAtStart + 1);
    expect((await memory.getCampaign(CAMPAIGN))?.executionStartedAt).toBeDefined();
    expect(states.received).toHaveLength(1);
    const starts = startCalls();
    expect(starts).toHaveLength(1);
    const start = starts[0];
    expect(start).toMatchObject({ stateMachineArn: STATE_MACHINE, name: 'minimal-2027-g1' });
    // The state machine reads `$.state.next.at`: the execution input keeps the state under `state`.
    const sent = JSON.parse(start?.input ?? '{}') as Record<string, unknown>;
    expect(Object.keys(sent)).toEqual(['state']);
    const state = CampaignState.parse(sent.state);
    expect(state).toMatchObject({
      campaignId: CAMPAIGN,
      generation: 1,
      phase: 'mobilize',
      phaseStatus: 'pending',
      next: { at: '2027-02-21T16:00:00.000Z', action: 'startPhase', moment: 'phaseStart' },
    });
    // The checkpoint holds the same state: what a pause and resume would start from.
    expect((await memory.getCheckpoint(CAMPAIGN))?.state).toEqual(state);
  });

  it('returns started false when Step Functions answers ExecutionAlreadyExists', async () => {
    // Prepare
    states.script = [
      {
        status: 400,
        body: {
          __type: 'com.amazonaws.swf.service.v2.model#ExecutionAlreadyExists',
          message: "Execution Already Exists: 'minimal-2027-g1'",
        },
      },
    ];

    // Act
    const result = await launch();

    // Assess
    expect(result).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: false });
    expect(startCalls()).toHaveLength(1);
    expect(states.received).toHaveLength(1);
  });

  it('writes nothing and starts nothing when the campaign was launched before', async () => {
    // Prepare
    const memory = new MemoryCampaignStore();
    await launch(memory);
    expect(startCalls()).toHaveLength(1);
    const writes = memory.writes;
    states.reset();

    // Act
    const result = await launch(memory);

    // Assess
    expect(result).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: false });
    expect(memory.writes).toBe(writes);
    expect(states.received).toHaveLength(0);
  });

  it('finishes a launch that stored the campaign but failed before starting its execution', async () => {
    // Prepare: the first launch's start fails after the campaign was written (Step Functions
    // unavailable for all three attempts)
    const memory = new MemoryCampaignStore();
    const unavailable = { status: 503, body: { __type: 'ServiceUnavailable', message: 'try again' } };
    states.script = [unavailable, unavailable, unavailable];
    await expect(launch(memory)).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      message: 'try again',
    });
    expect(startCalls()).toHaveLength(3);
    states.reset();

    // Act: launched again an hour later
    const result = await launch(memory, '2027-02-20T10:00:00+08:00');

    // Assess: the execution started from the original launch instant
    expect(result).toEqual({ campaignId: CAMPAIGN, executionName: 'minimal-2027-g1', started: true });
    const input = JSON.parse(startCalls()[0]?.input ?? '{}') as {
      state: { generationStartedAt: string };
    };
    expect(input.state.generationStartedAt).toBe('2027-02-20T01:00:00.000Z');
  });
});

describe('step handlers given a malformed event', () => {
  const handlers = [
    {
      name: 'check-deadlines',
      handler: () => makeCheckDeadlinesHandler({ store: store(), logger }),
      extra: {},
    },
    {
      name: 'collect-reports',
      handler: () =>
        makeCollectReportsHandler({ store: store(), archive: new MemoryBulletinArchive(), logger }),
      extra: {},
    },
    {
      name: 'continue-campaign',
      handler: () => makeContinueHandler({ store: store(), engine: engine(), logger }),
      extra: {},
    },
    {
      name: 'notify',
      handler: () => makeNotifyHandler({ store: store(), notifier: notifier(), logger }),
      extra: {},
    },
    {
      name: 'phase',
      handler: () => makePhaseHandler({ store: store(), logger }),
      extra: { action: 'start' },
    },
  ];

  it.each(handlers)('$name throws a ValidationError naming state.next.at', async ({ handler, extra }) => {
    // Prepare
    const state = validState();
    const event = { ...extra, state: { ...state, next: { ...state.next, at: 'next Tuesday' } } };

    // Act
    const error = await errorOf(() => handler()(event, context));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.name).toBe('ValidationError');
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['state.next.at']);
    expect(error.message).toContain('state.next.at');
    expect(ddb.calls()).toHaveLength(0);
    expect(states.received).toHaveLength(0);
    expect(published).toHaveLength(0);
  });

  it.each(handlers)(
    '$name throws a ValidationError naming `state` when it is missing',
    async ({ handler, extra }) => {
      // Act
      const error = await errorOf(() => handler()({ ...extra }, context));

      // Assess
      expect(error.name).toBe('ValidationError');
      expect((error as ValidationError).issues.map((i) => i.path)).toContain('state');
    },
  );
});

describe('makeNotifyHandler with SMS through SNS', () => {
  const notification = (id: string, phone: string): Notification => ({
    id,
    campaignId: CAMPAIGN,
    kind: 'reportOverdue',
    recipient: {
      key: `liaison:${phone}`,
      role: 'liaison',
      unitId: 'police-station',
      person: { name: '孙伟', title: '社区民警', phone },
    },
    channel: 'sms',
    address: phone,
    language: 'zh-CN',
    urgent: false,
    subject: '【东风街道】本期进展逾期未报',
    body: `东风派出所：本期工作进展已超过截止时间仍未报送（${id}）。`,
    createdAt: '2027-03-08T05:00:00.000Z',
    notBefore: '2027-03-08T05:00:00.000Z',
    status: 'pending',
    attempts: 0,
  });
  const pending = [notification('n-first', '13800000022'), notification('n-second', '13800000013')];
  const asItem = (n: Notification) => ({
    pk: `C#${CAMPAIGN}`,
    sk: `OUTBOX#${n.id}`,
    outboxPk: `OUTBOX#${CAMPAIGN}`,
    outboxSk: `${n.notBefore}#${n.id}`,
    ...n,
  });
  // 13:00 in Shanghai: outside quiet hours.
  const event = () => ({
    state: { ...validState(), at: '2027-03-08T05:00:00.000Z', pendingNotifications: 2 },
  });
  const prepare = () => {
    ddb.on(GetCommand).resolves({});
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: pending.map(asItem) })
      .resolves({ Items: [] });
    ddb.on(UpdateCommand).resolves({});
  };
  const outcomes = () =>
    ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter(
        (m) =>
          m.ExpressionAttributeValues?.[':status'] !== undefined ||
          m.ExpressionAttributeValues?.[':by'] === 'retry',
      )
      .map((m) => [
        m.Key?.sk,
        m.ExpressionAttributeValues?.[':status'] ?? m.ExpressionAttributeValues?.[':by'],
      ]);

  it('claims each due notification, sends a transactional SMS to each number in E.164 and marks each sent', async () => {
    // Prepare
    prepare();
    const handler = makeNotifyHandler({ store: store(), notifier: notifier(), logger });

    // Act
    const next = await handler(event(), context);

    // Assess
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      IndexName: 'outbox',
      KeyConditionExpression: 'outboxPk = :pk AND outboxSk <= :upTo',
    });
    const claims = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((m) => m.ExpressionAttributeValues?.[':by'] === 'inFlight');
    expect(claims.map((c) => c.ConditionExpression)).toEqual(
      Array(2).fill('#status = :pending AND notBefore <= :now'),
    );
    expect(published.map((p) => ('PhoneNumber' in p ? p.PhoneNumber : p.TopicArn))).toEqual([
      '+8613800000022',
      '+8613800000013',
    ]);
    for (const p of published) {
      expect(p.attributes).toEqual({ 'AWS.SNS.SMS.SMSType': 'Transactional' });
      expect(p.Message).toContain('东风派出所');
    }
    expect(outcomes()).toEqual([
      ['OUTBOX#n-first', 'sent'],
      ['OUTBOX#n-second', 'sent'],
    ]);
    expect(next.pendingNotifications).toBe(0);
    expect(next.notifyAt).toBeUndefined();
  });

  it('keeps a notification SNS throttled pending for a retry and still sends the rest', async () => {
    // Prepare
    prepare();
    publishFailures = [new AwsServiceError('Throttled', 'Rate exceeded', 400)];
    const handler = makeNotifyHandler({ store: store(), notifier: notifier(), logger });

    // Act
    await handler(event(), context);

    // Assess
    expect(published).toHaveLength(2);
    expect(outcomes()).toEqual([
      ['OUTBOX#n-first', 'retry'],
      ['OUTBOX#n-second', 'sent'],
    ]);
  });
});
