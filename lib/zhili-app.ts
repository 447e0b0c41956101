import { App, type AppProps } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/** Builds the whole app; bin/app.ts, the tests and the local runtime all use this one function. */
export const buildApp = (props: AppProps = {}) => {
  const app = new App(props);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, 'ZhiliStateful', {
    env,
    description: 'zhili: campaign table and bulletin documents (retained)',
  });
  const stateless = new StatelessStack(app, 'ZhiliStateless', {
    env,
    table: stateful.table,
    bulletins: stateful.bulletins,
    userPool: stateful.staff.userPool,
    senderDomain: app.node.tryGetContext('zhili:senderDomain') as string | undefined,
    description: 'zhili: functions, campaign state machine, HTTP API, notifications',
  });
  return { app, stateful, stateless };
};
