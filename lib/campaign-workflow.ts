import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JitterType,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  Timeout,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Action } from '../functions/shared/domain/state.ts';

export interface CampaignWorkflowProps {
  stateMachineName: string;
  phase: IFunction;
  collectReports: IFunction;
  checkDeadlines: IFunction;
  notify: IFunction;
  continueCampaign: IFunction;
}

/** Errors worth retrying: Lambda's transient ones, including the throttle that CDK's default retry leaves out. */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'States.Timeout',
];

/**
 * One Standard execution per campaign. The machine is a scheduler: it waits until the moment the
 * state names (`$.state.next.at`), dispatches to the step due then, sends what the step queued,
 * and waits again. Which step comes next (phase order, cutoffs, the acceptance gate) is decided by
 * domain code and carried in `$.state.next`, which keeps the machine small and every wake cheap
 * (4–5 transitions).
 */
export class CampaignWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: CampaignWorkflowProps) {
    super(scope, id);

    const failed = new Fail(this, 'CampaignFailed', {
      error: 'CampaignStepFailed',
      causePath: '$.error.Cause',
    });
    const recordFailure = new LambdaInvoke(this, 'RecordFailure', {
      lambdaFunction: props.phase,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      payload: TaskInput.fromObject({
        action: 'recordFailure',
        'state.$': '$.state',
        'error.$': '$.error',
      }),
      resultPath: '$.recorded',
      taskTimeout: Timeout.duration(Duration.minutes(2)),
    });
    recordFailure.addRetry({
      errors: TRANSIENT_ERRORS,
      interval: Duration.seconds(2),
      maxAttempts: 4,
      backoffRate: 2,
    });
    recordFailure.addCatch(failed, { resultPath: '$.recordError' });
    // The office hears of the failure now, not at a next wake that will never come.
    // The failure notice is urgent (it passes quiet hours) but its send may fail: it is retried
    // with the outbox's backoff until sent or dead-lettered, then the execution fails.
    const failureNotice = (name: string, now?: string): LambdaInvoke => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: props.notify,
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        payload: TaskInput.fromObject(
          now ? { 'state.$': '$.state', 'now.$': now } : { 'state.$': '$.state' },
        ),
        resultPath: '$.state',
        taskTimeout: Timeout.duration(Duration.minutes(2)),
      });
      task.addRetry({
        errors: TRANSIENT_ERRORS,
        interval: Duration.seconds(2),
        maxAttempts: 4,
        backoffRate: 2,
      });
      task.addCatch(failed, { resultPath: '$.notifyError' });
      return task;
    };
    const notifyFailure = failureNotice('NotifyFailure');
    const notifyFailureLater = failureNotice('NotifyFailureLater', '$.state.notifyAt');
    const failureNoticePending = new Choice(this, 'FailureNoticePending')
      .when(Condition.numberGreaterThan('$.state.pendingNotifications', 0), notifyFailure)
      .when(
        Condition.isPresent('$.state.notifyAt'),
        new Wait(this, 'WaitToRetryFailureNotice', { time: WaitTime.timestampPath('$.state.notifyAt') }).next(
          notifyFailureLater,
        ),
      )
      .otherwise(failed);
    recordFailure.next(notifyFailure);
    notifyFailure.next(failureNoticePending);
    notifyFailureLater.next(failureNoticePending);

    const step = (
      name: string,
      fn: IFunction,
      action?: string,
      extra: Record<string, string> = {},
    ): LambdaInvoke => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payloadResponseOnly: true,
        // CDK's own default retrier would come first and shadow ours (Step Functions takes the first match).
        retryOnServiceExceptions: false,
        payload: TaskInput.fromObject({ ...(action ? { action } : {}), 'state.$': '$.state', ...extra }),
        resultPath: '$.state',
        taskTimeout: Timeout.duration(Duration.minutes(5)),
      });
      task.addRetry({
        errors: TRANSIENT_ERRORS,
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(60),
        jitterStrategy: JitterType.FULL,
      });
      task.addCatch(recordFailure, { resultPath: '$.error' });
      return task;
    };

    const waitUntilNext = new Wait(this, 'WaitUntilNext', {
      time: WaitTime.timestampPath('$.state.next.at'),
    });
    const notify = step('Notify', props.notify);
    // Deferred notifications (retry backoff, quiet hours, a robot's rate limit) are sent when due
    // if that comes before the next step, and always before the campaign ends or continues: no
    // notification is stranded in the outbox of a finished execution.
    const notifyDeferred = step('NotifyDeferred', props.notify, undefined, { 'now.$': '$.state.notifyAt' });
    const waitForDeferred = new Wait(this, 'WaitForDeferred', {
      time: WaitTime.timestampPath('$.state.notifyAt'),
    }).next(notifyDeferred);
    const notifyIfPending = new Choice(this, 'NotifyIfPending')
      .when(Condition.numberGreaterThan('$.state.pendingNotifications', 0), notify)
      .when(
        Condition.and(
          Condition.isPresent('$.state.notifyAt'),
          Condition.or(
            Condition.timestampLessThanEqualsJsonPath('$.state.notifyAt', '$.state.next.at'),
            Condition.stringEquals('$.state.next.action', 'done'),
            Condition.stringEquals('$.state.next.action', 'continueAsNew'),
          ),
        ),
        waitForDeferred,
      )
      .otherwise(waitUntilNext);
    notify.next(notifyIfPending);
    notifyDeferred.next(notifyIfPending);

    const steps: Record<Exclude<Action, 'continueAsNew' | 'done'>, LambdaInvoke> = {
      startPhase: step('StartPhase', props.phase, 'start'),
      collectReports: step('CollectReports', props.collectReports),
      checkDeadlines: step('CheckDeadlines', props.checkDeadlines),
      closePhase: step('ClosePhase', props.phase, 'close'),
      gate: step('AcceptanceGate', props.phase, 'gate'),
    };
    const continueAsNew = step('ContinueAsNew', props.continueCampaign).next(
      new Succeed(this, 'ContinuedAsNewExecution'),
    );

    const dispatch = new Choice(this, 'Dispatch');
    for (const [action, task] of Object.entries(steps)) {
      dispatch.when(Condition.stringEquals('$.state.next.action', action), task);
      task.next(notifyIfPending);
    }
    dispatch
      .when(Condition.stringEquals('$.state.next.action', 'continueAsNew'), continueAsNew)
      .when(Condition.stringEquals('$.state.next.action', 'done'), new Succeed(this, 'CampaignEnded'))
      .otherwise(
        new Fail(this, 'UnknownAction', { error: 'UnknownAction', cause: 'state.next.action not known' }),
      );
    waitUntilNext.next(dispatch);

    const logs = new LogGroup(this, 'Logs', {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(waitUntilNext),
      comment: 'zhili: one execution per campaign generation; wakes at each due moment.',
      // A generation continues as a new execution after ~300 days; the hard stop is just under Standard's year.
      timeout: Duration.days(360),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: true },
    });
  }
}
