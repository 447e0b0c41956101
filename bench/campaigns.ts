import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CampaignDefinition, Unit } from '../functions/shared/domain/definition.ts';
import { parseDefinition, parseDefinitionYaml } from '../functions/shared/domain/load-definition.ts';
import { addCalendarDays } from '../functions/shared/domain/working-days.ts';

/**
 * Benchmark campaigns, made from the shape of examples/safety-production.yaml rather than kept as
 * (huge) YAML: its units repeated in blocks up to the wanted count (a grid keeps its parent
 * community inside its block), its tasks and reporting rule as they are, and the phase dates
 * stretched to the wanted length. The result goes through the same schema as any plan.
 */

const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'safety-production.yaml');

export interface CampaignShape {
  id: string;
  units: number;
  /** Weeks of mobilisation, rectification and inspection; long-term upkeep follows. */
  weeks: { mobilize: number; rectify: number; inspect: number };
}

const renamed = (unit: Unit, block: number): Unit =>
  block === 0
    ? unit
    : {
        ...unit,
        id: `${unit.id}-${block}`,
        name: `${unit.name}（${block + 1}）`,
        parent: unit.parent === undefined ? undefined : `${unit.parent}-${block}`,
      };

export const benchCampaign = async (shape: CampaignShape): Promise<CampaignDefinition> => {
  const example = parseDefinitionYaml(await readFile(EXAMPLE, 'utf8'), EXAMPLE);
  const block = example.organisation.units;
  const units: Unit[] = [];
  for (let b = 0; units.length < shape.units; b++) {
    for (const unit of block) {
      if (units.length === shape.units) break;
      // A grid cut off from its community (the last block may be partial) reports on its own.
      const copy = renamed(unit, b);
      units.push(
        copy.parent && !units.some((u) => u.id === copy.parent)
          ? { ...copy, parent: undefined, reports: true }
          : copy,
      );
    }
  }
  const ids = new Set(units.map((u) => u.id));
  const tasks = example.tasks
    .map((t) => ({ ...t, participants: t.participants.filter((p) => ids.has(p)) }))
    .filter((t) => ids.has(t.lead));

  const start = example.phases.mobilize.start;
  const day = (weeks: number) => addCalendarDays(start, 7 * weeks);
  const lastDay = (weeks: number) => addCalendarDays(start, 7 * weeks - 1);
  const { mobilize, rectify, inspect } = shape.weeks;
  const phases = {
    mobilize: { ...example.phases.mobilize, start: day(0), end: lastDay(mobilize) },
    rectify: { ...example.phases.rectify, start: day(mobilize), end: lastDay(mobilize + rectify) },
    inspect: {
      ...example.phases.inspect,
      start: day(mobilize + rectify),
      end: lastDay(mobilize + rectify + inspect),
    },
    longTerm: { ...example.phases.longTerm, start: day(mobilize + rectify + inspect) },
  };
  // Task due dates inside the stretched calendar: spread over mobilisation and rectification.
  const span = (mobilize + rectify) * 7;
  const dated = tasks.map((t, i) => ({
    ...t,
    due: addCalendarDays(start, Math.round(((i + 1) * span) / (tasks.length + 1))),
  }));
  return parseDefinition(
    {
      ...example,
      id: shape.id,
      organisation: { ...example.organisation, units },
      phases,
      tasks: dated,
    },
    `benchmark campaign ${shape.id}`,
  );
};
