import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from './clients.ts';
import { DynamoCampaignStore } from './dynamo-store.ts';
import { getStringFromEnv } from './env.ts';

/** The DynamoDB store as deployed: table name from the environment the CDK construct sets. */
export const storeFromEnv = (): DynamoCampaignStore =>
  new DynamoCampaignStore(documentClient(new DynamoDBClient({})), getStringFromEnv('TABLE_NAME'));
