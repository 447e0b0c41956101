import { describe, expect, it } from 'vitest';
import { loadCases, SECTIONS } from '../../bench/harness.ts';
import { runBench } from '../../bench/run.ts';
import { ALL_FUNCTION_FOLDERS } from '../../lib/project-function.ts';
import { sharedDb } from '../support/local-db.ts';

/** The benchmark runs end to end in its smoke mode (tiny campaigns, one import per bundle). No timings are asserted. */
describe('npm run bench (smoke mode)', () => {
  it('finds its cases in bench/cases, one per section at least', async () => {
    const cases = await loadCases();
    const sections = new Set(cases.map((c) => c.section));
    for (const section of SECTIONS) expect(sections).toContain(section);
  });

  it('measures every Lambda and plays campaigns through the state machine', {
    timeout: 180_000,
  }, async () => {
    const { rows, results } = await runBench({ quick: true, db: sharedDb() });

    const functions = results.functions as { name: string; bundleBytes: number; importMs: number }[];
    expect(functions.map((f) => f.name)).toEqual([...ALL_FUNCTION_FOLDERS]);
    for (const f of functions) {
      expect(f.bundleBytes).toBeGreaterThan(0);
      expect(f.importMs).toBeGreaterThan(0);
    }
    const stepFunctions = results.stepFunctions as {
      campaign: { transitions: number; historyEvents: number };
    };
    expect(stepFunctions.campaign.transitions).toBeGreaterThan(0);
    expect(stepFunctions.campaign.historyEvents).toBeGreaterThan(stepFunctions.campaign.transitions);
    expect(results.localRun).toHaveLength(2);
    const deadline = results.deadlineCheck as { checkReadUnits: number; scanReadUnits: number };
    expect(deadline.checkReadUnits).toBeGreaterThan(0);
    const bulletin = results.bulletin as { units: number; readCapacity: number; scans: number };
    expect(bulletin.readCapacity).toBeGreaterThan(0);
    expect(bulletin.scans).toBe(0);
    for (const row of rows) expect(Number.isFinite(row.value)).toBe(true);
  });
});
