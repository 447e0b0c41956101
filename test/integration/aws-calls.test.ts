import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { regionalHost, send } from '../../functions/shared/adapters/aws-request.ts';
import { SesEmailNotifier, sesHost } from '../../functions/shared/adapters/channels/email.ts';
import { RobotNotifier } from '../../functions/shared/adapters/channels/robots.ts';
import {
  SecretsManagerSource,
  secretsManagerHost,
} from '../../functions/shared/adapters/channels/secrets.ts';
import { SnsSmsNotifier } from '../../functions/shared/adapters/channels/sms.ts';
import { snsDeadLetterAlert } from '../../functions/shared/adapters/notifiers.ts';
import { StepFunctionsEngine, stepFunctionsHost } from '../../functions/shared/adapters/sfn-engine.ts';
import { type Publication, SnsPublisher, snsHost } from '../../functions/shared/adapters/sns.ts';
import type { CampaignStateInput } from '../../functions/shared/domain/state.ts';
import { type Delivery, DeliveryError } from '../../functions/shared/notify/delivery.ts';
import { type Answer, type SigV4Server, startSigV4Server } from '../support/sigv4-server.ts';

/**
 * SES SendEmail, Secrets Manager GetSecretValue and SNS Publish as notify makes them, Step Functions'
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

describe('SNS Publish (AWS Query) against a loopback server that checks SigV4', () => {
  const TOPIC = 'arn:aws-cn:sns:cn-north-1:000000000000:zhili-notifications';
  let aws: SigV4Server;

  beforeAll(async () => {
    aws = await startSigV4Server();
  });

  afterAll(() => aws.close());

  beforeEach(() => aws.reset());

  const published = (id: string): Answer => ({
    status: 200,
    body: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>`,
  });
  const refused = (status: number, code: string, message: string): Answer => ({
    status,
    body: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>r-2</RequestId></ErrorResponse>`,
  });
  const sns = () => new SnsPublisher(aws.queryService(snsHost));
  const sms = (senderId?: string) => new SnsSmsNotifier(sns(), senderId);
  const delivery: Delivery = {
    id: 'd-1',
    campaignId: 'safety-2027',
    channel: 'sms',
    address: '138-0000-0022',
    subject: '提醒',
    text: '【安全生产】请于周五12:00前报送 & 核对 <第3期>',
    markdown: '',
    html: '',
    notificationIds: ['n-1'],
    mentions: { phones: [], dingtalkUserIds: [], wecomUserIds: [] },
  };

  it('sends an SMS as the SDK did: signed for sns, Publish 2010-03-31 to the E.164 number, transactional, with the sender id', async () => {
    // Prepare
    aws.answer = () => published('m-1');

    // Act
    await sms('ZHILI').send(delivery);

    // Assess
    const [request] = aws.received;
    expect(request?.verdict).toEqual({ ok: true, service: 'sns' });
    expect(request?.url).toBe('/');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.form).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      PhoneNumber: '+8613800000022',
      Message: delivery.text,
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
      'MessageAttributes.entry.2.Name': 'AWS.SNS.SMS.SenderID',
      'MessageAttributes.entry.2.Value.DataType': 'String',
      'MessageAttributes.entry.2.Value.StringValue': 'ZHILI',
    });
  });

  it('publishes a dead-letter alert to the topic with its subject and ids only, and returns the message id', async () => {
    // Prepare
    aws.answer = () => published('m-2');
    const publisher = sns();
    const ids: string[] = [];
    const recording = {
      publish: async (p: Publication) => {
        const id = await publisher.publish(p);
        ids.push(id);
        return id;
      },
    };
    const alert = snsDeadLetterAlert(recording, TOPIC);
    const notification = { campaignId: 'safety-2027', id: 'n-9', kind: 'reportReminder', channel: 'sms' };

    // Act
    await alert(notification as Parameters<typeof alert>[0], 'sms: InvalidParameter');

    // Assess
    expect(ids).toEqual(['m-2']);
    expect(aws.received[0]?.form).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: TOPIC,
      Subject: 'zhili: notification dead-lettered',
      Message: JSON.stringify({
        campaignId: 'safety-2027',
        notificationId: 'n-9',
        kind: 'reportReminder',
        channel: 'sms',
        error: 'sms: InvalidParameter',
      }),
    });
  });

  it('retries SNS throttling as the SDK does (3 attempts) and then names it retryable', async () => {
    // Prepare
    const throttled = refused(400, 'Throttled', 'Rate exceeded');
    aws.script = [throttled, throttled, throttled];

    // Act
    const act = sms().send(delivery);

    // Assess
    await expect(act).rejects.toEqual(new DeliveryError('sms: Throttled', true));
    expect(aws.received).toHaveLength(3);
  });

  it('sends once more after a throttled attempt, and succeeds', async () => {
    // Prepare
    aws.script = [refused(400, 'Throttled', 'Rate exceeded'), published('m-3')];

    // Act
    const id = await sns().publish({ PhoneNumber: '+8613800000022', Message: 'hi' });

    // Assess
    expect(id).toBe('m-3');
    expect(aws.received).toHaveLength(2);
  });

  it('takes a refusal for good at once: the code and the decoded message, not retried', async () => {
    // Prepare
    aws.script = [refused(400, 'InvalidParameter', 'Invalid parameter: PhoneNumber &amp; &lt;x&gt;')];

    // Act
    const act = sns().publish({ PhoneNumber: '+8613800000022', Message: 'hi' });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'InvalidParameter',
      message: 'Invalid parameter: PhoneNumber & <x>',
      $metadata: { httpStatusCode: 400 },
    });
    expect(aws.received).toHaveLength(1);
    aws.reset();
    aws.script = [refused(400, 'InvalidParameter', 'bad number')];
    await expect(sms().send(delivery)).rejects.toEqual(new DeliveryError('sms: InvalidParameter', false));
  });

  it('refuses a landline without calling SNS, and an answer without a MessageId by name', async () => {
    // Act
    const landline = sms().send({ ...delivery, address: '0451-8888-0000' });

    // Assess
    await expect(landline).rejects.toEqual(
      new DeliveryError('sms: 0451-8888-0000 is not a mobile number', false),
    );
    expect(aws.received).toHaveLength(0);

    // Prepare
    aws.answer = () => ({ status: 200, body: '<PublishResponse></PublishResponse>' });

    // Act
    const empty = sns().publish({ TopicArn: TOPIC, Message: 'hi' });

    // Assess
    await expect(empty).rejects.toMatchObject({ name: 'InvalidAnswer' });
  });
});

describe('answers that are not the service’s own, against the loopback server', () => {
  let aws: SigV4Server;

  beforeAll(async () => {
    aws = await startSigV4Server();
  });

  afterAll(() => aws.close());

  beforeEach(() => aws.reset());

  it('names a proxy’s non-JSON 502 by its status, retried 3 times like any server error', async () => {
    // Prepare
    aws.answer = () => ({ status: 502, body: '<html>Bad Gateway</html>' });

    // Act
    const act = aws
      .service({ signingName: 'ses', hostPrefix: 'email' })
      .post('/v2/email/outbound-emails', {}, { 'content-type': 'application/json' });

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'HTTP502',
      message: 'HTTP 502',
      $metadata: { httpStatusCode: 502 },
    });
    expect(aws.received).toHaveLength(3);
  });

  it('names an AWS Query refusal without a <Code> by its status, and does not retry a 4xx', async () => {
    // Prepare
    aws.answer = () => ({ status: 400, body: '<ErrorResponse><Error></Error></ErrorResponse>' });

    // Act
    const act = aws
      .queryService({ signingName: 'sns', hostPrefix: 'sns', version: '2010-03-31' })
      .call('Publish', { Message: 'x' });

    // Assess
    await expect(act).rejects.toMatchObject({ name: 'HTTP400', message: 'HTTP 400' });
    expect(aws.received).toHaveLength(1);
  });

  it('gives up on a request that is not answered in time with a TimeoutError naming the host', async () => {
    // Prepare: a server that reads the request and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;

    // Act
    const act = send(
      'http:',
      { method: 'POST', hostname: '127.0.0.1', port, path: '/', headers: {} },
      Buffer.from('{}'),
      200,
    );

    // Assess
    await expect(act).rejects.toMatchObject({
      name: 'TimeoutError',
      message: 'POST 127.0.0.1 timed out after 0.2 s',
    });
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
