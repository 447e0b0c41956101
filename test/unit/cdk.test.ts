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
import { type ApiFunction, ROLES, ROUTES } from '../../functions/shared/http/api-routes.ts';
import { API_THROTTLE } from '../../lib/campaign-api.ts';
import { addNagChecks, NAG_ACKNOWLEDGEMENTS } from '../../lib/nag.ts';
import {
  ALL_FUNCTION_FOLDERS,
  API_FUNCTION_FOLDERS,
  FUNCTION_FOLDERS,
  type ProjectFunctionFolder,
  TABLE_READ_ACTIONS,
  TABLE_WRITE_ACTIONS,
} from '../../lib/project-function.ts';
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
const functionsByFolder = (template: Template): Map<ProjectFunctionFolder, FunctionInfo> => {
  const byFolder = new Map<ProjectFunctionFolder, FunctionInfo>();
  for (const [logicalId, resource] of Object.entries(resourcesOf(template))) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const environment =
      (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const folder = ALL_FUNCTION_FOLDERS.find((f) => environment.POWERTOOLS_SERVICE_NAME === `zhili-${f}`);
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

/** Every execution of the campaign state machine (and of no other). */
const EXECUTIONS_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':states:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:execution:${STATE_MACHINE_NAME}:*`,
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

  it('holds the campaign table, the bulletins bucket and its access-log bucket, the staff user pool and its groups, and nothing else', () => {
    stateful.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    stateful.resourceCountIs('AWS::S3::Bucket', 2);
    stateful.resourceCountIs('AWS::Cognito::UserPool', 1);
    const types = Object.values(resourcesOf(stateful)).map((r) => (r as { Type: string }).Type);
    expect(new Set(types)).toEqual(
      new Set([
        'AWS::DynamoDB::GlobalTable',
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'AWS::Cognito::UserPool',
        'AWS::Cognito::UserPoolGroup',
      ]),
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

  describe('staff user pool', () => {
    it('is retained and protected from deletion: it holds people', () => {
      stateful.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { DeletionProtection: 'ACTIVE' },
      });
      stateless.resourceCountIs('AWS::Cognito::UserPool', 0);
    });

    it('admits only users an administrator creates, who sign in with their e-mail address', () => {
      stateful.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
        UsernameConfiguration: { CaseSensitive: false },
        AutoVerifiedAttributes: ['email'],
      });
    });

    it('asks for strong passwords, offers TOTP (not SMS) as a second factor and recovers accounts by e-mail only', () => {
      const pool = Object.values(stateful.findResources('AWS::Cognito::UserPool'))[0] as CfnResource;
      const { Policies } = pool.Properties as { Policies: { PasswordPolicy: Record<string, unknown> } };
      const policy = Policies.PasswordPolicy;
      expect(policy.MinimumLength).toBeGreaterThanOrEqual(12);
      expect(policy).toMatchObject({
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      });
      expect(pool.Properties).toMatchObject({
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      });
    });

    it("has the custom attribute 'unit', a mutable string", () => {
      stateful.hasResourceProperties('AWS::Cognito::UserPool', {
        Schema: Match.arrayWith([
          {
            Name: 'unit',
            AttributeDataType: 'String',
            Mutable: true,
            StringAttributeConstraints: Match.anyValue(),
          },
        ]),
      });
    });

    it("has one group per role, named exactly as the route table's ROLES, each retained", () => {
      const poolId = Object.keys(stateful.findResources('AWS::Cognito::UserPool'))[0];
      const groups = Object.values(stateful.findResources('AWS::Cognito::UserPoolGroup')) as CfnResource[];
      expect(groups.map((g) => g.Properties?.GroupName).sort()).toEqual([...ROLES].sort());
      expect(ROLES).toEqual(['admin', 'office', 'liaison', 'gridWorker', 'leader']);
      for (const group of groups) {
        expect(group).toMatchObject({
          DeletionPolicy: 'Retain',
          UpdateReplacePolicy: 'Retain',
          Properties: { UserPoolId: { Ref: poolId } },
        });
      }
    });
  });
});

// =============================================================================================

describe('StatelessStack', () => {
  let template: Template;
  let statefulTemplate: Template;
  let definition: AslDefinition;
  let functions: Map<ProjectFunctionFolder, FunctionInfo>;

  /** The function folder a task invokes, from its Resource placeholder. */
  const folderOfTask = (state: AslState): ProjectFunctionFolder | undefined => {
    const logicalId = /^\$\{GetAtt:(.+)\.Arn\}$/.exec(state.Resource ?? '')?.[1];
    return [...functions.entries()].find(([, info]) => info.logicalId === logicalId)?.[0];
  };
  const tasks = (): [string, AslState][] =>
    Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
  const fn = (folder: ProjectFunctionFolder): FunctionInfo => {
    const info = functions.get(folder);
    if (!info) throw new Error(`no function for ${folder}`);
    return info;
  };

  beforeAll(() => {
    const app = buildApp(noBundling());
    template = Template.fromStack(app.stateless);
    statefulTemplate = Template.fromStack(app.stateful);
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

    it('invokes, from each task, the intended function', () => {
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
    it('are the nine project functions, one per folder: five of the campaign, four of the HTTP API', () => {
      expect([FUNCTION_FOLDERS.length, API_FUNCTION_FOLDERS.length]).toEqual([5, 4]);
      template.resourceCountIs('AWS::Lambda::Function', ALL_FUNCTION_FOLDERS.length);
      expect([...functions.keys()].sort()).toEqual([...ALL_FUNCTION_FOLDERS].sort());
    });

    it.each(ALL_FUNCTION_FOLDERS)('%s runs Node 24 on arm64 with active tracing and JSON logs', (folder) => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.anyValue() } },
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: `zhili-${folder}` } },
      });
    });

    it.each(ALL_FUNCTION_FOLDERS.filter((f) => f !== 'api-docs'))(
      '%s is told the campaign table name (imported from the stateful stack)',
      (folder) => {
        expect(fn(folder).environment.TABLE_NAME).toEqual({
          'Fn::ImportValue': expect.stringMatching(/^ZhiliStateful:ExportsOutputRefCampaignTable/),
        });
      },
    );

    it('tells api-docs nothing of the table, the workflow, the topic or the bucket', () => {
      expect(Object.keys(fn('api-docs').environment).sort()).toEqual([
        'NODE_OPTIONS',
        'POWERTOOLS_SERVICE_NAME',
      ]);
    });

    it('tells only the starters the state machine ARN, only notify the topic ARN, only the bulletin users the bucket', () => {
      const bucketName = { 'Fn::ImportValue': expect.stringMatching(/Bulletins/) };
      for (const folder of ALL_FUNCTION_FOLDERS) {
        const env = fn(folder).environment;
        if (['continue-campaign', 'api-campaigns', 'api-work'].includes(folder))
          expect(env.STATE_MACHINE_ARN, folder).toEqual(STATE_MACHINE_ARN);
        else expect(env.STATE_MACHINE_ARN, folder).toBeUndefined();
        if (folder === 'notify') expect(env.TOPIC_ARN, folder).toEqual({ Ref: expect.any(String) });
        else expect(env.TOPIC_ARN, folder).toBeUndefined();
        if (folder === 'collect-reports' || folder === 'api-work')
          expect(env.BULLETIN_BUCKET, folder).toEqual(bucketName);
        else expect(env.BULLETIN_BUCKET, folder).toBeUndefined();
      }
    });

    it.each(API_FUNCTION_FOLDERS)('%s times out before API Gateway gives up on it (30 s)', (folder) => {
      expect(fn(folder).timeoutSeconds).toBeLessThan(30);
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
    it('lets only continue-campaign, api-campaigns and api-work start executions, of zhili-campaign only; only the API ones stop or describe them', () => {
      const start = { Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE_ARN };
      for (const folder of ALL_FUNCTION_FOLDERS) {
        const states = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('states:')),
        );
        if (folder === 'continue-campaign') {
          expect(states, folder).toEqual([start]);
        } else if (folder === 'api-campaigns' || folder === 'api-work') {
          // api-work: a ledger command that brings a deadline before the next wake moves the workflow on.
          expect(states, folder).toEqual([
            start,
            {
              Effect: 'Allow',
              Action: ['states:StopExecution', 'states:DescribeExecution'],
              Resource: EXECUTIONS_ARN,
            },
          ]);
        } else {
          expect(states, folder).toEqual([]);
        }
      }
      const statesPolicies = allStatements(template)
        .filter(({ statement }) => actionsOf(statement).some((a) => a.startsWith('states:')))
        .map(({ policy }) => policy);
      expect(statesPolicies).toHaveLength(5);
    });

    it('lets only notify publish: to the alert topic, and to phone numbers (SMS) but no other topic', () => {
      const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
      for (const folder of ALL_FUNCTION_FOLDERS) {
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
      for (const folder of ALL_FUNCTION_FOLDERS) {
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
      for (const folder of ALL_FUNCTION_FOLDERS) {
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

    it('lets only collect-reports write bulletin documents to S3 and only api-work read them, nothing else', () => {
      const bulletinDocuments = {
        'Fn::Join': ['', [{ 'Fn::ImportValue': expect.stringMatching(/Bulletins.*Arn/) }, '/*/bulletins/*']],
      };
      for (const folder of ALL_FUNCTION_FOLDERS) {
        const s3 = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('s3:')),
        );
        if (folder === 'collect-reports')
          expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: bulletinDocuments }]);
        else if (folder === 'api-work')
          expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: bulletinDocuments }]);
        else expect(s3, folder).toEqual([]);
      }
    });

    it('lets only notify use the topic key, and only that key', () => {
      const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
      for (const folder of ALL_FUNCTION_FOLDERS) {
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
      for (const folder of ALL_FUNCTION_FOLDERS) {
        const dynamo = statementsOfRole(template, fn(folder).roleLogicalId).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('dynamodb:')),
        );
        // api-docs serves the bundled OpenAPI document and never touches the table.
        if (folder === 'api-docs') {
          expect(dynamo, folder).toEqual([]);
          continue;
        }
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
      const expected = FUNCTION_FOLDERS.map((f) => fn(f).logicalId);
      expect([...invoked].sort()).toEqual([...expected].sort());
      // …and no function may invoke another.
      for (const folder of ALL_FUNCTION_FOLDERS) {
        expect(
          statementsOfRole(template, fn(folder).roleLogicalId)
            .flatMap(actionsOf)
            .filter((a) => a.startsWith('lambda:')),
          folder,
        ).toEqual([]);
      }
    });

    describe('API functions: exactly the grants their routes need', () => {
      const tableArn = {
        'Fn::ImportValue': expect.stringMatching(/^ZhiliStateful:ExportsOutputFnGetAttCampaignTable/),
      };
      const xray = {
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      };
      const tableItems = {
        Effect: 'Allow',
        Action: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
        Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }],
      };
      const expected: Record<ApiFunction, unknown[]> = {
        'api-campaigns': [
          xray,
          tableItems,
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE_ARN },
          {
            Effect: 'Allow',
            Action: ['states:StopExecution', 'states:DescribeExecution'],
            Resource: EXECUTIONS_ARN,
          },
        ],
        'api-work': [
          xray,
          tableItems,
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: STATE_MACHINE_ARN },
          {
            Effect: 'Allow',
            Action: ['states:StopExecution', 'states:DescribeExecution'],
            Resource: EXECUTIONS_ARN,
          },
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: {
              'Fn::Join': [
                '',
                [{ 'Fn::ImportValue': expect.stringMatching(/Bulletins.*Arn/) }, '/*/bulletins/*'],
              ],
            },
          },
        ],
        'api-notifications': [xray, tableItems],
        // The public OpenAPI document: tracing only; no table, no Step Functions, no bucket.
        'api-docs': [xray],
      };

      it('grants the table exactly the item operations of the store: no Scan, no DeleteItem, no wildcard', () => {
        expect(TABLE_READ_ACTIONS).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
        expect(TABLE_WRITE_ACTIONS).toEqual([
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchWriteItem',
        ]);
      });

      it.each(API_FUNCTION_FOLDERS)('%s has exactly its statements, and nothing else', (folder) => {
        const statements = statementsOfRole(template, fn(folder).roleLogicalId);
        expect(statements).toHaveLength(expected[folder].length);
        expect(statements).toEqual(expect.arrayContaining(expected[folder]));
        for (const statement of statements) {
          expect(statement.Effect).toBe('Allow');
          expect(actionsOf(statement)).not.toContain('dynamodb:Scan');
          for (const action of actionsOf(statement)) expect(action, folder).not.toMatch(/\*/);
          // '*' only for X-Ray, which takes no narrower resource.
          if (resourcesOfStatement(statement).includes('*'))
            for (const action of actionsOf(statement)) expect(action, folder).toMatch(/^xray:/);
        }
        // The role itself: the basic execution role (own logs) and this one inline policy.
        const role = resourcesOf(template)[fn(folder).roleLogicalId] as CfnResource;
        expect(JSON.stringify(role.Properties?.ManagedPolicyArns)).toMatch(
          /^\[\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole"\]\]\}\]$/,
        );
        expect(role.Properties?.Policies).toBeUndefined();
        const policies = allStatements(template).filter(({ roles }) =>
          roles.includes(fn(folder).roleLogicalId),
        );
        expect(new Set(policies.map(({ policy }) => policy)).size).toBe(1);
      });

      it('lets none of them send mail or messages, read secrets or use a key', () => {
        for (const folder of API_FUNCTION_FOLDERS) {
          const actions = statementsOfRole(template, fn(folder).roleLogicalId).flatMap(actionsOf);
          for (const action of actions)
            expect(action, folder).not.toMatch(/^(sns|ses|secretsmanager|kms|ssm):/);
        }
      });
    });
  });

  describe('HTTP API', () => {
    type Props = Record<string, unknown>;
    const byType = (t: Template, type: string): [string, Props][] =>
      Object.entries(t.findResources(type)).map(([id, r]) => [id, (r as CfnResource).Properties ?? {}]);
    const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
    const routesByKey = (): Map<string, Props> =>
      new Map(byType(template, 'AWS::ApiGatewayV2::Route').map(([, p]) => [p.RouteKey as string, p]));
    /** The one resource of the type: its logical id and properties. */
    const only = (t: Template, type: string): [string, Props] => {
      const all = byType(t, type);
      if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
      return all[0] as [string, Props];
    };
    const authorizerId = (): string => only(template, 'AWS::ApiGatewayV2::Authorizer')[0];
    const clientId = (): string => only(template, 'AWS::Cognito::UserPoolClient')[0];
    const poolLogicalId = (): string =>
      Object.keys(statefulTemplate.findResources('AWS::Cognito::UserPool'))[0] ?? '';
    /** The value the stateful stack exports under this name (what an Fn::ImportValue of it resolves to). */
    const exported = (importValue: unknown): unknown => {
      const name = (importValue as { 'Fn::ImportValue': string })['Fn::ImportValue'];
      const outputs = (
        statefulTemplate.toJSON() as {
          Outputs: Record<string, { Value: unknown; Export?: { Name: string } }>;
        }
      ).Outputs;
      return Object.values(outputs).find((o) => o.Export?.Name === name)?.Value;
    };

    it('is one HTTP API, without CORS (the CLI is its client), on the $default stage only', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: Match.absent(),
      });
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
    });

    it('has exactly one route per entry of the route table, and no catch-all', () => {
      const keys = [...routesByKey().keys()];
      expect(keys).toHaveLength(ROUTES.length);
      expect(keys.sort()).toEqual(ROUTES.map(routeKey).sort());
      expect(keys).not.toContain('$default');
    });

    it('sends each route to the Lambda its entry names, by proxy integration with payload format 2.0', () => {
      const integrations = new Map(byType(template, 'AWS::ApiGatewayV2::Integration'));
      expect(integrations.size).toBe(API_FUNCTION_FOLDERS.length);
      const routes = routesByKey();
      for (const route of ROUTES) {
        const { Target } = routes.get(routeKey(route)) as {
          Target: { 'Fn::Join': [string, [string, { Ref: string }]] };
        };
        const target = Target['Fn::Join'][1];
        expect(target[0], route.id).toBe('integrations/');
        const integration = integrations.get(target[1].Ref);
        expect(integration, route.id).toMatchObject({
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::GetAtt': [fn(route.fn).logicalId, 'Arn'] },
        });
      }
    });

    it('lets API Gateway invoke only the API functions, each from its own routes of this API', () => {
      const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
      const permissions = byType(template, 'AWS::Lambda::Permission').map(([, p]) => p);
      const grant = (folder: ProjectFunctionFolder, path: string) => ({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fn(folder).logicalId, 'Arn'] },
        // Any stage and method, this route's path (a path's routes share one function).
        SourceArn: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':execute-api:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':',
              { Ref: apiId },
              `/*/*${path}`,
            ],
          ],
        },
      });
      // One permission per route, and each is one of the routes' own.
      expect(permissions).toHaveLength(ROUTES.length);
      const allowed = ROUTES.map((route) => grant(route.fn, route.path));
      for (const permission of permissions) expect(allowed).toContainEqual(permission);
      for (const route of ROUTES) expect(permissions, route.id).toContainEqual(grant(route.fn, route.path));
    });

    it('asks for the Cognito JWT on every route but the public ones, which take none', () => {
      const routes = routesByKey();
      const publicRoutes = ROUTES.filter((r) => 'public' in r && r.public);
      expect(publicRoutes.map((r) => r.id)).toEqual(['getOpenApi']);
      for (const route of ROUTES) {
        const props = routes.get(routeKey(route));
        if ('public' in route && route.public) {
          expect(props?.AuthorizationType, route.id).toBe('NONE');
          expect(props?.AuthorizerId, route.id).toBeUndefined();
        } else {
          expect(props?.AuthorizationType, route.id).toBe('JWT');
          expect(props?.AuthorizerId, route.id).toEqual({ Ref: authorizerId() });
          expect(route.roles.length, route.id).toBeGreaterThan(0);
        }
      }
    });

    it("trusts only the staff pool's tokens issued to the CLI client", () => {
      const [, authorizer] = only(template, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizer).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Audience: [{ Ref: clientId() }] },
      });
      const issuer = (authorizer.JwtConfiguration as { Issuer: { 'Fn::Join': [string, unknown[]] } }).Issuer;
      const [separator, [scheme, providerName]] = issuer['Fn::Join'] as [string, [string, unknown]];
      expect(separator + scheme).toBe('https://');
      // The pool's provider name, cognito-idp.<region>.<suffix>/<pool id>, is the tokens' iss without the scheme.
      expect(exported(providerName)).toEqual({ 'Fn::GetAtt': [poolLogicalId(), 'ProviderName'] });
      const [, client] = only(template, 'AWS::Cognito::UserPoolClient');
      expect(exported(client.UserPoolId)).toEqual({ Ref: poolLogicalId() });
    });

    it('gives the CLI a public client: password and SRP sign-in, no OAuth, short-lived tokens, no user enumeration', () => {
      const [, client] = only(template, 'AWS::Cognito::UserPoolClient');
      expect(client).toMatchObject({
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: false,
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      });
      expect([...(client.ExplicitAuthFlows as string[])].sort()).toEqual([
        'ALLOW_REFRESH_TOKEN_AUTH',
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
      ]);
      expect(client.AccessTokenValidity).toBeLessThanOrEqual(60);
      expect(client.IdTokenValidity).toBeLessThanOrEqual(60);
      expect(client.RefreshTokenValidity).toBeLessThanOrEqual(24 * 60);
    });

    it('lets the client read the unit (custom:unit in the ID token) but never write it', () => {
      const [, client] = only(template, 'AWS::Cognito::UserPoolClient');
      expect(client.ReadAttributes).toEqual(expect.arrayContaining(['custom:unit', 'email']));
      // An explicit list: without one, Cognito lets the client write every attribute.
      expect(client.WriteAttributes).toEqual(['name']);
      expect(client.WriteAttributes).not.toContain('custom:unit');
    });

    it('logs every request as JSON (request id, route, status, caller IP) to a log group, never the Authorization header', () => {
      const [, stage] = only(template, 'AWS::ApiGatewayV2::Stage');
      const settings = stage.AccessLogSettings as {
        DestinationArn: { 'Fn::GetAtt': [string, string] };
        Format: string;
      };
      const [logGroupId, attribute] = settings.DestinationArn['Fn::GetAtt'];
      expect(attribute).toBe('Arn');
      expect(resourcesOf(template)[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 180 },
      });
      const format = JSON.parse(settings.Format) as Record<string, string>;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        ip: '$context.identity.sourceIp',
      });
      expect(settings.Format).not.toMatch(/authorization|\$request\.header|\$context\.authorizer\.token/i);
      for (const value of Object.values(format)) expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
    });

    it('throttles the stage', () => {
      expect(API_THROTTLE).toEqual({ rateLimit: 25, burstLimit: 50 });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: { ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 },
      });
    });

    it('outputs what the CLI needs: the API URL, the user pool, its client and the region', () => {
      const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
      const outputs = (template.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
      expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain(
        `"https://",{"Ref":"${apiId}"},".execute-api."`,
      );
      expect(exported(outputs.UserPoolId?.Value)).toEqual({ Ref: poolLogicalId() });
      expect(outputs.UserPoolClientId?.Value).toEqual({ Ref: clientId() });
      expect(outputs.Region?.Value).toEqual({ Ref: 'AWS::Region' });
    });
  });
});

// =============================================================================================

describe('cdk-nag (AwsSolutions)', () => {
  it('acknowledges each finding specifically, with a reason worth reading', () => {
    expect(NAG_ACKNOWLEDGEMENTS.length).toBeGreaterThan(0);
    const ids = NAG_ACKNOWLEDGEMENTS.map((ack) => ack.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { id, reason, scope } of NAG_ACKNOWLEDGEMENTS) {
      // A finding (rule plus its subject in brackets); a whole rule only on the few constructs a narrow scope selects.
      if (scope === 'stack' || scope === 'roles') expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+\[.+\]$/);
      else expect(id).toMatch(/^AwsSolutions-[A-Z]+\d+$/);
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
