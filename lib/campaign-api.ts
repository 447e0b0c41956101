import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { ClientAttributes, type IUserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type ApiFunction, ROUTES } from '../functions/shared/http/api-routes.ts';
import { ProjectFunction } from './project-function.ts';
import { UNIT_ATTRIBUTE } from './staff-directory.ts';

/**
 * Stage throttling. The heaviest honest load is a campaign's liaisons submitting their weekly
 * reports in the last minutes before a cutoff: a few requests a second for a street office's
 * hundreds of units. 25 requests a second sustained (bursts of 50) is ten times that, yet far
 * below the account's 10,000 rps, so a runaway script or a leaked token cannot run up the bill or
 * take the Lambda concurrency the campaign workflow needs.
 */
export const API_THROTTLE = { rateLimit: 25, burstLimit: 50 };

/**
 * One JSON line per request. Who (the token's subject, never the token: no header is logged),
 * what (route, method, path without query string), the outcome and the timings, and the
 * authorizer's or integration's error when there was one.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  sub: '$context.authorizer.claims.sub',
  routeKey: '$context.routeKey',
  method: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

export interface CampaignApiProps {
  table: ITableV2;
  bulletins: IBucket;
  /** The staff's user pool (stateful stack): the authorizer trusts its tokens. */
  userPool: IUserPool;
  /** The campaign state machine, by name and ARN (named rather than referenced, as for continue-campaign). */
  stateMachineName: string;
  stateMachineArn: string;
}

/**
 * The HTTP API for administrators and staff: one route per entry of the route table
 * (functions/shared/http/api-routes.ts), each sent to the Lambda of its area, behind a JWT
 * authorizer that trusts the staff user pool's tokens issued to the CLI's app client. Roles and
 * unit scoping are the handlers' work (`cognito:groups`, `custom:unit` in the ID token); the
 * gateway only turns away requests without a valid token.
 */
export class CampaignApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly client: UserPoolClient;
  readonly authorizer: HttpJwtAuthorizer;
  readonly functions: Record<ApiFunction, ProjectFunction>;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: CampaignApiProps) {
    super(scope, id);
    const { table, bulletins, userPool } = props;

    // The CLI's client: a public client (no secret), password sign-in, no hosted UI or OAuth flows.
    // It reads the attributes the handlers need from the ID token and may write only the display
    // name: `custom:unit` (and the e-mail, which is the user name) are for administrators alone.
    this.client = new UserPoolClient(this, 'CliClient', {
      userPool,
      userPoolClientName: 'zhili-cli',
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // An hour per token; a refresh token lasts a working day, so a lost laptop's session dies overnight.
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      authSessionValidity: Duration.minutes(3),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes(UNIT_ATTRIBUTE),
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    // The pool's provider name is `cognito-idp.<region>.<suffix>/<pool id>`, the tokens' `iss`
    // without its scheme; taking it from the pool keeps the right domain in every partition.
    this.authorizer = new HttpJwtAuthorizer('CognitoJwt', `https://${userPool.userPoolProviderName}`, {
      authorizerName: 'zhili-cognito',
      jwtAudience: [this.client.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });

    const fn = (folder: ApiFunction, constructId: string, description: string) =>
      new ProjectFunction(this, constructId, {
        folder,
        description,
        // Under API Gateway's 30 s integration timeout, so the function's own timeout is what fires (and is logged).
        timeout: Duration.seconds(15),
      }).useTable(table, 'readWrite');
    const campaigns = fn(
      'api-campaigns',
      'ApiCampaigns',
      'HTTP API: campaigns, their steering (launch, pause, resume, advance, extend, close), units, audit',
    );
    const work = fn(
      'api-work',
      'ApiWork',
      'HTTP API: weekly reports, bulletins, inspections, tasks, hazards',
    );
    const notifications = fn(
      'api-notifications',
      'ApiNotifications',
      'HTTP API: the outbox and dead letters',
    );

    // Campaigns (controls) and work (a ledger command that brings a deadline before the next wake):
    // start the campaign's next execution; stop and describe that state machine's executions only.
    for (const steering of [campaigns, work]) {
      steering.fn.addEnvironment('STATE_MACHINE_ARN', props.stateMachineArn);
      steering.fn.addToRolePolicy(
        new PolicyStatement({ actions: ['states:StartExecution'], resources: [props.stateMachineArn] }),
      );
      steering.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StopExecution', 'states:DescribeExecution'],
          // Pseudo parameters, so the cdk-nag acknowledgement of this wildcard reads the same in every region.
          resources: [
            `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${props.stateMachineName}:*`,
          ],
        }),
      );
    }
    // Work: read the bulletin documents that collect-reports wrote, and nothing else in the bucket.
    work.fn.addEnvironment('BULLETIN_BUCKET', bulletins.bucketName);
    work.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [bulletins.arnForObjects('*/bulletins/*')],
      }),
    );
    // Notifications: the table only. Retried dead letters are sent by the workflow's notify step.
    // Docs: the public OpenAPI document, bundled with the function; no table, workflow or bucket.
    const docs = new ProjectFunction(this, 'ApiDocs', {
      folder: 'api-docs',
      description: 'HTTP API: the OpenAPI document (public)',
      timeout: Duration.seconds(15),
    });
    this.functions = {
      'api-campaigns': campaigns,
      'api-work': work,
      'api-notifications': notifications,
      'api-docs': docs,
    };

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      // Six months: China's Cybersecurity Law (art. 21) asks network logs to be kept at least that long.
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: 'zhili',
      description: 'zhili: campaigns, reports, hazards and notifications for administrators and staff',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
      // The zhili CLI is the client: no browser, so no CORS.
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const integrations = Object.fromEntries(
      Object.entries(this.functions).map(([folder, f]) => [
        folder,
        new HttpLambdaIntegration(`${folder}-integration`, f.fn, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        }),
      ]),
    ) as Record<ApiFunction, HttpLambdaIntegration>;
    const open = new HttpNoneAuthorizer();
    for (const route of ROUTES) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.fn],
        // Every route needs a token (the default authorizer) unless the table marks it public.
        ...('public' in route && route.public ? { authorizer: open } : {}),
      });
    }
  }

  /** The API's base URL (the `$default` stage: no stage name in the path). */
  get url(): string {
    return this.stage.url;
  }
}
