import type { WorkflowEngine } from '../domain/ports.ts';
import { type CampaignStateInput, executionInput } from '../domain/state.ts';
import type { JsonService } from './aws-request.ts';

/** The Step Functions API as StepFunctionsEngine calls it: signed for `states` at states.<region>. */
export const stepFunctionsHost = { signingName: 'states', hostPrefix: 'states' } as const;

/** AWS JSON 1.0 with the service's target prefix, as the SDK's SFN client sends each operation. */
const operation = (name: 'StartExecution' | 'StopExecution') => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': `AWSStepFunctions.${name}`,
});

/**
 * Step Functions: the execution name is the idempotency key, so a second start of the same name is
 * refused by AWS. StartExecution and StopExecution are one signed call each (aws-request.ts, the
 * requests the SDK's commands make): the SDK's SFN client would add its service model and JSON
 * protocol code to four bundles for two operations. Errors keep the SDK's names
 * (ExecutionAlreadyExists, ExecutionDoesNotExist, …), read from the answer's error type.
 */
export class StepFunctionsEngine implements WorkflowEngine {
  constructor(
    private readonly states: JsonService,
    private readonly stateMachineArn: string,
  ) {}

  async start(executionName: string, input: CampaignStateInput): Promise<boolean> {
    try {
      await this.states.post(
        '/',
        {
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify(executionInput(input)),
        },
        operation('StartExecution'),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ExecutionAlreadyExists') return false;
      throw error;
    }
  }

  /** Stopping an execution that ended already is a no-op in Step Functions; one never started is nothing to stop. */
  async stop(executionName: string, cause: string): Promise<void> {
    try {
      await this.states.post(
        '/',
        { executionArn: executionArnOf(this.stateMachineArn, executionName), cause: cause.slice(0, 32_768) },
        operation('StopExecution'),
      );
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return;
      throw error;
    }
  }
}

/** An execution's ARN: the state machine's, with `execution` for `stateMachine` and the name appended. */
const executionArnOf = (stateMachineArn: string, executionName: string): string =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
