import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { JsonService } from './aws-request.ts';
import { documentClient } from './clients.ts';
import { DynamoCampaignStore } from './dynamo-store.ts';
import { getStringFromEnv } from './env.ts';
import { StepFunctionsEngine, stepFunctionsHost } from './sfn-engine.ts';

/** The DynamoDB store as deployed: table name from the environment the CDK construct sets. */
export const storeFromEnv = (): DynamoCampaignStore =>
  new DynamoCampaignStore(documentClient(new DynamoDBClient({})), getStringFromEnv('TABLE_NAME'));

/**
 * Region and credentials of the signed calls (aws-request.ts), as the SDK clients take them: the
 * region from the environment, read at the first call; in the bundles, the Lambda part of the
 * credential chain (lambda-credentials.ts).
 */
export const signedCallsFromEnv = () => ({
  region: () => getStringFromEnv('AWS_REGION'),
  credentials: defaultProvider(),
});

/** Step Functions as deployed: the campaign state machine's ARN from the environment the CDK construct sets. */
export const engineFromEnv = (): StepFunctionsEngine =>
  new StepFunctionsEngine(
    new JsonService({ ...stepFunctionsHost, ...signedCallsFromEnv() }),
    getStringFromEnv('STATE_MACHINE_ARN'),
  );
