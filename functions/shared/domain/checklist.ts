import type { ChecklistItem } from './definition.ts';
import { ValidationError } from './errors.ts';

/**
 * Scoring against the campaign's checklist: an inspector gives points per item (at most the item's
 * points); the unit's score is their sum, so a checklist whose points add up to 100 scores 0–100.
 */
export const scoreChecklist = (checklist: ChecklistItem[], items: Record<string, number>): number => {
  const known = new Map(checklist.map((i) => [i.id, i]));
  const issues = [
    ...Object.keys(items)
      .filter((id) => !known.has(id))
      .map((id) => ({ path: `items.${id}`, message: `"${id}" is not an item of the campaign's checklist` })),
    ...checklist
      .filter((i) => items[i.id] === undefined)
      .map((i) => ({ path: `items.${i.id}`, message: `no points given for "${i.item}"` })),
    ...checklist
      .filter((i) => {
        const given = items[i.id];
        return given !== undefined && !(given >= 0 && given <= i.points);
      })
      .map((i) => ({ path: `items.${i.id}`, message: `${items[i.id]} is outside 0–${i.points} points` })),
  ];
  if (issues.length > 0) {
    throw new ValidationError(
      `inspection does not fit the checklist: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return Math.round(checklist.reduce((n, i) => n + (items[i.id] ?? 0), 0) * 100) / 100;
};

/** Points per item that add up to `score`: full marks, with the shortfall taken from the items in order (simulations). */
export const itemsForScore = (checklist: ChecklistItem[], score: number): Record<string, number> => {
  let shortfall = Math.max(0, 100 - score);
  return Object.fromEntries(
    checklist.map((i) => {
      const off = Math.min(i.points, shortfall);
      shortfall -= off;
      return [i.id, i.points - off];
    }),
  );
};
