import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { FUNCTION_FOLDERS, type FunctionFolder } from '../../lib/project-function.ts';
import { buildApp } from '../../lib/zhili-app.ts';

/**
 * The state machine and table exactly as CDK synthesizes them, for the local runtime and the
 * tests. Bundling is skipped (the definition does not depend on it); function ARNs, which are
 * CloudFormation tokens in the template, become local ARNs named after the logical id.
 */

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

const localArn = (logicalId: string) => `arn:aws:lambda:cn-north-1:000000000000:function:${logicalId}`;

/** Resolves the template's DefinitionString (an Fn::Join with function ARN tokens) to the definition JSON text. */
export const resolveDefinitionString = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected DefinitionString shape: ${JSON.stringify(value).slice(0, 200)}`);
  const [separator, parts] = join;
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt && getAtt[1] === 'Arn') return localArn(getAtt[0]);
      const ref = (part as { Ref?: string }).Ref;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::Region') return 'cn-north-1';
      if (ref === 'AWS::AccountId') return '000000000000';
      throw new Error(`cannot resolve ${JSON.stringify(part)} in the state machine definition`);
    })
    .join(separator);
};

export interface Synthesized {
  definition: StateMachineDefinition;
  /** Task state name → the functions/ folder whose handler runs it. */
  taskFunctions: Record<string, FunctionFolder>;
  tableProperties: Record<string, unknown>;
  statelessTemplate: Template;
}

/**
 * The two stacks' templates. CDK writes the cloud assembly to a directory; without one it makes a
 * new temporary directory on every synth and leaves it, one per local run, `zhili serve` and test.
 */
const synthesizedTemplates = (): { stateless: Template; stateful: Template } => {
  const outdir = mkdtempSync(join(tmpdir(), 'zhili-synth-'));
  try {
    const { app, stateful, stateless } = buildApp({
      outdir,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    const assembly = app.synth();
    // Read before the directory goes: an artifact reads its template file when first asked.
    return {
      stateless: assembly.getStackByName(stateless.stackName).template as Template,
      stateful: assembly.getStackByName(stateful.stackName).template as Template,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};

export const synthesize = (): Synthesized => {
  const { stateless: statelessTemplate, stateful: statefulTemplate } = synthesizedTemplates();

  const resources = Object.entries(statelessTemplate.Resources);
  const [, machine] = resources.find(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine') ?? [];
  if (!machine) throw new Error('the stateless stack has no state machine');
  const definition = JSON.parse(
    resolveDefinitionString(machine.Properties.DefinitionString),
  ) as StateMachineDefinition;

  const folderOfArn = new Map<string, FunctionFolder>();
  for (const [logicalId, r] of resources) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const env =
      (r.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {};
    const folder = FUNCTION_FOLDERS.find((f) => env.POWERTOOLS_SERVICE_NAME === `zhili-${f}`);
    if (folder) folderOfArn.set(localArn(logicalId), folder);
  }
  const taskFunctions: Record<string, FunctionFolder> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const folder = folderOfArn.get(state.Resource);
    if (!folder)
      throw new Error(`task state ${name} invokes ${state.Resource}, which is not a zhili function`);
    taskFunctions[name] = folder;
  }
  const [, table] =
    Object.entries(statefulTemplate.Resources).find(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable') ?? [];
  if (!table) throw new Error('the stateful stack has no table');
  return { definition, taskFunctions, tableProperties: table.Properties, statelessTemplate };
};
