import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storeFromEnv } from '../../functions/shared/adapters/aws-deps.ts';
import { endpointOf, SignedDynamoDB } from '../../functions/shared/adapters/dynamodb-calls.ts';
import {
  type Answer,
  CREDENTIALS,
  loopback,
  REGION,
  type SigV4Server,
  startSigV4Server,
} from '../support/sigv4-server.ts';

/**
 * DynamoDB's item operations as the functions make them (dynamodb-calls.ts: signed AWS JSON 1.0, no
 * SDK client), against a loopback server that checks each request's SigV4 signature and answers
 * as DynamoDB does. What DynamoDB then does with them is tested on DynamoDB Local: the store's
 * integration suites and the end-to-end run all go through these calls.
 */
describe('DynamoDB calls against a loopback server that checks SigV4', () => {
  let aws: SigV4Server;
  beforeAll(async () => {
    aws = await startSigV4Server();
  });
  afterAll(() => aws.close());
  beforeEach(() => aws.reset());

  const db = () => new SignedDynamoDB(loopback(aws.port));
  /** DynamoDB's error answers: the type in the body, namespaced, and the message as `message`. */
  const refusal = (type: string, message: string, fields: Record<string, unknown> = {}): Answer => ({
    status: 400,
    body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message, ...fields },
  });
  const sent = (i: number) => aws.received[i]?.json as Record<string, unknown>;
  const checkSigned = (...targets: string[]) => {
    expect(aws.received.map((r) => r.headers['x-amz-target'])).toEqual(
      targets.map((t) => `DynamoDB_20120810.${t}`),
    );
    for (const call of aws.received) {
      expect(call.verdict).toEqual({ ok: true, service: 'dynamodb' });
      expect([call.method, call.url, call.headers['content-type']]).toEqual([
        'POST',
        '/',
        'application/x-amz-json-1.0',
      ]);
    }
  };

  it('puts an item as DynamoDB attribute values, leaving out undefined attributes as the document client did', async () => {
    // Act
    await db().put({
      TableName: 't',
      Item: {
        pk: 'C#a',
        n: 3,
        flag: true,
        none: null,
        gone: undefined,
        list: ['x', 2],
        map: { nested: 'y', dropped: undefined },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });

    // Assess
    checkSigned('PutItem');
    expect(sent(0)).toEqual({
      TableName: 't',
      Item: {
        pk: { S: 'C#a' },
        n: { N: '3' },
        flag: { BOOL: true },
        none: { NULL: true },
        list: { L: [{ S: 'x' }, { N: '2' }] },
        map: { M: { nested: { S: 'y' } } },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('gets an item back as plain values, with what DynamoDB says it cost', async () => {
    // Prepare
    aws.script = [
      {
        status: 200,
        body: {
          Item: { pk: { S: 'C#a' }, round: { N: '2' }, units: { L: [{ S: 'u1' }] } },
          ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 },
        },
      },
      { status: 200, body: {} },
    ];

    // Act
    const found = await db().get({
      TableName: 't',
      Key: { pk: 'C#a', sk: 'META' },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    });
    const missing = await db().get({ TableName: 't', Key: { pk: 'C#b', sk: 'META' } });

    // Assess
    checkSigned('GetItem', 'GetItem');
    expect(sent(0)).toEqual({
      TableName: 't',
      Key: { pk: { S: 'C#a' }, sk: { S: 'META' } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    });
    expect(found).toEqual({
      Item: { pk: 'C#a', round: 2, units: ['u1'] },
      ConsumedCapacity: { TableName: 't', CapacityUnits: 0.5 },
    });
    expect(missing.Item).toBeUndefined();
  });

  it('queries page by page: values and the start key marshalled, items and the last key read back', async () => {
    // Prepare
    aws.script = [
      {
        status: 200,
        body: {
          Items: [{ pk: { S: 'C#a' }, sk: { S: 'T#1' } }],
          Count: 1,
          LastEvaluatedKey: { pk: { S: 'C#a' }, sk: { S: 'T#1' } },
        },
      },
    ];

    // Act
    const page = await db().query({
      TableName: 't',
      IndexName: 'due',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': 'C#a', ':prefix': 'T#' },
      ExclusiveStartKey: { pk: 'C#a', sk: 'T#0' },
      Limit: 1,
    });

    // Assess
    checkSigned('Query');
    expect(sent(0)).toEqual({
      TableName: 't',
      IndexName: 'due',
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': { S: 'C#a' }, ':prefix': { S: 'T#' } },
      ExclusiveStartKey: { pk: { S: 'C#a' }, sk: { S: 'T#0' } },
      Limit: 1,
    });
    expect(page).toEqual({
      Items: [{ pk: 'C#a', sk: 'T#1' }],
      Count: 1,
      LastEvaluatedKey: { pk: 'C#a', sk: 'T#1' },
    });
  });

  it('writes a transaction with each action’s values marshalled; a cancellation keeps its reasons, not retried', async () => {
    // Prepare
    aws.script = [
      {
        status: 200,
        body: {},
      },
      refusal(
        'TransactionCanceledException',
        'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
        { CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'failed' }] },
      ),
    ];
    const input = {
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: 'C#a', sk: 'A#1', at: '2027-03-01T00:00:00.000Z' } } },
        {
          Update: {
            TableName: 't',
            Key: { pk: 'C#a', sk: 'STATE' },
            UpdateExpression: 'SET rev = :rev',
            ConditionExpression: 'rev = :old',
            ExpressionAttributeValues: { ':rev': 'r2', ':old': 'r1' },
          },
        },
      ],
    };

    // Act
    await db().transactWrite(input);
    const cancelled = db().transactWrite(input);

    // Assess
    await expect(cancelled).rejects.toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Message: 'failed' }],
      $metadata: { httpStatusCode: 400 },
    });
    checkSigned('TransactWriteItems', 'TransactWriteItems');
    expect(sent(0)).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: 't',
            Item: { pk: { S: 'C#a' }, sk: { S: 'A#1' }, at: { S: '2027-03-01T00:00:00.000Z' } },
          },
        },
        {
          Update: {
            TableName: 't',
            Key: { pk: { S: 'C#a' }, sk: { S: 'STATE' } },
            UpdateExpression: 'SET rev = :rev',
            ConditionExpression: 'rev = :old',
            ExpressionAttributeValues: { ':rev': { S: 'r2' }, ':old': { S: 'r1' } },
          },
        },
      ],
    });
  });

  it('throws a failed condition by its name at once, and an update’s new values come back plain', async () => {
    // Prepare
    aws.script = [
      refusal('ConditionalCheckFailedException', 'The conditional request failed'),
      { status: 200, body: { Attributes: { rev: { S: 'r3' } } } },
    ];
    const input = {
      TableName: 't',
      Key: { pk: 'C#a', sk: 'STATE' },
      UpdateExpression: 'SET rev = :rev',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':rev': 'r3' },
      ReturnValues: 'ALL_NEW' as const,
    };

    // Act
    const refused = db().update(input);
    await expect(refused).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    const updated = await db().update(input);

    // Assess
    checkSigned('UpdateItem', 'UpdateItem');
    expect(updated.Attributes).toEqual({ rev: 'r3' });
  });

  it('retries throttling as the SDK’s DynamoDB client does (4 attempts), then names it', async () => {
    // Prepare
    const throttled = refusal(
      'ProvisionedThroughputExceededException',
      'The level of configured provisioned throughput for the table was exceeded.',
    );
    aws.script = [throttled, { status: 200, body: {} }];

    // Act
    await db().put({ TableName: 't', Item: { pk: 'C#a', sk: 'META' } });
    const calls = aws.received.length;
    aws.reset();
    aws.answer = () => throttled;
    const exhausted = db().put({ TableName: 't', Item: { pk: 'C#a', sk: 'META' } });

    // Assess
    await expect(exhausted).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect([calls, aws.received.length]).toEqual([2, 4]);
    checkSigned('PutItem', 'PutItem', 'PutItem', 'PutItem');
  });

  it('sends a write that met a transaction in progress again, and then its condition decides', async () => {
    // Prepare
    aws.script = [
      refusal('TransactionConflictException', 'Transaction is ongoing for the item'),
      refusal('ConditionalCheckFailedException', 'The conditional request failed'),
    ];

    // Act
    const write = db().update({
      TableName: 't',
      Key: { pk: 'C#a', sk: 'STATE' },
      UpdateExpression: 'SET rev = :rev',
      ConditionExpression: 'generation = :generation',
      ExpressionAttributeValues: { ':rev': 'r2', ':generation': 1 },
    });

    // Assess
    await expect(write).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    checkSigned('UpdateItem', 'UpdateItem');
    expect(sent(1)).toEqual(sent(0));
  });

  it('sends a batch of writes and reads back what DynamoDB left unprocessed, as plain items', async () => {
    // Prepare
    aws.script = [
      {
        status: 200,
        body: { UnprocessedItems: { t: [{ PutRequest: { Item: { pk: { S: 'C#a' }, sk: { S: 'U#2' } } } }] } },
      },
    ];

    // Act
    const out = await db().batchWrite({
      RequestItems: {
        t: [
          { PutRequest: { Item: { pk: 'C#a', sk: 'U#1' } } },
          { PutRequest: { Item: { pk: 'C#a', sk: 'U#2' } } },
          { DeleteRequest: { Key: { pk: 'C#a', sk: 'U#0' } } },
        ],
      },
    });

    // Assess
    checkSigned('BatchWriteItem');
    expect(sent(0)).toEqual({
      RequestItems: {
        t: [
          { PutRequest: { Item: { pk: { S: 'C#a' }, sk: { S: 'U#1' } } } },
          { PutRequest: { Item: { pk: { S: 'C#a' }, sk: { S: 'U#2' } } } },
          { DeleteRequest: { Key: { pk: { S: 'C#a' }, sk: { S: 'U#0' } } } },
        ],
      },
    });
    expect(out.UnprocessedItems).toEqual({ t: [{ PutRequest: { Item: { pk: 'C#a', sk: 'U#2' } } }] });
  });

  describe('the store as deployed (storeFromEnv)', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    it('calls the endpoint AWS_ENDPOINT_URL_DYNAMODB names, signed with the environment’s credentials', async () => {
      // Prepare
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${aws.port}`,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
        TABLE_NAME: 'zhili-test',
      });

      // Act
      const campaign = await storeFromEnv().getCampaign('safety-2027');

      // Assess
      expect(campaign).toBeNull();
      checkSigned('GetItem');
      expect(sent(0)).toMatchObject({
        TableName: 'zhili-test',
        Key: { pk: { S: 'C#safety-2027' }, sk: { S: 'META' } },
      });
    });
  });

  it('reads an endpoint address, and refuses one that is not http(s) by name', () => {
    expect(endpointOf('http://127.0.0.1:8000')).toEqual({
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 8000,
    });
    expect(endpointOf('https://dynamodb.cn-north-1.amazonaws.com.cn')).toEqual({
      protocol: 'https:',
      hostname: 'dynamodb.cn-north-1.amazonaws.com.cn',
    });
    expect(() => endpointOf('ftp://127.0.0.1')).toThrow('endpoint ftp://127.0.0.1 is not http(s)');
  });
});
