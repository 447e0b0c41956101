#!/usr/bin/env -S npx tsx
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openApiText } from '../functions/shared/http/openapi.ts';
import packageJson from '../package.json' with { type: 'json' };

/** `npm run openapi`: writes the OpenAPI document generated from the route table and the zod schemas. */
const file = join(import.meta.dirname, '..', 'openapi.json');
await writeFile(file, openApiText(packageJson.version), 'utf8');
console.log(`✓ ${file}`);
