import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const READS = new Set(['GetCommand', 'QueryCommand', 'ScanCommand', 'BatchGetCommand']);

/**
 * Adds ReturnConsumedCapacity to every read a document client sends and sums what DynamoDB says
 * it cost: in all, on indexes, and how many Scans there were. Writes are not counted: the cases
 * compare reads. Callers measure a span as the difference of two readings.
 */
export const meterReads = (doc: DynamoDBDocumentClient) => {
  const meter = { total: 0, byIndex: 0, scans: 0 };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      if (!READS.has(command)) return next(args);
      const input = args.input as { ReturnConsumedCapacity?: string; IndexName?: string };
      input.ReturnConsumedCapacity = 'TOTAL';
      if (command === 'ScanCommand') meter.scans++;
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      for (const c of consumed === undefined ? [] : [consumed].flat()) {
        meter.total += c.CapacityUnits ?? 0;
        if (input.IndexName) meter.byIndex += c.CapacityUnits ?? 0;
      }
      return out;
    },
    // No name: the document clients of a run share one base client, and each case adds its own meter.
    { step: 'initialize' },
  );
  return meter;
};
