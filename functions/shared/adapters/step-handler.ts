import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { ValidationError } from '../domain/errors.ts';
import { zodIssues } from '../domain/parse-definition.ts';
import type { Logger } from './logger.ts';

/** The first invocation of a container is its cold start. */
let coldStart = true;

/** Every line of an invocation carries its request id, and only its own keys (none left from the last one). */
const logContext = (logger: Logger): MiddlewareObj<unknown, unknown, Error, Context> => ({
  before: (request) => {
    logger.resetKeys();
    logger.appendKeys({ requestId: request.context.awsRequestId, coldStart });
    coldStart = false;
  },
});

/**
 * The one shape of every Lambda here: validate the event with its zod schema (a bad payload is a
 * named ValidationError that Step Functions does not retry), tag the logs with the campaign id,
 * run the use case.
 */
export const stepHandler = <S extends z.ZodMiniType, R>(
  logger: Logger,
  schema: S,
  campaignIdOf: (event: z.infer<S>) => string,
  run: (event: z.infer<S>, context: Context) => Promise<R>,
) =>
  middy(async (raw: unknown, context: Context): Promise<R> => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error);
      throw new ValidationError(
        `invalid event: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
    logger.appendKeys({ campaignId: campaignIdOf(parsed.data) });
    return run(parsed.data, context);
  }).use(logContext(logger));
