import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppProps, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TABLE } from '../../functions/shared/adapters/table-design.ts';
import { ACTIONS, Limits } from '../../functions/shared/domain/state.ts';
import { addNagChecks, NAG_ACKNOWLEDGEMENTS } from '../../lib/nag.ts';
import { FUNCTION_FOLDERS, type FunctionFolder } from '../../lib/project-function.ts';
import { STATE_MACHINE_NAME } from '../../lib/stateless-stack.ts';
import { buildApp } from '../../lib/zhili-app.ts';

/**
 * The CDK app as synthesized: targeted assertions on the templates, the campaign state machine's
 * definition, least-privilege IAM, and cdk-nag failing the synth on unacknowledged findings.
 * esbuild bundling is skipped (the templates do not depend on it), so each synth takes a second or two.
 */

const SYNTH_TIMEOUT = 60_000;

/** Cloud assembly directories of this file's synths, removed when it is done. */
const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** App props that skip esbuild bundling for every stack and synthesize into a fresh, known directory. */
const noBundling = (): AppProps & { outdir: string } => {
  const outdir = mkdtempSync(join(tmpdir(), 'zhili-cdk-test-'));
  outdirs.push(outdir);
  return { context: { 'aws:cdk:bundling-stacks': [] }, outdir };
};

// ---------------------------------------------------------------------------------------------
// Template helpers
// ---------------------------------------------------------------------------------------------

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface FunctionInfo {
  logicalId: string;
  roleLogicalId: string;
  timeoutSeconds: number;
  environment: Record<string, unknown>;
}

const resourcesOf = (template: Template): Record<string, CfnResource> =>
  (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;

const actionsOf = (statement: PolicyStatement): string[] => [statement.Action].flat();

const resourcesOfStatement = (statement: PolicyStatement): unknown[] => [statement.Resource].flat();

/** The template's Lambda functions, keyed by the functions/ folder named in POWERTOOLS_SERVICE_NAME. */
const functionsByFolder = (template: Template): Map<FunctionFolder, FunctionInfo> => {
  const byFolder = new Map<FunctionFolder, FunctionInfo>();
  for (const [logicalId, resource] of Object.entries(resourcesOf(template))) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const environment =
      (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const folder = FUNCTION_FOLDERS.find((f) => environment.POWERTOOLS_SERVICE_NAME === `zhili-${f}`);
    const role = (props.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (!folder || !role) throw new Error(`function ${logicalId} is not a zhili project function`);
    byFolder.set(folder, {
      logicalId,
      roleLogicalId: role[0],
      timeoutSeconds: props.Timeout as number,
      environment,
    });
  }
  return byFolder;
};

interface PolicyEntry {
  policy: string;
  roles: string[];
  statement: PolicyStatement;
}

/** Every statement of every inline policy in the template, with the policy's logical id and its roles. */
const allStatements = (template: Template): PolicyEntry[] =>
  Object.entries(resourcesOf(template))
    .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
    .flatMap(([policy, r]) => {
      const props = r.Properties ?? {};
      const roles = ((props.Roles as { Ref?: string }[] | undefined) ?? []).map((ref) => ref.Ref ?? '');
      const statements =
        (props.PolicyDocument as { Statement?: PolicyStatement[] } | undefined)?.Statement ?? [];
      return statements.map((statement) => ({ policy, roles, statement }));
    });

/** Every statement of every inline policy attached to the role. */
const statementsOfRole = (template: Template, roleLogicalId: string): PolicyStatement[] =>
  allStatements(template)
    .filter(({ roles }) => roles.includes(roleLogicalId))
    .map(({ statement }) => statement);

/** The ARN the template builds for the campaign state machine: the literal name, in this partition/region/account. */
const STATE_MACHINE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':states:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:stateMachine:${STATE_MACHINE_NAME}`,
    ],
  ],
};

// ---------------------------------------------------------------------------------------------
// State machine definition (Amazon States Language), parsed from the template
// ---------------------------------------------------------------------------------------------

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string;
}

interface ChoiceRule {
  Variable?: string;
  StringEquals?: string;
  Next: string;
}

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Choices?: ChoiceRule[];
  Default?: string;
}

interface AslDefinition {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** A placeholder for a CloudFormation token inside the definition string: `${GetAtt:Logical.Arn}`, `${Ref:Name}`. */
const tokenPlaceholder = (part: unknown): string => {
  const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt) return `\${GetAtt:${getAtt[0]}.${getAtt[1]}}`;
  const ref = (part as { Ref?: string }).Ref;
  if (ref) return `\${Ref:${ref}}`;
  throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
};

/** Joins the DefinitionString's Fn::Join, tokens replaced by placeholders, and parses it. */
const parseDefinition = (definitionString: unknown): AslDefinition => {
  if (typeof definitionString === 'string') return JSON.parse(definitionString) as AslDefinition;
  const join = (definitionString as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error('DefinitionString is neither a string nor an Fn::Join');
  const [separator, parts] = join;
  const text = parts
    .map((part) => (typeof part === 'string' ? part : tokenPlaceholder(part)))
    .join(separator);
  return JSON.parse(text) as AslDefinition;
};

/** Every state a state can go to next: Next, Default, choice branches and catchers. */
const successorsOf = (state: AslState): string[] => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Default ? [state.Default] : []),
  ...(state.Choices ?? []).map((c) => c.Next),
  ...(state.Catch ?? []).map((c) => c.Next),
];

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const DAY_SECONDS = 24 * 60 * 60;

// ---------------------------------------------------------------------------------------------
// cdk-nag validation report
// ---------------------------------------------------------------------------------------------

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

const readReport = (outdir: string): ValidationReport =>
  JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;

/** Runs `synth`, expecting it to throw; returns the error. Silences the report CDK prints to stderr. */
const synthFailure = (synth: () => unknown): Error => {
  const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    synth();
  } catch (error) {
    return error as Error;
  } finally {
    quiet.mockRestore();
  }
  throw new Error('expected the synth to fail, but it succeeded');
};

// =============================================================================================

describe('StatefulStack', () => {
  let stateful: Template;
  let stateless: Template;

  beforeAll(() => {
    const app = buildApp(noBundling());
    stateful = Template.fromStack(app.stateful);
    stateless = Template.fromStack(app.stateless);
  }, SYNTH_TIMEOUT);

  it('holds the campaign table, the bulletins bucket and its access-log bucket, and nothing else', () => {
    stateful.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    stateful.resourceCountIs('AWS::S3::Bucket', 2);
    const types = Object.values(resourcesOf(stateful)).map((r) => (r as { Type: string }).Type);
    expect(new Set(types)).toEqual(
      new Set(['AWS::DynamoDB::GlobalTable', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']),
    );
  });

  it('keeps bulletins private, encrypted, versioned, logged and retained', () => {
    const buckets = stateful.findResources('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    const [id, bucket] = Object.entries(buckets)[0] ?? [];
    expect(id).toMatch(/^Bulletins/);
    expect(bucket).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LoggingConfiguration: { LogFilePrefix: 'bulletins/' },
      },
    });
  });

  it('bills the table on demand', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', { BillingMode: 'PAY_PER_REQUEST' });
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      WriteProvisionedThroughputSettings: Match.absent(),
    });
  });

  it('keeps the table encrypted, point-in-time recoverable and protected from deletion', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
  });

  it('retains the table on stack deletion and on replacement', () => {
    stateful.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('keys the table by pk/sk, as table-design.ts says', () => {
    expect([TABLE.partitionKey, TABLE.sortKey]).toEqual(['pk', 'sk']);
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
  });

  it("has exactly the two sparse GSIs, 'due' (duePk/dueSk) and 'outbox' (outboxPk/outboxSk)", () => {
    expect(TABLE.dueIndex).toEqual({ name: 'due', partitionKey: 'duePk', sortKey: 'dueSk' });
    expect(TABLE.outboxIndex).toEqual({ name: 'outbox', partitionKey: 'outboxPk', sortKey: 'outboxSk' });
    const gsi = (index: { name: string; partitionKey: string; sortKey: string }) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [gsi(TABLE.dueIndex), gsi(TABLE.outboxIndex)],
    });
  });

  it('defines only the key attributes (strings), so the indexes stay sparse', () => {
    const attribute = (name: string) => ({ AttributeName: name, AttributeType: 'S' });
    stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      AttributeDefinitions: Match.arrayEquals(
        ['pk', 'sk', 'duePk', 'dueSk', 'outboxPk', 'outboxSk'].map(attribute),
      ),
    });
  });

  it('is the only stack with a table: the stateless stack has none', () => {
    stateless.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    stateless.resourceCountIs('AWS::DynamoDB::Table', 0);
  });
});

// =============================================================================================

describe('StatelessStack', () => {
  let template: Template;
  let definition: AslDefinition;
  let functions: Map<FunctionFolder, FunctionInfo>;

  /** The function folder a task invokes, from its Resource placeholder. */
  const folderOfTask = (state: AslState): FunctionFolder | undefined => {
    const logicalId = /^\$\{GetAtt:(.+)\.Arn\}$/.exec(state.Resource ?? '')?.[1];
    return [...functions.entries()].find(([, info]) => info.logicalId === logicalId)?.[0];
  };
  const tasks = (): [string, AslState][] =>
    Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
  const fn = (folder: FunctionFolder): FunctionInfo => {
    const info = functions.get(folder);
    if (!info) throw new Error(`no function for ${folder}`);
    return info;
  };

  beforeAll(() => {
    const app = buildApp(noBundling());
    template = Template.fromStack(app.stateless);
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
    const [machine] = machines as CfnResource[];
    definition = parseDefinition(machine?.Properties?.DefinitionString);
    functions = functionsByFolder(template);
  }, SYNTH_TIMEOUT);

  describe('campaign state machine', () => {
    it("is one Standard state machine named 'zhili-campaign'", () => {
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      expect(STATE_MACHINE_NAME).toBe('zhili-campaign');
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'zhili-campaign',
        StateMachineType: 'STANDARD',
      });
    });

    it('logs every event, with execution data, to a log group with a retention', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [
            { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
          ],
        },
      });
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    });

    it('has X-Ray tracing enabled', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        TracingConfiguration: { Enabled: true },
      });
    });

    it('times out below the one-year Standard limit, after a default-length generation', () => {
      const timeout = definition.TimeoutSeconds ?? Number.POSITIVE_INFINITY;
      expect(timeout).toBeLessThan(ONE_YEAR_SECONDS);
      // The execution must outlive a generation of the default length, which then continues as new.
      const defaultGenerationDays = Limits.parse({}).maxGenerationDays;
      expect(timeout).toBeGreaterThan(defaultGenerationDays * DAY_SECONDS);
    });

    it('only transitions to states that exist, and every state is reachable', () => {
      const names = new Set(Object.keys(definition.States));
      expect(names.has(definition.StartAt)).toBe(true);
      for (const [name, state] of Object.entries(definition.States)) {
        for (const next of successorsOf(state)) expect(names, `${name} → ${next}`).toContain(next);
      }
      const reached = new Set<string>([definition.StartAt]);
      const queue = [definition.StartAt];
      for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
        for (const next of successorsOf(definition.States[current] ?? { Type: 'Fail' })) {
          if (!reached.has(next)) {
            reached.add(next);
            queue.push(next);
          }
        }
      }
      expect([...reached].sort()).toEqual([...names].sort());
    });

    it('invokes, from each task, the intended function (never launch-campaign)', () => {
      const invoked = Object.fromEntries(tasks().map(([name, state]) => [name, folderOfTask(state)]));
      expect(invoked).toEqual({
        StartPhase: 'phase',
        ClosePhase: 'phase',
        AcceptanceGate: 'phase',
        RecordFailure: 'phase',
        CollectReports: 'collect-reports',
        CheckDeadlines: 'check-deadlines',
        Notify: 'notify',
        NotifyDeferred: 'notify',
        NotifyFailure: 'notify',
        NotifyFailureLater: 'notify',
        ContinueAsNew: 'continue-campaign',
      });
    });

    it('retries every task on Lambda throttles and service errors, with backoff and a bounded attempt count', () => {
      expect(tasks().length).toBeGreaterThan(0);
      for (const [name, state] of tasks()) {
        const retry = state.Retry ?? [];
        const transient = retry.find(
          (r) =>
            r.ErrorEquals.includes('Lambda.TooManyRequestsException') &&
            r.ErrorEquals.includes('Lambda.ServiceException'),
        );
        expect(transient, `${name} has no retrier for throttles and service errors`).toBeDefined();
        for (const retrier of retry) {
          expect(retrier.BackoffRate ?? 2, name).toBeGreaterThan(1);
          // The ASL default is 3 attempts; an explicit bound keeps a stuck step from retrying for hours.
          expect(retrier.MaxAttempts ?? 3, name).toBeGreaterThanOrEqual(1);
          expect(retrier.MaxAttempts ?? 3, name).toBeLessThanOrEqual(10);
          // Domain errors must reach RecordFailure, not be retried blindly.
          expect(retrier.ErrorEquals, name).not.toContain('States.ALL');
          expect(retrier.ErrorEquals, name).not.toContain('States.TaskFailed');
        }
      }
    });

    it('catches every error of every step into RecordFailure, keeping $.state for it', () => {
      for (const [name, state] of tasks()) {
        if (['RecordFailure', 'NotifyFailure', 'NotifyFailureLater'].includes(name)) continue;
        expect(state.Catch, name).toEqual([
          expect.objectContaining({
            ErrorEquals: ['States.ALL'],
            Next: 'RecordFailure',
            ResultPath: '$.error',
          }),
        ]);
      }
    });

    it('ends a failed campaign in CampaignFailed after telling the office, whether or not those steps succeed', () => {
      const recordFailure = definition.States.RecordFailure;
      const notifyFailure = definition.States.NotifyFailure;
      expect(recordFailure?.Type).toBe('Task');
      expect(recordFailure?.Next).toBe('NotifyFailure');
      // The failure notice is retried like any notification (waiting for its backoff), then the execution fails.
      expect(notifyFailure?.Next).toBe('FailureNoticePending');
      expect(definition.States.NotifyFailureLater?.Next).toBe('FailureNoticePending');
      const pending = definition.States.FailureNoticePending;
      expect(pending?.Default).toBe('CampaignFailed');
      expect(pending?.Choices?.map((c) => c.Next)).toEqual(['NotifyFailure', 'WaitToRetryFailureNotice']);
      for (const step of [recordFailure, notifyFailure, definition.States.NotifyFailureLater]) {
        expect(step?.Catch).toEqual([
          expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'CampaignFailed' }),
        ]);
        // CampaignFailed reads the original error's cause: these steps' own errors must not overwrite it.
        const resultPath = step?.Catch?.[0]?.ResultPath;
        expect(resultPath).toBeDefined();
        expect(['$', '$.error', '$.state']).not.toContain(resultPath);
      }
      expect(definition.States.CampaignFailed).toMatchObject({ Type: 'Fail', CausePath: '$.error.Cause' });
    });

    it('gives every task a timeout no shorter than its function timeout', () => {
      for (const [name, state] of tasks()) {
        expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
        const folder = folderOfTask(state);
        expect(folder, name).toBeDefined();
        if (folder) expect(state.TimeoutSeconds, name).toBeGreaterThanOrEqual(fn(folder).timeoutSeconds);
      }
    });

    it("waits only until the instant at '$.state.next.at', then dispatches; or for deferred notifications at '$.state.notifyAt'", () => {
      const waits = Object.fromEntries(
        Object.entries(definition.States).filter(([, s]) => s.Type === 'Wait'),
      );
      expect(definition.StartAt).toBe('WaitUntilNext');
      expect(waits).toEqual({
        WaitUntilNext: { Type: 'Wait', TimestampPath: '$.state.next.at', Next: 'Dispatch' },
        WaitForDeferred: { Type: 'Wait', TimestampPath: '$.state.notifyAt', Next: 'NotifyDeferred' },
        WaitToRetryFailureNotice: {
          Type: 'Wait',
          TimestampPath: '$.state.notifyAt',
          Next: 'NotifyFailureLater',
        },
      });
    });

    it('sends deferred notifications before the next step, and always before the campaign ends or continues', () => {
      const choice = definition.States.NotifyIfPending;
      expect(choice?.Choices?.[0]).toMatchObject({
        Variable: '$.state.pendingNotifications',
        Next: 'Notify',
      });
      expect(JSON.stringify(choice?.Choices?.[1])).toContain(
        '"TimestampLessThanEqualsPath":"$.state.next.at"',
      );
      for (const action of ['done', 'continueAsNew'])
        expect(JSON.stringify(choice?.Choices?.[1])).toContain(`"StringEquals":"${action}"`);
      expect(choice?.Choices?.[1]?.Next).toBe('WaitForDeferred');
      expect(choice?.Default).toBe('WaitUntilNext');
      expect(definition.States.NotifyDeferred?.Next).toBe('NotifyIfPending');
    });

    it("dispatches on '$.state.next.action' with exactly one branch per action of state.ts", () => {
      const dispatch = definition.States.Dispatch;
      expect(dispatch?.Type).toBe('Choice');
      const choices = dispatch?.Choices ?? [];
      for (const choice of choices) expect(choice.Variable).toBe('$.state.next.action');
      expect(choices.map((c) => c.StringEquals).sort()).toEqual([...ACTIONS].sort());
      expect(definition.States[dispatch?.Default ?? '']?.Type).toBe('Fail');
      const target = (action: string) => choices.find((c) => c.StringEquals === action)?.Next ?? '';
      expect(definition.States[target('done')]?.Type).toBe('Succeed');
      expect(folderOfTask(definition.States[target('continueAsNew')] ?? { Type: 'Pass' })).toBe(
        'continue-campaign',
      );
    });
  });

  describe('Lambda functions', () => {
    it('are the six project functions, one per folder', () => {
      template.resourceCountIs('AWS::Lambda::Function', FUNCTION_FOLDERS.length);
      expect([...functions.keys()].sort()).toEqual([...FUNCTION_FOLDERS].sort());
    });

    it.each(FUNCTION_FOLDERS)('%s runs Node 24 on arm64 with active tracing and JSON logs', (folder) => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: `zhili-${folder}` } },
      });
    });

    it.each(FUNCTION_FOLDERS)(
      '%s is told the campaign table name (imported from the stateful stack)',
      (folder) => {
        expect(fn(folder).environment.TABLE_NAME).toEqual({
          'Fn::ImportValue': expect.stringMatching(/^ZhiliStateful:ExportsOutputRefCampaignTable/),
        });
      },
    );

    it('tells only the starters the state machine ARN, and only notify the topic ARN', () => {
      for (const folder of FUNCTION_FOLDERS) {
        const env = fn(folder).environment;
        if (folder === 'launch-campaign' || folder === 'continue-campaign')
          expect(env.STATE_MACHINE_ARN, folder).toEqual(STATE_MACHINE_ARN);
        else expect(env.STATE_MACHINE_ARN, folder).toBeUndefined();
        if (folder === 'notify') expect(env.TOPIC_ARN, folder).toEqual({ Ref: expect.any(String) });
        else expect(env.TOPIC_ARN, folder).toBeUndefined();
      }
    });
  });

  describe('notifications topic', () => {
    it('is encrypted with a rotated customer key and refuses requests without TLS', () => {
      template.resourceCountIs('AWS::SNS::Topic', 1);
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('IAM least privilege', () => {
    it('lets only launch-campaign and continue-campaign start executions, of zhili-campaign only', () => {
      for (const folder of FUNCTION_FOLDERS) {
        const starts = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('states:')),
        );
        if (folder === 'launch-campaign' || folder === 'continue-campaign') {
          expect(starts, folder).toEqual([
            { Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE_ARN },
          ]);
        } else {
          expect(starts, folder).toEqual([]);
        }
      }
      const startingPolicies = allStatements(template)
        .filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('states:')))
        .map(({ policy }) => policy);
      expect(startingPolicies).toHaveLength(2);
    });

    it('lets only notify publish: to the alert topic, and to phone numbers (SMS) but no other topic', () => {
      const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
      for (const folder of FUNCTION_FOLDERS) {
        const publishes = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('sns:')),
        );
        if (folder === 'notify')
          expect(publishes).toEqual([
            { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topicId } },
            {
              Effect: 'Allow',
              Action: 'sns:Publish',
              NotResource: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':sns:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':*',
                  ],
                ],
              },
            },
          ]);
        else expect(publishes, folder).toEqual([]);
      }
      const publishingPolicies = allStatements(template).filter(({ statement }) =>
        actionsOf(statement).some((a) => a.startsWith('sns:')),
      );
      expect(publishingPolicies).toHaveLength(2);
    });

    it('lets only notify send mail, from the sender identity through its configuration set', () => {
      template.resourceCountIs('AWS::SES::EmailIdentity', 1);
      template.hasResourceProperties('AWS::SES::ConfigurationSet', {
        SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
      for (const folder of FUNCTION_FOLDERS) {
        const ses = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('ses:')),
        );
        if (folder !== 'notify') {
          expect(ses, folder).toEqual([]);
          continue;
        }
        expect(ses).toHaveLength(1);
        expect(actionsOf(ses[0] as PolicyStatement)).toEqual(['ses:SendEmail']);
        const identityId = Object.keys(template.findResources('AWS::SES::EmailIdentity'))[0];
        expect(JSON.stringify(resourcesOfStatement(ses[0] as PolicyStatement))).toContain(
          `":identity/",{"Ref":"${identityId}"}`,
        );
        expect(JSON.stringify(resourcesOfStatement(ses[0] as PolicyStatement))).toContain(
          ':configuration-set/',
        );
      }
    });

    it('lets only notify read robot credentials, and only the secrets under zhili/robots/', () => {
      for (const folder of FUNCTION_FOLDERS) {
        const secrets = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
        );
        if (folder !== 'notify') expect(secrets, folder).toEqual([]);
        else {
          expect(secrets.flatMap(actionsOf)).toEqual(['secretsmanager:GetSecretValue']);
          expect(JSON.stringify(secrets.flatMap(resourcesOfStatement))).toContain(':secret:zhili/robots/*');
        }
      }
    });

    it('lets only collect-reports write to S3: PutObject of bulletin documents, nothing else', () => {
      for (const folder of FUNCTION_FOLDERS) {
        const s3 = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('s3:')),
        );
        if (folder === 'collect-reports') {
          expect(s3).toEqual([
            {
              Effect: 'Allow',
              Action: 's3:PutObject',
              Resource: {
                'Fn::Join': [
                  '',
                  [{ 'Fn::ImportValue': expect.stringMatching(/Bulletins.*Arn/) }, '/*/bulletins/*'],
                ],
              },
            },
          ]);
          expect(fn(folder).environment.BULLETIN_BUCKET).toEqual({
            'Fn::ImportValue': expect.stringMatching(/Bulletins/),
          });
        } else expect(s3, folder).toEqual([]);
      }
    });

    it('lets only notify use the topic key, and only that key', () => {
      const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
      for (const folder of FUNCTION_FOLDERS) {
        const kms = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('kms:')),
        );
        if (folder === 'notify')
          expect(kms).toEqual([expect.objectContaining({ Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } })]);
        else expect(kms, folder).toEqual([]);
      }
    });

    it('scopes table access to the campaign table and its indexes, without wildcard actions', () => {
      const tableArn = {
        'Fn::ImportValue': expect.stringMatching(/^ZhiliStateful:ExportsOutputFnGetAttCampaignTable/),
      };
      const indexArns = { 'Fn::Join': ['', [tableArn, '/index/*']] };
      for (const folder of FUNCTION_FOLDERS) {
        const dynamo = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('dynamodb:')),
        );
        expect(dynamo.length, folder).toBeGreaterThan(0);
        for (const statement of dynamo) {
          for (const action of actionsOf(statement)) expect(action, folder).toMatch(/^dynamodb:[A-Za-z]+$/);
          expect(resourcesOfStatement(statement), folder).toEqual([tableArn, indexArns]);
        }
      }
    });

    it("grants Resource '*' only for X-Ray and log delivery, which accept nothing narrower", () => {
      const allowedOnStar =
        /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:[A-Za-z]+)$/;
      for (const { policy, statement } of allStatements(template)) {
        expect(actionsOf(statement), policy).not.toContain('*');
        if (!resourcesOfStatement(statement).includes('*')) continue;
        for (const action of actionsOf(statement)) expect(action, policy).toMatch(allowedOnStar);
      }
    });

    it('lets the state machine invoke exactly the five workflow functions', () => {
      const machineRole = (
        Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as CfnResource
      ).Properties?.RoleArn as { 'Fn::GetAtt': [string, string] };
      const invokes = statementsOfRole(template, machineRole['Fn::GetAtt'][0]).filter((s) =>
        actionsOf(s).includes('lambda:InvokeFunction'),
      );
      const invoked = new Set(
        invokes.flatMap((s) =>
          resourcesOfStatement(s).map(
            (r) => JSON.stringify(r).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1],
          ),
        ),
      );
      const expected = FUNCTION_FOLDERS.filter((f) => f !== 'launch-campaign').map((f) => fn(f).logicalId);
      expect([...invoked].sort()).toEqual([...expected].sort());
      // …and no function may invoke another.
      for (const folder of FUNCTION_FOLDERS) {
        expect(
          statementsOfRole(template, fn(folder).roleLogicalId)
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('lambda:')),
          folder,
        ).toEqual([]);
      }
    });
  });
});

// =============================================================================================

describe('cdk-nag (AwsSolutions)', () => {
  it('acknowledges each finding specifically, with a reason worth reading', () => {
    expect(NAG_ACKNOWLEDGEMENTS.length).toBeGreaterThan(0);
    const ids = NAG_ACKNOWLEDGEMENTS.map((ack) => ack.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { id, reason } of NAG_ACKNOWLEDGEMENTS) {
      // A finding (rule plus its subject in brackets), never a whole rule.
      expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+\[.+\]$/);
      expect(reason.trim().length, id).toBeGreaterThanOrEqual(40);
      expect(reason.trim().split(/\s+/).length, id).toBeGreaterThanOrEqual(8);
      expect(reason, id).not.toMatch(/\b(todo|tbd|fixme|n\/a)\b/i);
      expect(reason.toLowerCase(), id).not.toContain(id.toLowerCase());
    }
  });

  it(
    'passes the synth of the app as bin/app.ts builds it',
    () => {
      const props = noBundling();
      const { app, stateful, stateless } = buildApp(props);
      addNagChecks(app, stateful, stateless);
      expect(() => app.synth()).not.toThrow();
      for (const report of readReport(props.outdir).pluginReports)
        expect(report.conclusion).not.toBe('failure');
    },
    SYNTH_TIMEOUT,
  );

  it(
    'fails the synth on a new finding the acknowledgements do not cover',
    () => {
      const props = noBundling();
      const { app, stateful, stateless } = buildApp(props);
      new Bucket(stateless, 'PlainBucket', { enforceSSL: false });
      addNagChecks(app, stateful, stateless);
      const error = synthFailure(() => app.synth());
      expect(error.name).toBe('ValidationFailed');
      const violations = readReport(props.outdir).pluginReports.flatMap((r) => r.violations);
      expect(violations.map((v) => v.ruleName)).toContain('AwsSolutions-S10');
      // Only the new bucket fails: the acknowledgements cover exactly the existing findings.
      const paths = violations.flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path).toBe('ZhiliStateless/PlainBucket/Resource');
    },
    SYNTH_TIMEOUT,
  );

  it(
    'needs every acknowledgement: each matches a finding of the unacknowledged app',
    () => {
      const props = noBundling();
      const { app } = buildApp(props);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      synthFailure(() => app.synth());
      const findings = readReport(props.outdir).pluginReports.flatMap((r) =>
        r.violations.map((v) => v.ruleName),
      );
      for (const { id } of NAG_ACKNOWLEDGEMENTS) expect(findings, id).toContain(id);
    },
    SYNTH_TIMEOUT,
  );
});
