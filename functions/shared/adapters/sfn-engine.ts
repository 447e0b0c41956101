import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { WorkflowEngine } from '../domain/ports.ts';
import { type CampaignStateInput, executionInput } from '../domain/state.ts';

/** Step Functions: the execution name is the idempotency key, so a second start of the same name is refused by AWS. */
export class StepFunctionsEngine implements WorkflowEngine {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(executionName: string, input: CampaignStateInput): Promise<boolean> {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: executionName,
          input: JSON.stringify(executionInput(input)),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists')
        return false;
      throw error;
    }
  }

  /** Stopping an execution that ended already is a no-op in Step Functions; one never started is nothing to stop. */
  async stop(executionName: string, cause: string): Promise<void> {
    const executionArn = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    try {
      await this.client.send(new StopExecutionCommand({ executionArn, cause: cause.slice(0, 32_768) }));
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist || (error as Error).name === 'ExecutionDoesNotExist') return;
      throw error;
    }
  }
}
