import { ArnFormat, Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { ConfigurationSet, EmailIdentity, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ROBOT_SECRET_PREFIX } from '../functions/shared/domain/definition.ts';
import { CampaignApi } from './campaign-api.ts';
import { CampaignWorkflow } from './campaign-workflow.ts';
import { ProjectFunction } from './project-function.ts';

export interface StatelessStackProps extends StackProps {
  table: ITableV2;
  bulletins: IBucket;
  /** The staff's accounts (stateful stack); the HTTP API's authorizer trusts its tokens. */
  userPool: IUserPool;
  /**
   * The domain mail is sent from (SES identity, verified with DKIM records the stack outputs);
   * the CDK context value `zhili:senderDomain` sets it at deploy time.
   */
  senderDomain?: string;
}

export const STATE_MACHINE_NAME = 'zhili-campaign';

/** Functions, the campaign state machine, the HTTP API and the notification topic: replaceable at every deploy. */
export class StatelessStack extends Stack {
  readonly workflow: CampaignWorkflow;
  readonly api: CampaignApi;
  readonly functions: Record<string, ProjectFunction>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { table, bulletins } = props;

    // Named ARN rather than a reference: the functions that start executions would otherwise
    // depend on the state machine that invokes them.
    const stateMachineArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const topicKey = new Key(this, 'NotificationsKey', {
      enableKeyRotation: true,
      description: 'zhili notifications topic',
    });
    // Operations' alert channel: every dead-lettered notification is published here (ids only).
    const topic = new Topic(this, 'Notifications', { masterKey: topicKey, enforceSSL: true });

    const senderDomain = props.senderDomain ?? 'zhili.example.gov.cn';
    const mail = new ConfigurationSet(this, 'Mail', {
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    const sender = new EmailIdentity(this, 'Sender', {
      identity: Identity.domain(senderDomain),
      configurationSet: mail,
    });

    const phase = new ProjectFunction(this, 'Phase', {
      folder: 'phase',
      description: 'Starts and closes phases, runs the acceptance gate, records failed steps',
    }).useTable(table, 'readWrite');
    const collectReports = new ProjectFunction(this, 'CollectReports', {
      folder: 'collect-reports',
      description: 'Report reminders, cutoff outcomes and the weekly bulletin',
      environment: { BULLETIN_BUCKET: bulletins.bucketName },
    }).useTable(table, 'readWrite');
    // Writes bulletin documents and nothing else: no read, delete or ACL actions.
    collectReports.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [bulletins.arnForObjects('*/bulletins/*')],
      }),
    );
    const checkDeadlines = new ProjectFunction(this, 'CheckDeadlines', {
      folder: 'check-deadlines',
      description: 'Due-soon and overdue items from the sparse deadline index; long-term monthly checks',
    }).useTable(table, 'readWrite');
    const notify = new ProjectFunction(this, 'Notify', {
      folder: 'notify',
      description: 'Sends the queued notifications of a campaign',
      environment: {
        TOPIC_ARN: topic.topicArn,
        SENDER_EMAIL: `zhili@${senderDomain}`,
        SES_CONFIGURATION_SET: mail.configurationSetName,
      },
    }).useTable(table, 'readWrite');
    topic.grantPublish(notify.fn);
    // Mail: SendEmail from the sender identity, through its configuration set, and nothing else.
    notify.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          sender.emailIdentityArn,
          this.formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: mail.configurationSetName,
          }),
        ],
      }),
    );
    // SMS: a direct publish to a phone number has no resource ARN; NotResource keeps the grant
    // off every topic, so this statement cannot publish anywhere but to phones.
    notify.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['sns:Publish'],
        notResources: [this.formatArn({ service: 'sns', resource: '*' })],
      }),
    );
    // Robot credentials: only the secrets under zhili/robots/ (Secrets Manager appends a random suffix).
    notify.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        // Pseudo parameters rather than the stack's region, so the cdk-nag acknowledgement of this
        // wildcard reads the same in every region.
        resources: [
          `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${ROBOT_SECRET_PREFIX}*`,
        ],
      }),
    );
    const continueCampaign = new ProjectFunction(this, 'ContinueCampaign', {
      folder: 'continue-campaign',
      description: 'Continues a campaign as a new execution before the execution limits',
      environment: { STATE_MACHINE_ARN: stateMachineArn },
    }).useTable(table, 'readWrite');
    continueCampaign.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }),
    );

    this.api = new CampaignApi(this, 'Api', {
      table,
      bulletins,
      userPool: props.userPool,
      stateMachineName: STATE_MACHINE_NAME,
      stateMachineArn,
    });
    const {
      'api-campaigns': apiCampaigns,
      'api-work': apiWork,
      'api-notifications': apiNotifications,
      'api-docs': apiDocs,
    } = this.api.functions;

    this.functions = {
      phase,
      collectReports,
      checkDeadlines,
      notify,
      continueCampaign,
      apiCampaigns,
      apiWork,
      apiNotifications,
      apiDocs,
    };
    this.workflow = new CampaignWorkflow(this, 'CampaignWorkflow', {
      stateMachineName: STATE_MACHINE_NAME,
      phase: phase.fn,
      collectReports: collectReports.fn,
      checkDeadlines: checkDeadlines.fn,
      notify: notify.fn,
      continueCampaign: continueCampaign.fn,
    });

    // What the CLI needs to reach the deployed API: `zhili --api <ApiUrl>`, signing in to the pool's CLI client.
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', {
      value: props.userPool.userPoolId,
      description: 'Cognito user pool of the staff',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.api.client.userPoolClientId,
      description: 'App client of the zhili CLI (no secret)',
    });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region of the API and the user pool' });
  }
}
