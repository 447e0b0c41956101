import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { endpointOf, SignedDynamoDB } from '../../functions/shared/adapters/dynamodb-calls.ts';

/**
 * DynamoDB Local 1.25 (the official emulator), from the jar that the npm package
 * amplify-dynamodb-simulator ships, run on the machine's Java on a free loopback port.
 */

const jarDir = (): string => {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

export interface DynamoDbLocal {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Credentials DynamoDB Local accepts; it checks only their shape. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'cn-north-1';

/** The store's calls to DynamoDB Local: the signed calls the Lambdas make, at the local endpoint. */
export const localCalls = (db: Pick<DynamoDbLocal, 'endpoint'>): SignedDynamoDB =>
  new SignedDynamoDB({
    region: LOCAL_REGION,
    credentials: async () => LOCAL_CREDENTIALS,
    endpoint: endpointOf(db.endpoint),
  });

/** The SDK's document client, for tools that fill or inspect a table beside the store (tests, bench). */
export const documentClient = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export const startDynamoDbLocal = async (options: { dbPath?: string } = {}): Promise<DynamoDbLocal> => {
  const port = await freePort();
  const dir = jarDir();
  const storage = options.dbPath ? ['-dbPath', options.dbPath, '-sharedDb'] : ['-inMemory'];
  const child: ChildProcess = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      ...storage,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start DynamoDB Local (is Java 17 installed?): ${error.message}`)),
    );
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited with code ${code}: ${stderr.slice(0, 500)}`)),
    );
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const ready = (async () => {
    for (let attempt = 0; attempt < 300; attempt++) {
      try {
        await client.send(new ListTablesCommand({}));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error('DynamoDB Local did not answer within 30 s');
  })();
  await Promise.race([ready, spawnFailed]);
  spawnFailed.catch(() => {});
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
};

/** Creates the table exactly as the synthesized stateful stack declares it (keys and indexes). */
export const createTableFromTemplate = async (
  client: DynamoDBClient,
  tableName: string,
  properties: Record<string, unknown>,
): Promise<void> => {
  const tables = await client.send(new ListTablesCommand({}));
  if (tables.TableNames?.includes(tableName)) return;
  const gsis = (properties.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes']) ?? [];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
      AttributeDefinitions:
        properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: gsis.map((g) => ({
        IndexName: g.IndexName,
        KeySchema: g.KeySchema,
        Projection: g.Projection,
      })),
    }),
  );
};
