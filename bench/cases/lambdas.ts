import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { synthesize } from '../../bin/local/synthesized.ts';
import { CALENDAR_FILE } from '../../functions/shared/domain/working-days.ts';
import { ALL_FUNCTION_FOLDERS, BUNDLING, functionEntry } from '../../lib/project-function.ts';
import { type BenchCase, type Figure, median } from '../harness.ts';

/**
 * Per Lambda: the bundle as deployed and its import time. The bundles are made by CDK itself
 * (NodejsFunction with the stack's `BUNDLING`, the same code path as `cdk synth`), so what is
 * measured is what is deployed; `metafile` only adds a file beside the bundle. Two baselines are
 * bundled the same way in the same run: an empty handler and a bare DynamoDB document client.
 * Import time is the median of fresh Node processes (15, interleaved so drift hits all alike).
 *
 * "Bundle" is index.mjs, what a cold start loads. The asset may carry files read later, on first
 * use only (the working-day calendar): "asset" is every file deployed, and each is listed in
 * results.json, so nothing loaded lazily goes uncounted.
 */

export const BUNDLE_TARGET_BYTES = 400 * 1024;
export const IMPORT_TARGET_RATIO = 1.3;
const EMPTY = 'empty handler';
const DYNAMODB = 'bare DynamoDB client';
/** What every workflow step but Notify must load before its own work (bench/fixtures/step-floor.ts). */
const STEP_FLOOR = 'DynamoDB client + step event and definition schemas';
/** The same client with the SDK's whole default credential chain (no alias): what the alias saves. */
const DYNAMODB_SDK_CHAIN = 'bare DynamoDB client, SDK credential chain';

interface Bundle {
  name: string;
  file: string;
  /** index.mjs: what a cold start loads. */
  bytes: number;
  /** Every file of the deployed asset (index.mjs included), and their total. */
  assetFiles: { path: string; bytes: number }[];
  assetBytes: number;
  /** Bytes in the bundle per npm package (or source folder), largest first. */
  heaviest: { module: string; bytes: number }[];
}

type Metafile = {
  outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
};

const heaviest = (metafile: Metafile): Bundle['heaviest'] => {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.split('/').slice(0, 2).join('/');
      totals.set(pkg, (totals.get(pkg) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals]
    .map(([module, bytes]) => ({ module, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 8);
};

/** esbuild's metafile, which the bench asks for beside the bundle; not part of the deployed asset. */
const METAFILE = 'index.meta.json';

const filesUnder = async (dir: string): Promise<Bundle['assetFiles']> => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((e) => e.isFile() && !(e.parentPath === dir && e.name === METAFILE))
      .map(async (e) => {
        const path = join(e.parentPath, e.name);
        return { path: relative(dir, path), bytes: (await stat(path)).size };
      }),
  );
  return files.sort((a, b) => a.path.localeCompare(b.path));
};

/**
 * Each function's asset must answer the calendar's lazy `require` from where index.mjs is: the
 * same resolution the deployed function does on its first working-day rule.
 */
const checkCalendarShipped = (bundle: Bundle): void => {
  const probe = `import { createRequire } from 'node:module';
const data = createRequire(process.argv[1])(process.argv[2]);
if (!Object.keys(data.holidays).length) throw new Error('empty calendar');`;
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', probe, pathToFileURL(bundle.file).href, CALENDAR_FILE],
    { encoding: 'utf8' },
  );
  if (run.status !== 0)
    throw new Error(`${bundle.name}: its asset does not resolve ${CALENDAR_FILE}: ${run.stderr.slice(-500)}`);
};

/** Synthesizes one stack of NodejsFunctions with CDK's local esbuild bundling and reads the assets. */
const bundleWithCdk = async (
  outdir: string,
  entries: { name: string; entry: string; bundling: BundlingOptions }[],
): Promise<Bundle[]> => {
  // Asset metadata names each function's asset folder, as the CDK CLI asks for it.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'ZhiliBench');
  const ids = new Map<string, string>();
  for (const [i, e] of entries.entries()) {
    const fn = new NodejsFunction(stack, `Fn${i}`, {
      entry: e.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      // Neither changes the bundle: a metafile beside it, and esbuild's progress kept off the output.
      bundling: { ...e.bundling, metafile: true, logLevel: LogLevel.ERROR },
    });
    ids.set(stack.getLogicalId(fn.node.defaultChild as CfnElement), e.name);
  }
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
  };
  const bundles: Bundle[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const name = ids.get(logicalId);
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (resource.Type !== 'AWS::Lambda::Function' || !name || !assetPath) continue;
    const dir = join(outdir, assetPath);
    const file = join(dir, 'index.mjs');
    const metafile = JSON.parse(await readFile(join(dir, METAFILE), 'utf8')) as Metafile;
    const assetFiles = await filesUnder(dir);
    bundles.push({
      name,
      file,
      bytes: (await stat(file)).size,
      assetFiles,
      assetBytes: assetFiles.reduce((sum, f) => sum + f.bytes, 0),
      heaviest: heaviest(metafile),
    });
  }
  return entries.map((e) => {
    const bundle = bundles.find((b) => b.name === e.name);
    if (!bundle) throw new Error(`no bundle for ${e.name}`);
    return bundle;
  });
};

const IMPORT_PROBE = `const started = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - started));
`;

/**
 * What the Lambda runtime sets, plus each function's own environment as the synthesized stack
 * declares it (references to other resources, such as table names, become placeholders), so that
 * a function that needs a new variable at load is measured with it.
 */
const runtimeEnvironment: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  AWS_REGION: 'cn-north-1',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SESSION_TOKEN: 'bench',
};

const deployedEnvironments = (): Map<string, Record<string, string>> => {
  const envs = new Map<string, Record<string, string>>();
  for (const resource of Object.values(synthesize().statelessTemplate.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables =
      (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {};
    const env = Object.fromEntries(
      Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]),
    );
    const folder = ALL_FUNCTION_FOLDERS.find((f) => env.POWERTOOLS_SERVICE_NAME === `zhili-${f}`);
    if (folder) envs.set(folder, env);
  }
  return envs;
};

/** Milliseconds to import each bundle, one fresh process per sample, in rounds over all bundles. */
const importTimes = async (
  workDir: string,
  bundles: Bundle[],
  rounds: number,
): Promise<Map<string, number[]>> => {
  const probe = join(workDir, 'import-probe.mjs');
  await writeFile(probe, IMPORT_PROBE);
  const samples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
  const deployed = deployedEnvironments();
  for (let round = 0; round < rounds; round++) {
    for (const bundle of bundles) {
      const run = spawnSync(process.execPath, [probe, pathToFileURL(bundle.file).href], {
        // Quiet: a function that logs at load would otherwise write into the measurement's output.
        env: { ...runtimeEnvironment, ...deployed.get(bundle.name), POWERTOOLS_LOG_LEVEL: 'SILENT' },
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`importing ${bundle.name} failed: ${run.stderr.slice(-1500)}`);
      samples.get(bundle.name)?.push(Number(run.stdout));
    }
  }
  return samples;
};

const lambdas: BenchCase = {
  section: 'lambda',
  name: 'lambdas',
  async run(ctx) {
    // The baselines get the same esbuild settings, without the files the functions' assets carry
    // beside the bundle (the calendar), which they never read.
    const { commandHooks: _shipped, ...baseline } = BUNDLING;
    // The same, without the alias that swaps in the Lambda credential chain (what it saves).
    const aliases = [BUNDLING.esbuildArgs?.['--alias'] ?? []].flat() as string[];
    const sdkChain: BundlingOptions = {
      ...baseline,
      esbuildArgs: {
        ...baseline.esbuildArgs,
        '--alias': aliases.filter((a) => !a.startsWith('@aws-sdk/credential-provider-node=')),
      },
    };
    const fixtures = join(import.meta.dirname, '..', 'fixtures');
    ctx.log('  bundling with CDK (esbuild)');
    const bundles = await bundleWithCdk(join(ctx.workDir, 'cdk.out'), [
      { name: EMPTY, entry: join(fixtures, 'empty-handler.ts'), bundling: baseline },
      { name: DYNAMODB, entry: join(fixtures, 'dynamodb-client.ts'), bundling: baseline },
      { name: STEP_FLOOR, entry: join(fixtures, 'step-floor.ts'), bundling: baseline },
      { name: DYNAMODB_SDK_CHAIN, entry: join(fixtures, 'dynamodb-client.ts'), bundling: sdkChain },
      ...ALL_FUNCTION_FOLDERS.map((folder) => ({
        name: folder,
        entry: functionEntry(folder),
        bundling: BUNDLING,
      })),
    ]);
    const byName = (name: string) => bundles.find((b) => b.name === name) as Bundle;
    for (const folder of ALL_FUNCTION_FOLDERS) checkCalendarShipped(byName(folder));
    const rounds = ctx.quick ? 1 : 15;
    ctx.log(`  importing each bundle in ${rounds} fresh ${process.version} processes`);
    const samples = await importTimes(ctx.workDir, bundles, rounds);
    const importMs = (name: string) => median(samples.get(name) ?? []);
    const empty = { bytes: byName(EMPTY).bytes, ms: importMs(EMPTY) };
    const dynamodb = { bytes: byName(DYNAMODB).bytes, ms: importMs(DYNAMODB) };

    const functions = ALL_FUNCTION_FOLDERS.map((name) => {
      const bundle = byName(name);
      return {
        name,
        bundleBytes: bundle.bytes,
        assetBytes: bundle.assetBytes,
        assetFiles: bundle.assetFiles,
        importMs: importMs(name),
        importSamplesMs: samples.get(name),
        importRatioToEmptyHandler: importMs(name) / empty.ms,
        importRatioToDynamoDbClient: importMs(name) / dynamodb.ms,
        heaviestModules: bundle.heaviest,
      };
    });
    const baselines = [EMPTY, DYNAMODB, DYNAMODB_SDK_CHAIN, STEP_FLOOR].map((name) => ({
      name,
      bundleBytes: byName(name).bytes,
      importMs: importMs(name),
      importSamplesMs: samples.get(name),
      heaviestModules: byName(name).heaviest,
    }));

    const figures: Figure[] = [
      { name: `${EMPTY}: bundle`, value: empty.bytes, unit: 'bytes' },
      { name: `${EMPTY}: import`, value: empty.ms, unit: 'ms' },
      { name: `${DYNAMODB}: bundle`, value: dynamodb.bytes, unit: 'bytes' },
      {
        name: `${DYNAMODB}: import`,
        value: dynamodb.ms,
        unit: 'ms',
        baseline: { name: EMPTY, value: empty.ms },
      },
      {
        name: `${STEP_FLOOR}: bundle`,
        value: byName(STEP_FLOOR).bytes,
        unit: 'bytes',
        baseline: { name: DYNAMODB, value: dynamodb.bytes },
      },
      {
        name: `${STEP_FLOOR}: import`,
        value: importMs(STEP_FLOOR),
        unit: 'ms',
        baseline: { name: DYNAMODB, value: dynamodb.ms },
      },
      {
        name: `${DYNAMODB_SDK_CHAIN}: bundle`,
        value: byName(DYNAMODB_SDK_CHAIN).bytes,
        unit: 'bytes',
        baseline: { name: DYNAMODB, value: dynamodb.bytes },
      },
      // Context, not the target's baseline: the client as bundled without the alias, which is
      // what a Lambda gets that bundles the SDK as it comes.
      {
        name: `${DYNAMODB_SDK_CHAIN}: import`,
        value: importMs(DYNAMODB_SDK_CHAIN),
        unit: 'ms',
        baseline: { name: DYNAMODB, value: dynamodb.ms },
      },
    ];
    for (const f of functions) {
      figures.push(
        {
          name: `${f.name}: bundle`,
          value: f.bundleBytes,
          unit: 'bytes',
          baseline: { name: DYNAMODB, value: dynamodb.bytes },
          target: { max: BUNDLE_TARGET_BYTES, of: 'value' },
        },
        {
          name: `${f.name}: asset, all files (${f.assetFiles.length})`,
          value: f.assetBytes,
          unit: 'bytes',
          baseline: { name: 'its bundle', value: f.bundleBytes },
        },
        {
          name: `${f.name}: import`,
          value: f.importMs,
          unit: 'ms',
          baseline: { name: DYNAMODB, value: dynamodb.ms },
          target: { max: IMPORT_TARGET_RATIO, of: 'ratio' },
        },
      );
    }
    return { figures, json: { functions, lambdaBaselines: baselines, importRounds: rounds } };
  },
};

export default lambdas;
