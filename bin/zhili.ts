#!/usr/bin/env -S npx tsx
import { zhiliProgram } from './cli/program.ts';

/**
 * zhili, the administrator's command (bin/cli/program.ts has the commands). Exit codes: 0 ok,
 * 1 refused input (nothing written), 2 usage, 3 runtime, 4 not signed in or not allowed.
 */
await zhiliProgram().parseAsync();
