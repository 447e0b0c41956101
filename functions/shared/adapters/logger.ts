import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One logger per function; every line carries the campaign id once a handler appends it.
 * The level comes from POWERTOOLS_LOG_LEVEL (or AWS_LAMBDA_LOG_LEVEL), as Powertools reads it.
 */
export const createLogger = (serviceName: string): Logger => new Logger({ serviceName });
