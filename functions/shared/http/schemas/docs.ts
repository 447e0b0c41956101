import * as z from 'zod/mini';
import type { FunctionSchemas } from '../route-schema.ts';

/** The api-docs function's one route: this API's OpenAPI document. */

export const docsSchemas = {
  getOpenApi: {
    response: z.record(z.string(), z.unknown()),
    description: 'The document generated from the route table and the schemas (`npm run openapi`).',
  },
} as const satisfies FunctionSchemas<'api-docs'>;
