import { type App, type Stack, Validations } from 'aws-cdk-lib';
import { Role } from 'aws-cdk-lib/aws-iam';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Findings of cdk-nag's AwsSolutions pack that are acknowledged rather than fixed, each with its
 * reason. Everything else the pack reports fails the synth (and the CDK test that runs it).
 */
export interface NagAcknowledgement {
  id: string;
  reason: string;
  /** Where it applies: the whole stack, or only the IAM roles (whose policies CDK writes). */
  scope: 'stack' | 'roles';
}

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
      'The report collector puts bulletin documents under <campaign>/bulletins/ of the bulletins bucket; campaigns are created at run time, so their prefixes cannot be listed.',
    scope: 'roles',
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
    const roles = stack.node.findAll().filter((c) => c instanceof Role);
    for (const { id, reason, scope } of NAG_ACKNOWLEDGEMENTS) {
      for (const target of scope === 'stack' ? [stack] : roles)
        Validations.of(target).acknowledge({ id, reason });
    }
    for (const ack of functionVersionAcks(stack))
      for (const role of roles) Validations.of(role).acknowledge(ack);
  }
};
