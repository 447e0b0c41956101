import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { TABLE } from '../functions/shared/adapters/table-design.ts';
import { StaffDirectory } from './staff-directory.ts';

/**
 * What must outlive every deployment: the campaign table, the bulletins sent to leaders and the
 * staff's accounts (the Cognito user pool and its role groups). RETAIN and deletion protection,
 * apart from the stateless stack so that replacing functions, the API or the state machine can
 * never touch them.
 */
export class StatefulStack extends Stack {
  readonly table: TableV2;
  /** The weekly bulletins as documents (HTML, Markdown, CSV, SVG) under <campaignId>/bulletins/. */
  readonly bulletins: Bucket;
  /** The API's users: one Cognito group per role, a liaison's unit as `custom:unit`. */
  readonly staff: StaffDirectory;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const string = AttributeType.STRING;
    this.table = new TableV2(this, 'CampaignTable', {
      partitionKey: { name: TABLE.partitionKey, type: string },
      sortKey: { name: TABLE.sortKey, type: string },
      billing: Billing.onDemand(),
      encryption: TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      globalSecondaryIndexes: [
        {
          indexName: TABLE.dueIndex.name,
          partitionKey: { name: TABLE.dueIndex.partitionKey, type: string },
          sortKey: { name: TABLE.dueIndex.sortKey, type: string },
          projectionType: ProjectionType.ALL,
        },
        {
          indexName: TABLE.outboxIndex.name,
          partitionKey: { name: TABLE.outboxIndex.partitionKey, type: string },
          sortKey: { name: TABLE.outboxIndex.sortKey, type: string },
          projectionType: ProjectionType.ALL,
        },
      ],
    });

    const common = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    this.bulletins = new Bucket(this, 'Bulletins', {
      ...common,
      // An office may be asked what a bulletin said on the day it was sent: keep every version.
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'bulletins/',
    });

    this.staff = new StaffDirectory(this, 'Staff');
  }
}
