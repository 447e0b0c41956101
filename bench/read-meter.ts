import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import type { DocumentCalls } from '../functions/shared/adapters/dynamodb-calls.ts';

/**
 * The store's DynamoDB calls with ReturnConsumedCapacity added to every read, summing what
 * DynamoDB says each cost: in all, and on indexes. Writes are not counted: the cases compare
 * reads. The store can only Get and Query (DocumentCalls has no Scan), so `scans` stays 0 unless a
 * case counts its own. Callers measure a span as the difference of two readings.
 */
export const meterReads = (calls: DocumentCalls) => {
  const meter = { total: 0, byIndex: 0, scans: 0 };
  const count = (indexName: string | undefined, consumed: ConsumedCapacity | undefined) => {
    meter.total += consumed?.CapacityUnits ?? 0;
    if (indexName) meter.byIndex += consumed?.CapacityUnits ?? 0;
  };
  const metered: DocumentCalls = {
    get: async (input) => {
      const out = await calls.get({ ...input, ReturnConsumedCapacity: 'TOTAL' });
      count(undefined, out.ConsumedCapacity);
      return out;
    },
    query: async (input) => {
      const out = await calls.query({ ...input, ReturnConsumedCapacity: 'TOTAL' });
      count(input.IndexName, out.ConsumedCapacity);
      return out;
    },
    put: (input) => calls.put(input),
    update: (input) => calls.update(input),
    transactWrite: (input) => calls.transactWrite(input),
    batchWrite: (input) => calls.batchWrite(input),
  };
  return { meter, calls: metered };
};
