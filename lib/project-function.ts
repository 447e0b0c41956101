import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { API_FUNCTIONS } from '../functions/shared/http/api-routes.ts';

/**
 * The campaign's own Lambdas under functions/: the functions the state machine invokes.
 * The local runtime maps state machine tasks to their handlers by this name.
 */
export const FUNCTION_FOLDERS = [
  'phase',
  'collect-reports',
  'check-deadlines',
  'notify',
  'continue-campaign',
] as const;
export type FunctionFolder = (typeof FUNCTION_FOLDERS)[number];

/** The HTTP API's Lambdas, one per area of the route table (functions/shared/http/api-routes.ts). */
export const API_FUNCTION_FOLDERS = API_FUNCTIONS;

/** Every Lambda the app deploys: what the stack bundles and the benchmark measures. */
export const ALL_FUNCTION_FOLDERS = [...FUNCTION_FOLDERS, ...API_FUNCTION_FOLDERS] as const;
export type ProjectFunctionFolder = (typeof ALL_FUNCTION_FOLDERS)[number];

export const functionsRoot = join(import.meta.dirname, '..', 'functions');

/** The entry file of a Lambda, as the stack bundles it (and the benchmark measures it). */
export const functionEntry = (folder: ProjectFunctionFolder): string =>
  join(functionsRoot, folder, 'index.ts');

/**
 * esbuild settings of every deployed bundle; the benchmark builds with the same ones.
 * The banner gives ESM bundles the `require` that some CommonJS dependencies still call. The alias
 * swaps the SDK's default credential chain for the part of it that can answer in Lambda (see
 * functions/shared/adapters/lambda-credentials.ts): about 90 KB less in every bundle; another
 * answers the SDK's lazy import of event-stream support, which none of the operations used needs
 * (functions/shared/adapters/no-event-streams.ts): 20 KB less and about 5 ms less import. The asset
 * carries one file beside the bundle, read on first use only (the working-day calendar).
 */
export const BUNDLING: BundlingOptions = {
  minify: true,
  sourceMap: false,
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  bundleAwsSDK: true,
  target: 'node24',
  banner: "import{createRequire as __zcr}from'node:module';const require=__zcr(import.meta.url);",
  esbuildArgs: {
    // esbuild runs in the project root (CDK's bundling cwd, beside package-lock.json).
    '--alias': [
      '@aws-sdk/credential-provider-node=./functions/shared/adapters/lambda-credentials.ts',
      // No operation called here streams events; see the file for what the SDK's lazy import costs.
      '@smithy/core/event-streams=./functions/shared/adapters/no-event-streams.ts',
    ],
  },
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    // The working-day calendar is read on first use with a plain require (see
    // functions/shared/domain/working-days.ts), not bundled: it ships beside index.mjs, at the
    // path Node resolves that require to, and only campaigns with working-day rules read it.
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p "${outputDir}/node_modules/chinese-days/dist"`,
      `cp "${inputDir}/node_modules/chinese-days/package.json" "${inputDir}/node_modules/chinese-days/LICENSE" "${outputDir}/node_modules/chinese-days/"`,
      `cp "${inputDir}/node_modules/chinese-days/dist/chinese-days.json" "${outputDir}/node_modules/chinese-days/dist/"`,
    ],
  },
};

export interface ProjectFunctionProps {
  folder: ProjectFunctionFolder;
  description: string;
  environment?: Record<string, string>;
  timeout?: Duration;
}

/** What DynamoCampaignStore calls; `dynamodb:Scan` is deliberately absent. */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'];

/** One Lambda with the project's fixed defaults: Node 24 on arm64, tracing, JSON logs with retention. */
export class ProjectFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.fn = new NodejsFunction(this, 'Function', {
      entry: functionEntry(props.folder),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      bundling: BUNDLING,
      environment: {
        POWERTOOLS_SERVICE_NAME: `zhili-${props.folder}`,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
  }

  /**
   * Grants exactly the item operations the store uses (no Scan, no DeleteItem: the campaign table is
   * append-and-update) and tells the function where the table is.
   */
  useTable(table: ITableV2, access: 'read' | 'readWrite'): this {
    table.grant(
      this.fn,
      ...(access === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS]),
    );
    this.fn.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }
}
