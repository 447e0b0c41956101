import { measureDeadlineReads } from '../deadline-reads.ts';
import type { BenchCase } from '../harness.ts';

/**
 * DynamoDB: read capacity of the deadline check over 100,000 open items with 100 due, against a
 * Scan of the same table for the same items (ReturnConsumedCapacity; see bench/deadline-reads.ts).
 */
const deadlineCheck: BenchCase = {
  section: 'dynamodb',
  name: 'deadlineCheck',
  async run(ctx) {
    const sizes = ctx.quick ? { items: 500, due: 10 } : { items: 100_000, due: 100 };
    const r = await measureDeadlineReads(await ctx.dynamodb(), { ...sizes, log: ctx.log });
    const label = `deadline check, ${r.items.toLocaleString('en-US')} open items, ${r.due} due`;
    return {
      figures: [
        {
          name: `${label}: read capacity units`,
          value: r.checkReadUnits,
          unit: 'count',
          baseline: { name: 'Scan for the same items', value: r.scanReadUnits },
        },
        { name: '…of which on the sparse due index', value: r.indexQueryReadUnits, unit: 'count' },
      ],
      json: { deadlineCheck: r },
    };
  },
};

export default deadlineCheck;
