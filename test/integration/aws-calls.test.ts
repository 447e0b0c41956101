import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { regionalHost } from '../../functions/shared/adapters/aws-request.ts';
import { SesEmailNotifier, sesHost } from '../../functions/shared/adapters/channels/email.ts';
import { RobotNotifier } from '../../functions/shared/adapters/channels/robots.ts';
import {
  SecretsManagerSource,
  secretsManagerHost,
} from '../../functions/shared/adapters/channels/secrets.ts';
import { StepFunctionsEngine, stepFunctionsHost } from '../../functions/shared/adapters/sfn-engine.ts';
import type { CampaignStateInput } from '../../functions/shared/domain/state.ts';
import { type Delivery, DeliveryError } from '../../functions/shared/notify/delivery.ts';
import { type Answer, type SigV4Server, startSigV4Server } from '../support/sigv4-server.ts';

/**
 * SES SendEmail and Secrets Manager GetSecretValue as notify makes them, Step Functions'
 * StartExecution and StopExecution as the launch, continue and API functions make them (aws-request.ts, no SDK
 * client), against a real HTTP server on loopback that checks each request's SigV4 signature with
 * its own, independent implementation of the algorithm, and answers as the services do
 * (test/support/sigv4-server.ts).
 */

describe('SES and Secrets Manager calls against a loopback server that checks SigV4', () => {
  let aws: SigV4Server;
  let received: SigV4Server['received'];

  beforeAll(async () => {
    aws = await startSigV4Server();
    received = aws.received;
  });

  afterAll(() => aws.close());

  beforeEach(() => aws.reset());

  const service = (api: { signingName: string; hostPrefix: string }) => aws.service(api);
  /** Answers to give, in order; then 200 with `ok`. */
  const scriptAnswers = (answers: Answer[]) => {
    aws.script = answers;
  };
  const answerOk = (body: unknown) => {
    aws.answer = () => ({ status: 200, body });
  };

  const delivery: Delivery = {
    id: 'd-1',
    campaignId: 'safety 2027',
    channel: 'email',
    address: 'office@example.cn',
    subject: '工作情况通报',
    text: '正文',
    markdown: '正文',
    html: '<p>正文</p>',
    notificationIds: ['n-1'],
    mentions: { phones: [], dingtalkUserIds: [], wecomUserIds: [] },
  };

  it('sends SendEmail as the SDK did: signed for ses, the text and HTML parts, header and tag', async () => {
    // Prepare
    answerOk({ MessageId: 'm-1' });
    const ses = new SesEmailNotifier(service(sesHost), 'zhili@example.cn', 'zhili-config');

    // Act
    await ses.send(delivery);

    // Assess
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.verdict).toEqual({ ok: true, service: 'ses' });
    expect([call?.method, call?.url, call?.headers['content-type']]).toEqual([
      'POST',
      '/v2/email/outbound-emails',
      'application/json',
    ]);
    expect(call?.json).toEqual({
      FromEmailAddress: 'zhili@example.cn',
      Destination: { ToAddresses: ['office@example.cn'] },
      ConfigurationSetName: 'zhili-config',
      Content: {
        Simple: {
          Subject: { Data: '工作情况通报', Charset: 'UTF-8' },
          Body: { Text: { Data: '正文', Charset: 'UTF-8' }, Html: { Data: '<p>正文</p>', Charset: 'UTF-8' } },
          Headers: [{ Name: 'X-Zhili-Delivery', Value: 'd-1' }],
        },
      },
      EmailTags: [{ Name: 'campaign', Value: 'safety_2027' }],
    });
  });

  it('names an SES refusal by its error type, and retries throttling as the SDK does (3 attempts)', async () => {
    // Prepare
    const ses = new SesEmailNotifier(service(sesHost), 'zhili@example.cn');
    const throttled: Answer = {
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException:http://internal.amazon.com/coral/' },
      body: { message: 'Maximum sending rate exceeded.' },
    };
    scriptAnswers([throttled, throttled, throttled]);

    // Act
    const act = ses.send(delivery);

    // Assess
    await expect(act).rejects.toEqual(new DeliveryError('email: TooManyRequestsException', true));
    expect(received).toHaveLength(3);

    // Prepare: an address SES refuses for good is not retried here.
    received.length = 0;
    scriptAnswers([
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'NotFoundException:http://internal.amazon.com/coral/' },
        body: { message: 'Configuration set does not exist.' },
      },
    ]);

    // Act
    const refused = ses.send(delivery);

    // Assess
    await expect(refused).rejects.toMatchObject({ message: 'email: NotFoundException', retryable: false });
    expect(received).toHaveLength(1);
  });

  it('gets a robot secret with GetSecretValue (AWS JSON 1.1), retrying a server error once it clears', async () => {
    // Prepare
    scriptAnswers([{ status: 503, body: { __type: 'ServiceUnavailable' } }]);
    answerOk({ Name: 'zhili/robots/office', SecretString: JSON.stringify({ key: 'wecom-key' }) });
    const secrets = new SecretsManagerSource(service(secretsManagerHost));

    // Act
    const first = await secrets.robotCredentials('zhili/robots/office');
    const cached = await secrets.robotCredentials('zhili/robots/office');

    // Assess
    expect(first).toEqual({ key: 'wecom-key' });
    expect(cached).toEqual(first);
    expect(received).toHaveLength(2);
    for (const call of received) {
      expect(call.verdict).toEqual({ ok: true, service: 'secretsmanager' });
      expect(call.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(call.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(call.json).toEqual({ SecretId: 'zhili/robots/office' });
    }
  });

  it('throws a missing secret as ResourceNotFoundException, which the robot channel treats as permanent', async () => {
    // Prepare
    scriptAnswers([
      {
        status: 400,
        body: {
          __type: 'ResourceNotFoundException',
          Message: "Secrets Manager can't find the specified secret.",
        },
      },
    ]);
    const secrets = new SecretsManagerSource(service(secretsManagerHost));
    const robot = new RobotNotifier({ secrets, fetch: async () => new Response('{}') });

    // Act
    const act = robot.send({
      ...delivery,
      channel: 'robot',
      address: 'office',
      robot: {
        id: 'office',
        kind: 'wecom',
        webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send',
        secret: 'zhili/robots/missing',
        keywords: [],
      },
    });

    // Assess
    await expect(act).rejects.toMatchObject({
      message: "robot office: credentials: Secrets Manager can't find the specified secret.",
      retryable: false,
    });
    expect(received).toHaveLength(1);
  });

  it('addresses the regional endpoints, with the China partition’s domain', () => {
    expect(regionalHost('email', 'eu-west-1')).toBe('email.eu-west-1.amazonaws.com');
    expect(regionalHost('secretsmanager', 'cn-north-1')).toBe('secretsmanager.cn-north-1.amazonaws.com.cn');
    expect(regionalHost(stepFunctionsHost.hostPrefix, 'cn-northwest-1')).toBe(
      'states.cn-northwest-1.amazonaws.com.cn',
    );
  });
});

describe('Step Functions StartExecution and StopExecution against a loopback server that checks SigV4', () => {
  const STATE_MACHINE = 'arn:aws-cn:states:cn-north-1:000000000000:stateMachine:zhili-campaign';
  const EXECUTION = 'arn:aws-cn:states:cn-north-1:000000000000:execution:zhili-campaign:safety-2027-g2';
  let aws: SigV4Server;

  beforeAll(async () => {
    aws = await startSigV4Server();
  });

  afterAll(() => aws.close());

  beforeEach(() => aws.reset());

  const engine = () => new StepFunctionsEngine(aws.service(stepFunctionsHost), STATE_MACHINE);
  /** Step Functions' error answers (AWS JSON 1.0): the type in the body, namespaced. */
  const refusal = (type: string, message: string): Answer => ({
    status: 400,
    body: { __type: `com.amazonaws.swf.service.v2.model#${type}`, message },
  });
  const checkSigned = (target: string) => {
    for (const call of aws.received) {
      expect(call.verdict).toEqual({ ok: true, service: 'states' });
      expect([call.method, call.url, call.headers['content-type'], call.headers['x-amz-target']]).toEqual([
        'POST',
        '/',
        'application/x-amz-json-1.0',
        `AWSStepFunctions.${target}`,
      ]);
    }
  };

  it('stops the named execution of the state machine, the cause cut to the API’s 32,768 characters', async () => {
    // Act
    await engine().stop('safety-2027-g2', `paused: ${'x'.repeat(40_000)}`);

    // Assess
    expect(aws.received).toHaveLength(1);
    checkSigned('StopExecution');
    const sent = aws.received[0]?.json as { executionArn: string; cause: string };
    expect(Object.keys(sent).sort()).toEqual(['cause', 'executionArn']);
    expect(sent.executionArn).toBe(EXECUTION);
    expect(sent.cause).toHaveLength(32_768);
    expect(sent.cause.startsWith('paused: xxx')).toBe(true);
  });

  it('takes ExecutionDoesNotExist on a stop as nothing to stop, and throws other refusals by their names', async () => {
    // Prepare
    aws.script = [refusal('ExecutionDoesNotExist', `Execution Does Not Exist: '${EXECUTION}'`)];

    // Act
    const missing = engine().stop('safety-2027-g2', 'closed');

    // Assess
    await expect(missing).resolves.toBeUndefined();

    // Prepare
    aws.script = [
      {
        status: 400,
        headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/' },
        body: { message: 'not authorized to perform: states:StopExecution' },
      },
    ];

    // Act
    const denied = engine().stop('safety-2027-g2', 'closed');

    // Assess
    await expect(denied).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'not authorized to perform: states:StopExecution',
      $metadata: { httpStatusCode: 400 },
    });
    expect(aws.received).toHaveLength(2);
    checkSigned('StopExecution');
  });

  it('starts an execution with the state under `state`; false on ExecutionAlreadyExists; other refusals thrown by name', async () => {
    // Prepare
    const input = { campaignId: 'safety-2027' } as unknown as CampaignStateInput;
    aws.script = [
      { status: 200, body: { executionArn: EXECUTION, startDate: 1.8e9 } },
      refusal('ExecutionAlreadyExists', "Execution Already Exists: 'safety-2027-g2'"),
      refusal('StateMachineDoesNotExist', `State Machine Does Not Exist: '${STATE_MACHINE}'`),
    ];

    // Act
    const first = await engine().start('safety-2027-g2', input);
    const again = await engine().start('safety-2027-g2', input);
    const gone = engine().start('safety-2027-g2', input);

    // Assess
    expect([first, again]).toEqual([true, false]);
    await expect(gone).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(aws.received).toHaveLength(3);
    checkSigned('StartExecution');
    const sent = aws.received[0]?.json as { stateMachineArn: string; name: string; input: string };
    expect(Object.keys(sent).sort()).toEqual(['input', 'name', 'stateMachineArn']);
    expect(sent).toMatchObject({ stateMachineArn: STATE_MACHINE, name: 'safety-2027-g2' });
    expect(JSON.parse(sent.input)).toEqual({ state: { campaignId: 'safety-2027' } });
  });
});
