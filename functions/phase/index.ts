import { storeFromEnv } from '../shared/adapters/aws-deps.ts';
import { createLogger } from '../shared/adapters/logger.ts';
import { makePhaseHandler } from './handler.ts';

export const handler = makePhaseHandler({ store: storeFromEnv(), logger: createLogger('zhili-phase') });
