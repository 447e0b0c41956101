import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type DynamoDbLocal, startDynamoDbLocal } from '../bin/local/dynamodb-local.ts';
import {
  type BenchCase,
  type BenchContext,
  type FigureRow,
  loadCases,
  markdownTable,
  toRow,
} from './harness.ts';

/**
 * `npm run bench`: runs every case in bench/cases/, prints one table and writes bench/results.json.
 * `npm run bench -- --quick` is the smoke mode the test suite uses (tiny sizes, meaningless figures);
 * `npm run bench -- lambdas localRun` runs only the cases named (results.json is left as it is).
 */

export interface BenchRun {
  rows: FigureRow[];
  results: Record<string, unknown>;
}

export const machine = () => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  freeMemoryGiB: Math.round(freemem() / 2 ** 30),
  os: `${platform()} ${release()}`,
  node: process.version,
});

export const runBench = async (options: {
  quick: boolean;
  cases?: BenchCase[];
  outFile?: string;
  log?: (line: string) => void;
  /** A DynamoDB Local to use instead of starting one (the test suite's); the caller stops it. */
  db?: DynamoDbLocal;
}): Promise<BenchRun> => {
  const log = options.log ?? (() => {});
  const cases = options.cases ?? (await loadCases());
  const workDir = await mkdtemp(join(tmpdir(), 'zhili-bench-'));
  let db: Promise<DynamoDbLocal> | undefined =
    options.db && Promise.resolve({ ...options.db, stop: async () => {} });
  const ctx: BenchContext = {
    quick: options.quick,
    workDir,
    dynamodb: () => {
      db ??= startDynamoDbLocal();
      return db;
    },
    log,
  };
  const started = performance.now();
  const rows: FigureRow[] = [];
  const results: Record<string, unknown> = {};
  try {
    for (const benchCase of cases) {
      log(`· ${benchCase.name}`);
      const caseStarted = performance.now();
      const result = await benchCase.run(ctx);
      rows.push(...result.figures.map((f) => toRow(benchCase.section, benchCase.name, f)));
      Object.assign(results, result.json);
      log(`  ${benchCase.name} took ${((performance.now() - caseStarted) / 1000).toFixed(1)} s`);
    }
  } finally {
    await (await db)?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  const output = {
    ranAt: new Date().toISOString(),
    quick: options.quick,
    machine: machine(),
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    ...results,
    figures: rows,
  };
  // Measurements carry no more than three decimals of meaning.
  const rounded = (_key: string, value: unknown) =>
    typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
  if (options.outFile) await writeFile(options.outFile, `${JSON.stringify(output, rounded, 2)}\n`);
  return { rows, results: output };
};

const main = async () => {
  const quick = process.argv.includes('--quick');
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const outFile = join(import.meta.dirname, 'results.json');
  // Quiet Lambdas: the figures are the output.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const all = await loadCases();
  const cases = only.length ? all.filter((c) => only.includes(c.name)) : all;
  if (cases.length === 0)
    throw new Error(`no case named ${only.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}`);
  const { rows, results } = await runBench({
    quick,
    cases,
    // A partial run does not overwrite the full results.
    outFile: quick || only.length ? undefined : outFile,
    log: (line) => console.error(line),
  });
  const m = machine();
  console.log(
    `\nzhili benchmarks — ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}\n`,
  );
  console.log(markdownTable(rows));
  console.log(
    `\n${results.durationSeconds} s${
      quick
        ? ' (quick: smoke mode, figures not meaningful)'
        : only.length
          ? ` (only ${only.join(', ')}: ${outFile} left as it was)`
          : `; wrote ${outFile}`
    }`,
  );
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
