import type {
  BatchWriteCommandInput,
  BatchWriteCommandOutput,
  GetCommandInput,
  GetCommandOutput,
  PutCommandInput,
  PutCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  TransactWriteCommandInput,
  TransactWriteCommandOutput,
  UpdateCommandInput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type Endpoint, JsonService, type SignedServiceOptions } from './aws-request.ts';

/**
 * The six DynamoDB operations the store calls, with the document client's shapes: plain values in
 * and out, marshalled here. Outputs carry what DynamoDB answers (no SDK `$metadata`).
 */
type Out<T> = Omit<T, '$metadata'>;
export interface DocumentCalls {
  get(input: GetCommandInput): Promise<Out<GetCommandOutput>>;
  put(input: PutCommandInput): Promise<Out<PutCommandOutput>>;
  update(input: UpdateCommandInput): Promise<Out<UpdateCommandOutput>>;
  query(input: QueryCommandInput): Promise<Out<QueryCommandOutput>>;
  transactWrite(input: TransactWriteCommandInput): Promise<Out<TransactWriteCommandOutput>>;
  batchWrite(input: BatchWriteCommandInput): Promise<Out<BatchWriteCommandOutput>>;
}

/** DynamoDB signs as `dynamodb` at dynamodb.<region>. */
const dynamoDbHost = { signingName: 'dynamodb', hostPrefix: 'dynamodb' } as const;

/** The SDK's DynamoDB client makes 4 attempts, not the standard 3. */
const DYNAMODB_ATTEMPTS = 4;

/**
 * Retried besides what the SDK classifies: a plain write that meets a transaction in progress on
 * its item (a control landing at that instant) is refused whole, and the transaction finishes
 * within milliseconds; the write's own condition then decides.
 */
const RETRIED_CODES = ['TransactionConflictException'];

type Values = Record<string, unknown>;
type Wire = Record<string, unknown>;

// As the store's document client did: an attribute whose value is undefined is left out.
const toWire = (values: Values | undefined) =>
  values === undefined ? undefined : marshall(values, { removeUndefinedValues: true });
const fromWire = (wire: unknown): Values | undefined =>
  wire === undefined ? undefined : (unmarshall(wire as Parameters<typeof unmarshall>[0]) as Values);

/** The parts of a request that hold values: keys, items, expression values, a query's start key. */
const withValues = <T extends object>(input: T): Wire => {
  const { Key, Item, ExpressionAttributeValues, ExclusiveStartKey, ...rest } = input as Values;
  return {
    ...rest,
    Key: toWire(Key as Values | undefined),
    Item: toWire(Item as Values | undefined),
    ExpressionAttributeValues: toWire(ExpressionAttributeValues as Values | undefined),
    ExclusiveStartKey: toWire(ExclusiveStartKey as Values | undefined),
  };
};

type WriteRequest = { PutRequest?: { Item: Values }; DeleteRequest?: { Key: Values } };
const writeRequests = <V>(requests: Record<string, WriteRequest[]>, convert: (values: Values) => V) =>
  Object.fromEntries(
    Object.entries(requests).map(([table, list]) => [
      table,
      list.map(({ PutRequest, DeleteRequest }) => ({
        ...(PutRequest ? { PutRequest: { Item: convert(PutRequest.Item) } } : {}),
        ...(DeleteRequest ? { DeleteRequest: { Key: convert(DeleteRequest.Key) } } : {}),
      })),
    ]),
  );

/**
 * DynamoDB's own API (AWS JSON 1.0) as signed calls (aws-request.ts), the requests the SDK's
 * document client makes for these operations: the SDK's DynamoDB client and its protocol code are
 * about 190 KB of every bundle and most of a cold start's import (issue 7). Errors keep the SDK's
 * names and fields (ConditionalCheckFailedException; TransactionCanceledException with its
 * CancellationReasons); throttling and 5xx answers are retried as the SDK's client does, and a
 * write that met a transaction (TransactionConflictException) too.
 */
export class SignedDynamoDB implements DocumentCalls {
  private readonly service: JsonService;

  constructor(options: Omit<SignedServiceOptions, 'signingName' | 'hostPrefix'>) {
    this.service = new JsonService({
      maxAttempts: DYNAMODB_ATTEMPTS,
      retriedCodes: RETRIED_CODES,
      ...options,
      ...dynamoDbHost,
    });
  }

  private async call(operation: string, body: Wire): Promise<Wire> {
    return (await this.service.post('/', body, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
    })) as Wire;
  }

  async get(input: GetCommandInput): Promise<Out<GetCommandOutput>> {
    const out = await this.call('GetItem', withValues(input));
    return { ...out, Item: fromWire(out.Item) };
  }

  async put(input: PutCommandInput): Promise<Out<PutCommandOutput>> {
    const out = await this.call('PutItem', withValues(input));
    return { ...out, Attributes: fromWire(out.Attributes) };
  }

  async update(input: UpdateCommandInput): Promise<Out<UpdateCommandOutput>> {
    const out = await this.call('UpdateItem', withValues(input));
    return { ...out, Attributes: fromWire(out.Attributes) };
  }

  async query(input: QueryCommandInput): Promise<Out<QueryCommandOutput>> {
    const out = await this.call('Query', withValues(input));
    return {
      ...out,
      Items: (out.Items as Wire[] | undefined)?.map((item) => fromWire(item) as Values),
      LastEvaluatedKey: fromWire(out.LastEvaluatedKey),
    };
  }

  async transactWrite(input: TransactWriteCommandInput): Promise<Out<TransactWriteCommandOutput>> {
    const TransactItems = (input.TransactItems ?? []).map((item) =>
      Object.fromEntries(Object.entries(item).map(([kind, action]) => [kind, withValues(action as object)])),
    );
    return this.call('TransactWriteItems', { ...input, TransactItems });
  }

  async batchWrite(input: BatchWriteCommandInput): Promise<Out<BatchWriteCommandOutput>> {
    const out = await this.call('BatchWriteItem', {
      ...input,
      RequestItems: writeRequests((input.RequestItems ?? {}) as Record<string, WriteRequest[]>, toWire),
    });
    const unprocessed = out.UnprocessedItems as Record<string, WriteRequest[]> | undefined;
    return { ...out, UnprocessedItems: unprocessed && writeRequests(unprocessed, fromWire) };
  }
}

/** An endpoint address, e.g. DynamoDB Local's `http://127.0.0.1:8000`, as aws-request.ts takes it. */
export const endpointOf = (url: string): Endpoint => {
  const { protocol, hostname, port } = new URL(url);
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error(`endpoint ${url} is not http(s)`);
  return { protocol, hostname, ...(port ? { port: Number(port) } : {}) };
};
