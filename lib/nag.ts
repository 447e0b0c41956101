import { type App, type Stack, Validations } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { CfnUserPool } from 'aws-cdk-lib/aws-cognito';
import { Role } from 'aws-cdk-lib/aws-iam';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Findings of cdk-nag's AwsSolutions pack that are acknowledged rather than fixed, each with its
 * reason. Everything else the pack reports fails the synth (and the CDK test that runs it).
 */
export interface NagAcknowledgement {
  /**
   * The finding: the rule and, for rules that name one (IAM4, IAM5), its subject in brackets. A
   * rule without a subject is acknowledged only on the constructs its narrow scope selects.
   */
  id: string;
  reason: string;
  /**
   * Where it applies: the whole stack; only the IAM roles (whose policies CDK writes); only the
   * staff user pool; only the HTTP API routes that take no token (the route table's public ones).
   */
  scope: NagScope;
}

export type NagScope = 'stack' | 'roles' | 'userPool' | 'publicRoutes';

/** The constructs of a stack that a scope selects. */
const SCOPES: Record<NagScope, (stack: Stack) => IConstruct[]> = {
  stack: (stack) => [stack],
  roles: (stack) => stack.node.findAll().filter((c) => c instanceof Role),
  userPool: (stack) => stack.node.findAll().filter((c) => c instanceof CfnUserPool),
  publicRoutes: (stack) =>
    stack.node
      .findAll()
      .filter((c): c is CfnRoute => c instanceof CfnRoute)
      .filter((route) => stack.resolve(route.authorizationType) === 'NONE'),
};

export const NAG_ACKNOWLEDGEMENTS: NagAcknowledgement[] = [
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'The basic execution role only lets a function write its own CloudWatch Logs; nothing broader.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments/PutTelemetryRecords and the Step Functions log-delivery actions accept no resource narrower than *.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::ZhiliStateful:ExportsOutputFnGetAttCampaignTable48034F43ArnAC3513F6/index/*]',
    reason:
      'Query on the two sparse GSIs (deadline index, outbox index) of the campaign table, and nothing else.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:zhili/robots/*]',
    reason:
      'Robot webhook credentials are named per campaign definition, under the zhili/robots/ prefix; Secrets Manager appends a random suffix to each name. Read-only (GetSecretValue) and nothing outside the prefix.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason: 'Publishing to the KMS-encrypted notifications topic needs GenerateDataKey* on its own key only.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::ZhiliStateful:ExportsOutputFnGetAttBulletins66A80377Arn71A32EBE/*/bulletins/*]',
    reason:
      'The report collector puts (and the API work function gets) bulletin documents under <campaign>/bulletins/ of the bulletins bucket; campaigns are created at run time, so their prefixes cannot be listed.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:zhili-campaign:*]',
    reason:
      'Pause, advance and close stop or describe the running execution of a campaign; executions are named at run time (<campaign>-g<generation>), and the grant covers the executions of the zhili-campaign state machine only.',
    scope: 'roles',
  },
  {
    id: 'AwsSolutions-APIG4',
    reason:
      'Only the routes the route table marks public take no token: the OpenAPI document, which describes the API and holds no campaign data. Every other route has the Cognito JWT authorizer.',
    scope: 'publicRoutes',
  },
  {
    id: 'AwsSolutions-COG2',
    reason:
      'TOTP MFA is optional rather than required: grid workers and liaisons often have no authenticator app, and SMS codes are left out on purpose. Accounts are created by administrators only, passwords are long and varied, and administrators are asked to enrol TOTP.',
    scope: 'userPool',
  },
  {
    id: 'AwsSolutions-COG8',
    reason:
      'The Essentials plan instead of Plus: Plus prices every monthly active user with no free tier, and its threat protection mostly guards self sign-up pools; here every account is created by an administrator. Moving to Plus is one property of staff-directory.ts.',
    scope: 'userPool',
  },
];

/** The state machine may invoke any version of its own functions: CDK grants `Arn` and `Arn:*`. */
const functionVersionAcks = (stack: Stack): { id: string; reason: string }[] =>
  stack.node
    .findAll()
    .filter((c): c is CfnFunction => c instanceof CfnFunction)
    .map((fn) => ({
      id: `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(fn))}.Arn>:*]`,
      reason: 'Invoking versions of the campaign functions, as LambdaInvoke grants; no other function.',
    }));

export const addNagChecks = (app: App, ...stacks: Stack[]): void => {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  for (const stack of stacks) {
    for (const { id, reason, scope } of NAG_ACKNOWLEDGEMENTS) {
      for (const target of SCOPES[scope](stack)) Validations.of(target).acknowledge({ id, reason });
    }
    const roles = SCOPES.roles(stack);
    for (const ack of functionVersionAcks(stack))
      for (const role of roles) Validations.of(role).acknowledge(ack);
  }
};
