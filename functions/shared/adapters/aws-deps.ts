import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { JsonService } from './aws-request.ts';
import { DynamoCampaignStore } from './dynamo-store.ts';
import { endpointOf, SignedDynamoDB } from './dynamodb-calls.ts';
import { getStringFromEnv } from './env.ts';
import { StepFunctionsEngine, stepFunctionsHost } from './sfn-engine.ts';

/**
 * The DynamoDB store as deployed: table name from the environment the CDK construct sets. Like the
 * SDK's client, it calls another endpoint (DynamoDB Local) when AWS_ENDPOINT_URL_DYNAMODB names one.
 */
export const storeFromEnv = (): DynamoCampaignStore => {
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const db = new SignedDynamoDB({
    ...signedCallsFromEnv(),
    ...(endpoint ? { endpoint: endpointOf(endpoint) } : {}),
  });
  return new DynamoCampaignStore(db, getStringFromEnv('TABLE_NAME'));
};

/** One provider, so one cached set of credentials, for every service a function calls. */
let lambdaCredentials: AwsCredentialIdentityProvider | undefined;

/**
 * Region and credentials of the signed calls (aws-request.ts), as the SDK clients take them: the
 * region from the environment, read at the first call; in the bundles, the Lambda part of the
 * credential chain (lambda-credentials.ts).
 */
export const signedCallsFromEnv = () => {
  lambdaCredentials ??= defaultProvider();
  return { region: () => getStringFromEnv('AWS_REGION'), credentials: lambdaCredentials };
};

/** Step Functions as deployed: the campaign state machine's ARN from the environment the CDK construct sets. */
export const engineFromEnv = (): StepFunctionsEngine =>
  new StepFunctionsEngine(
    new JsonService({ ...stepFunctionsHost, ...signedCallsFromEnv() }),
    getStringFromEnv('STATE_MACHINE_ARN'),
  );
