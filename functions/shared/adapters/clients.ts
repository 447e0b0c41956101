import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients, created once per module load (per Lambda container). The endpoint comes from the
 * SDK's own AWS_ENDPOINT_URL_DYNAMODB variable, which the local runtime sets to DynamoDB Local.
 */
export const documentClient = (client = new DynamoDBClient({})): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
