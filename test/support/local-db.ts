import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import {
  createTableFromTemplate,
  type DynamoDbLocal,
  documentClient,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localCalls,
} from '../../bin/local/dynamodb-local.ts';
import { synthesize } from '../../bin/local/synthesized.ts';
import { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';

/** The shared DynamoDB Local of the integration run, as the runtime's `db` option (the run owns its lifetime). */
export const sharedDb = (): DynamoDbLocal => {
  const endpoint = inject('dynamodbEndpoint');
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return { endpoint, client, stop: async () => {} };
};

/** A fresh table with the synthesized stateful stack's keys and indexes, and a store on it. */
export const freshStore = async () => {
  const db = sharedDb();
  const tableName = `t-${randomUUID().slice(0, 8)}`;
  await createTableFromTemplate(db.client, tableName, synthesize().tableProperties);
  return {
    db,
    tableName,
    doc: documentClient(db.client),
    store: new DynamoCampaignStore(localCalls(db), tableName),
  };
};
