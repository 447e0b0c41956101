import { startDynamoDbLocal } from '../bin/local/dynamodb-local.ts';
import { measureDeadlineReads } from './deadline-reads.ts';

/**
 * Standalone: `npx tsx bench/deadline-check.ts [items] [due]` (defaults 100000 and 100). Issue 7's
 * harness (bench/cases/) was not on main when this was written; a case there can wrap
 * measureDeadlineReads as it is.
 */
const items = Number(process.argv[2] ?? 100_000);
const due = Number(process.argv[3] ?? 100);
const db = await startDynamoDbLocal();
try {
  console.log(`deadline check over ${items.toLocaleString('en-US')} open items, ${due} due (DynamoDB Local)`);
  const r = await measureDeadlineReads(db, { items, due, log: (line) => console.log(line) });
  console.log('');
  console.log('| reads | read capacity units |');
  console.log('|---|---|');
  console.log(`| deadline check (all its reads) | ${r.checkReadUnits} |`);
  console.log(`| …of which on the sparse due index (items due, next due) | ${r.indexQueryReadUnits} |`);
  console.log(`| Scan of the same table for the same ${r.due} items | ${r.scanReadUnits} |`);
  console.log('');
  console.log(
    `Scan / deadline check = ${r.ratio.toFixed(0)}× (${r.notificationsQueued} overdue notices queued)`,
  );
} finally {
  await db.stop();
}
