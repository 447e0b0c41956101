import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per function; every line carries the campaign id once a handler appends it. */
export const createLogger = (serviceName: string): Logger =>
  new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
