import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { makeCheckDeadlinesHandler } from '../../functions/check-deadlines/handler.ts';
import { makeCollectReportsHandler } from '../../functions/collect-reports/handler.ts';
import { makeContinueHandler } from '../../functions/continue-campaign/handler.ts';
import { makeNotifyHandler } from '../../functions/notify/handler.ts';
import { makePhaseHandler } from '../../functions/phase/handler.ts';
import { FileBulletinArchive } from '../../functions/shared/adapters/bulletin-archive.ts';
import type { SecretSource } from '../../functions/shared/adapters/channels/secrets.ts';
import { DynamoCampaignStore } from '../../functions/shared/adapters/dynamo-store.ts';
import { createLogger } from '../../functions/shared/adapters/logger.ts';
import { LocalNotifier } from '../../functions/shared/adapters/notifiers.ts';
import type { CampaignDefinition } from '../../functions/shared/domain/definition.ts';
import { parseDefinition } from '../../functions/shared/domain/parse-definition.ts';
import type { BulletinArchive, Notifier, WorkflowEngine } from '../../functions/shared/domain/ports.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import {
  CampaignState,
  type CampaignStateInput,
  executionInput,
} from '../../functions/shared/domain/state.ts';
import { type LaunchResult, launchCampaign } from '../../functions/shared/use-cases/launch-campaign.ts';
import type { FunctionFolder } from '../../lib/project-function.ts';
import {
  createTableFromTemplate,
  type DynamoDbLocal,
  localCalls,
  startDynamoDbLocal,
} from './dynamodb-local.ts';
import { type Synthesized, synthesize } from './synthesized.ts';

/**
 * The local runtime: the synthesized state machine run by aws-local-stepfunctions, each Lambda
 * task mapped to its handler from functions/, on DynamoDB Local. The Wait state is skipped in
 * real time; the virtual clock is the instant the state says the next step is due (`next.at`),
 * and hooks let simulated people act on the clock between steps.
 */

export const LOCAL_TABLE = 'zhili-local';

/** aws-local-stepfunctions does not export its JSON type. */
type JSONValue = Parameters<StateMachine['run']>[0];

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface StepObserver {
  /** Before a step runs at `state.next.at`: the virtual clock moves there. */
  before?(state: CampaignState): Promise<void>;
  /** After a step, with the state it returned. */
  after?(task: string, input: CampaignState, output: CampaignState): Promise<void>;
}

export interface ExecutionRecord {
  name: string;
  /** PAUSED: the virtual clock reached the runtime's pause instant; `waitingAt` holds the state it waits in. */
  status: 'SUCCEEDED' | 'FAILED' | 'RUNNING' | 'PAUSED' | 'TIMED_OUT' | 'ABORTED';
  waitingAt?: CampaignState;
  transitions: number;
  historyEvents: number;
  stateEntered: Record<string, number>;
  error?: string;
}

const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:cn-north-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 60_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
});

/**
 * AWS history events that one event of the local engine stands for. The local engine logs states
 * entered and exited, failures, retries and the execution's start and end; AWS also records a
 * Lambda task's attempts (LambdaFunctionScheduled and …Started per attempt, then …Succeeded or
 * …Failed), which are counted here from the task's own events.
 */
const historyEventsOf = (type: string, stateType: string | undefined, attemptFailed: boolean): number => {
  const task = stateType === 'Task';
  switch (type) {
    case 'StateEntered':
      return task ? 3 : 1;
    case 'StateRetried':
      return 2;
    case 'StateFailed':
      return task ? 1 : 0;
    case 'StateExited':
      return task && !attemptFailed ? 2 : 1;
    case 'StateCaught':
      return 0;
    default:
      // ExecutionStarted, …Succeeded, …Failed, …Aborted, …Timeout
      return type.startsWith('Execution') ? 1 : 0;
  }
};

/** Task states that a Choice on `$.state.next.action` dispatches to: the steps the virtual clock moves for. */
const dispatchedTasks = (definition: Synthesized['definition']): Set<string> => {
  const targets = new Set<string>();
  for (const state of Object.values(definition.States)) {
    if (state.Type !== 'Choice') continue;
    for (const rule of state.Choices) {
      if ('Variable' in rule && rule.Variable === '$.state.next.action' && 'Next' in rule)
        targets.add(rule.Next);
    }
  }
  return targets;
};

export class LocalRuntime implements WorkflowEngine {
  readonly store: DynamoCampaignStore;
  readonly executions: ExecutionRecord[] = [];
  private readonly queue: { name: string; input: CampaignStateInput; record?: ExecutionRecord }[] = [];
  /** Aborts of the executions running now, by name. */
  private readonly running = new Map<string, () => void>();
  private readonly handlers: Record<FunctionFolder, Handler>;
  private readonly stateMachine: StateMachine;
  /** Made with the runtime, so after `start` has set the log level. */
  private readonly launchLogger = createLogger('zhili-launch-campaign');

  private constructor(
    readonly db: DynamoDbLocal,
    tableName: string,
    readonly synthesized: Synthesized,
    readonly notifier: Notifier,
    readonly archive: BulletinArchive,
    private readonly observer: StepObserver,
    private pauseAt: string | undefined,
    earlier: ExecutionRecord[],
  ) {
    this.executions.push(...earlier);
    this.store = new DynamoCampaignStore(localCalls(db), tableName);
    const logger = (folder: string) => createLogger(`zhili-${folder}`);
    const store = this.store;
    this.handlers = {
      phase: makePhaseHandler({ store, logger: logger('phase') }),
      'collect-reports': makeCollectReportsHandler({
        store,
        archive: this.archive,
        logger: logger('collect-reports'),
      }),
      'check-deadlines': makeCheckDeadlinesHandler({ store, logger: logger('check-deadlines') }),
      notify: makeNotifyHandler({ store, notifier, logger: logger('notify') }),
      'continue-campaign': makeContinueHandler({ store, engine: this, logger: logger('continue-campaign') }),
    };
    // A copy: the engine writes its defaults (QueryLanguage) into the definition it is given.
    const { TimeoutSeconds: _virtual, ...definition } = structuredClone(synthesized.definition);
    this.stateMachine = new StateMachine(definition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
  }

  static async start(options: {
    outDir: string;
    campaignId?: string;
    notifier?: Notifier;
    /** Credentials of robots on loopback (a local receiver); the default notifier only. */
    secrets?: SecretSource;
    /** A loopback HTTP receiver for SMS and email (default: ZHILI_NOTIFY_RECEIVER, else none). */
    receiver?: string;
    observer?: StepObserver;
    dbPath?: string;
    db?: DynamoDbLocal;
    /** Stop executions (status PAUSED) once the next step is due after this instant. */
    pauseAt?: string;
    tableName?: string;
    /** Executions an earlier process left (their records, with the state a paused one waits in): they can be played on. */
    executions?: ExecutionRecord[];
    /** Where bulletins go; by default files under `outDir` (one campaign's folder). */
    archive?: BulletinArchive;
  }): Promise<LocalRuntime> {
    // Quiet by default: the local run prints its own progress; LOG_LEVEL=INFO shows the Lambdas' JSON logs.
    process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL ?? 'ERROR';
    const synthesized = synthesize();
    const db = options.db ?? (await startDynamoDbLocal({ dbPath: options.dbPath }));
    const tableName = options.tableName ?? LOCAL_TABLE;
    await createTableFromTemplate(db.client, tableName, synthesized.tableProperties);
    const notifier =
      options.notifier ??
      new LocalNotifier({
        deliveriesPath: join(options.outDir, 'deliveries.jsonl'),
        secrets: options.secrets,
        receiver: options.receiver ?? process.env.ZHILI_NOTIFY_RECEIVER,
      });
    // Bulletins land next to the outbox, in the campaign's own folder under out/.
    const archive = options.archive ?? new FileBulletinArchive(options.outDir);
    return new LocalRuntime(
      db,
      tableName,
      synthesized,
      notifier,
      archive,
      options.observer ?? {},
      options.pauseAt,
      options.executions ?? [],
    );
  }

  /**
   * Creates and launches through the use cases the API's routes run, then runs the executions. The
   * definition is checked again, as a request's is: a bad one is a DefinitionError naming its
   * fields, and nothing is written.
   */
  async launch(
    definition: CampaignDefinition,
    at: string,
    options: { actor?: string; limits?: CampaignStateInput['limits'] } = {},
  ): Promise<LaunchResult> {
    const def = parseDefinition(definition, 'launch request');
    const result = await launchCampaign(this.store, this, def, instant(at), {
      actor: options.actor ?? 'local-admin',
      limits: options.limits,
    });
    this.launchLogger.info(result.started ? 'campaign launched' : 'campaign already launched', { ...result });
    await this.drain();
    return result;
  }

  /** WorkflowEngine: an execution name runs once; a second start of the same name is refused. */
  async start(executionName: string, input: CampaignStateInput): Promise<boolean> {
    if (
      this.executions.some((e) => e.name === executionName) ||
      this.queue.some((q) => q.name === executionName)
    ) {
      return false;
    }
    this.queue.push({ name: executionName, input });
    return true;
  }

  /** Runs queued executions one after another (a continued generation starts after its parent ends). */
  async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.run(next.name, next.input, next.record);
    }
  }

  /**
   * Moves the clock to `to` and plays every execution waiting for a step due by then, until their
   * next steps are due after it. A waiting execution sits at the machine's wait, its start state,
   * so running the machine again on the state it waits in continues it where it stopped.
   */
  async playUntil(to: string): Promise<void> {
    this.pauseAt = to;
    for (const record of this.executions) {
      if (record.status !== 'PAUSED' || !record.waitingAt || record.waitingAt.next.at > to) continue;
      if (this.queue.some((q) => q.name === record.name)) continue;
      this.queue.push({ name: record.name, input: record.waitingAt, record });
    }
    await this.drain();
  }

  /** The instant executions are played up to (undefined: to their end). */
  get clock(): string | undefined {
    return this.pauseAt;
  }

  private taskHandlers(
    record: ExecutionRecord,
    stop: () => void,
  ): Record<string, (input: JSONValue) => Promise<JSONValue>> {
    // The execution timeout is enforced on the virtual clock: a real-time timer means nothing when
    // months pass in seconds (and Node cannot even arm a timer of 360 days).
    const timeoutMs = (this.synthesized.definition.TimeoutSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    const dispatched = dispatchedTasks(this.synthesized.definition);
    const entries = Object.entries(this.synthesized.taskFunctions).map(([task, folder]) => {
      const handler = this.handlers[folder];
      const run = async (input: JSONValue): Promise<JSONValue> => {
        const payload = input as { state?: unknown };
        const before = CampaignState.safeParse(payload.state);
        // Only steps dispatched on `next.action` happen at `next.at`; Notify runs at the current instant.
        if (before.success && dispatched.has(task)) {
          const { next, generationStartedAt } = before.data;
          const timedOut = Date.parse(next.at) - Date.parse(generationStartedAt) > timeoutMs;
          if (timedOut || (this.pauseAt !== undefined && next.at > this.pauseAt)) {
            record.status = timedOut ? 'TIMED_OUT' : 'PAUSED';
            record.waitingAt = before.data;
            stop();
            // The aborted execution never looks at this task's result.
            return new Promise<JSONValue>(() => {});
          }
          await this.observer.before?.(before.data);
        }
        const output = await handler(input, lambdaContext(folder));
        const after = CampaignState.safeParse(output);
        if (before.success && after.success) await this.observer.after?.(task, before.data, after.data);
        return output as JSONValue;
      };
      return [task, run] as const;
    });
    return Object.fromEntries(entries);
  }

  private async run(name: string, state: CampaignStateInput, resumed?: ExecutionRecord): Promise<void> {
    const record: ExecutionRecord = resumed ?? {
      name,
      status: 'RUNNING',
      transitions: 0,
      historyEvents: 0,
      stateEntered: {},
    };
    if (resumed) {
      resumed.status = 'RUNNING';
      delete resumed.waitingAt;
    } else this.executions.push(record);
    const types = new Map(Object.entries(this.synthesized.definition.States).map(([n, s]) => [n, s.Type]));
    const waits = Object.fromEntries([...types].filter(([, t]) => t === 'Wait').map(([n]) => [n, 0]));
    const retries = Object.fromEntries([...types].filter(([, t]) => t === 'Task').map(([n]) => [n, 0]));
    let stop = () => {};
    const execution = this.stateMachine.run(executionInput(state) as unknown as JSONValue, {
      noThrowOnAbort: true,
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(record, () => stop()),
        waitTimeOverrides: waits,
        retryIntervalOverrides: retries,
      },
      context: { Execution: { Name: name, Id: `local:${name}` } },
    });
    stop = execution.abort;
    this.running.set(name, execution.abort);
    // Billed transitions are the states entered, retries included; history events as AWS would record them.
    const counting = (async () => {
      let attemptFailed = false;
      for await (const event of execution.eventLogs) {
        const entered = 'state' in event ? event.state : undefined;
        record.historyEvents += historyEventsOf(event.type, entered?.type, attemptFailed);
        // A caught failure still ends in StateExited, without a LambdaFunctionSucceeded.
        if (event.type !== 'StateCaught') attemptFailed = event.type === 'StateFailed';
        if (event.type === 'StateRetried') record.transitions++;
        if (event.type !== 'StateEntered' || !entered) continue;
        record.transitions++;
        record.stateEntered[entered.name] = (record.stateEntered[entered.name] ?? 0) + 1;
      }
    })();
    try {
      await execution.result;
      if (record.status === 'RUNNING') record.status = 'SUCCEEDED';
    } catch (error) {
      record.status = 'FAILED';
      record.error = (error as Error).message;
    }
    await counting;
    this.running.delete(name);
  }

  /** WorkflowEngine: an administrator's pause or close stops the execution at its current wait. */
  async stop(executionName: string, cause: string): Promise<void> {
    const record = this.executions.find((e) => e.name === executionName);
    if (record && (record.status === 'RUNNING' || record.status === 'PAUSED')) {
      record.status = 'ABORTED';
      record.error = cause;
      delete record.waitingAt;
    }
    this.running.get(executionName)?.();
    const queued = this.queue.findIndex((q) => q.name === executionName);
    if (queued >= 0) this.queue.splice(queued, 1);
  }

  /** Shuts the local runtime down (its DynamoDB Local). */
  async close(): Promise<void> {
    await this.db.stop();
  }
}
