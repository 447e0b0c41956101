import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DocumentCalls } from '../../functions/shared/adapters/dynamodb-calls.ts';

/**
 * The store's calls as SDK document-client commands, so that handler unit tests can answer them
 * with aws-sdk-client-mock (mockClient(DynamoDBDocumentClient)). The deployed functions call
 * DynamoDB with signed requests (dynamodb-calls.ts), tested against DynamoDB Local.
 */
export const sdkCalls = (
  doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }), {
    marshallOptions: { removeUndefinedValues: true },
  }),
): DocumentCalls => ({
  get: (input) => doc.send(new GetCommand(input)),
  put: (input) => doc.send(new PutCommand(input)),
  update: (input) => doc.send(new UpdateCommand(input)),
  query: (input) => doc.send(new QueryCommand(input)),
  transactWrite: (input) => doc.send(new TransactWriteCommand(input)),
  batchWrite: (input) => doc.send(new BatchWriteCommand(input)),
});
