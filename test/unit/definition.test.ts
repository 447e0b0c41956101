import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type CampaignDefinition,
  type CampaignDefinitionInput,
  type Person,
  phaseGaps,
} from '../../functions/shared/domain/definition.ts';
import { DefinitionError } from '../../functions/shared/domain/errors.ts';
import {
  MAX_DEFINITION_BYTES,
  parseDefinition,
  parseDefinitionYaml,
} from '../../functions/shared/domain/load-definition.ts';

const fixture = (...parts: string[]): string => join(import.meta.dirname, '../fixtures', ...parts);
const example = (name: string): string => join(import.meta.dirname, '../../examples', name);
const loadFile = (path: string): CampaignDefinition => parseDefinitionYaml(readFileSync(path, 'utf8'), path);

/** Runs `act` and returns the DefinitionError it throws; fails the test on anything else. */
const definitionErrorOf = (act: () => unknown): DefinitionError => {
  try {
    act();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('expected a DefinitionError, but nothing was thrown');
};

/** A fresh, mutable copy of the minimal fixture, as the loader would see it before validation. */
const minimalInput = (): CampaignDefinitionInput =>
  parse(readFileSync(fixture('minimal.yaml'), 'utf8')) as CampaignDefinitionInput;

/** Days from `from` to `to` (calendar dates, YYYY-MM-DD). */
const daysBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 86_400_000;

const everyone = (def: CampaignDefinition): Person[] => {
  const { leadingGroup, office, units } = def.organisation;
  return [
    leadingGroup.leader,
    ...leadingGroup.deputies,
    ...leadingGroup.members,
    office.head,
    ...office.staff,
    ...units.flatMap((unit) => [unit.leader, unit.liaison, ...unit.gridWorkers]),
  ];
};

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** Shape every example must have, whatever its theme. */
const expectWellFormedExample = (def: CampaignDefinition): void => {
  expect(def.timeZone).toBe('Asia/Shanghai');
  expect(def.acceptance.passScore).toBe(80);
  expect(def.organisation.leadingGroup.deputies.length).toBeGreaterThan(0);
  expect(def.organisation.leadingGroup.members.length).toBeGreaterThan(0);
  expect(def.organisation.office.staff.length).toBeGreaterThan(0);
  for (const person of everyone(def)) {
    expect(person.title, person.name).toBeTruthy();
    expect(person.phone, person.name).toMatch(MAINLAND_MOBILE);
  }
  expect(everyone(def).some((p) => p.email || p.wecomUserId || p.dingtalkUserId)).toBe(true);
  expect(phaseGaps(def)).toEqual([]);
  for (const phase of Object.values(def.phases)) expect(phase.start.startsWith('2027-')).toBe(true);
  for (const task of def.tasks) {
    expect(task.participants.length, task.id).toBeGreaterThan(0);
    expect(task.due >= def.phases.mobilize.start && task.due <= def.phases.inspect.end, task.id).toBe(true);
  }
};

describe('examples/safety-production.yaml (plan 1 / plan 22)', () => {
  const path = example('safety-production.yaml');

  it('parses into a well-formed safety-production campaign', () => {
    // Prepare
    const text = readFileSync(path, 'utf8');

    // Act
    const def = parseDefinitionYaml(text, path);

    // Assess
    expect(def.id).toBe('safety-2027');
    expect(def.theme).toBe('safetyProduction');
    expectWellFormedExample(def);
  });

  it('reports weekly, every Monday before 13:00, to the street safety office in rectify and inspect', () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const { reporting } = def;

    // Assess
    expect(reporting).toMatchObject({ cadence: 'weekly', cutoff: { weekday: 'monday', time: '13:00' } });
    expect(reporting.submitTo).toContain('安委办');
    expect(reporting.phases).toEqual(['rectify', 'inspect']);
  });

  it('has a calendar of about 2–3 weeks mobilising, 8 weeks rectifying and 3 weeks inspecting', () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const { mobilize, rectify, inspect } = def.phases;
    const lengths = [mobilize, rectify, inspect].map((p) => daysBetween(p.start, p.end) + 1);

    // Assess
    expect(lengths[0]).toBeGreaterThanOrEqual(14);
    expect(lengths[0]).toBeLessThanOrEqual(21);
    expect(lengths[1]).toBeGreaterThanOrEqual(52);
    expect(lengths[1]).toBeLessThanOrEqual(60);
    expect(lengths[2]).toBeGreaterThanOrEqual(18);
    expect(lengths[2]).toBeLessThanOrEqual(24);
  });

  it('has 5–8 tasks carried by the police station, market supervision, fire station and communities', () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const unitName = new Map(def.organisation.units.map((u) => [u.id, u.name]));
    const leads = def.tasks.map((t) => unitName.get(t.lead) ?? '');

    // Assess
    expect(def.tasks.length).toBeGreaterThanOrEqual(5);
    expect(def.tasks.length).toBeLessThanOrEqual(8);
    expect(leads.some((name) => name.includes('派出所'))).toBe(true);
    expect(leads.some((name) => name.includes('市场监督管理所'))).toBe(true);
    expect(leads.some((name) => name.includes('消防'))).toBe(true);
    expect(def.organisation.units.filter((u) => u.kind === 'community')).toHaveLength(3);
  });
});

describe('examples/estate-environment.yaml (plan 9, sized by plan 24, reporting of plan 6)', () => {
  const path = example('estate-environment.yaml');

  it('parses into a well-formed estate campaign', () => {
    // Prepare
    const text = readFileSync(path, 'utf8');

    // Act
    const def = parseDefinitionYaml(text, path);

    // Assess
    expect(def.theme).toBe('environment');
    expectWellFormedExample(def);
  });

  it("keeps plan 9's calendar and phase names, moved to 2027", () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const { mobilize, rectify, inspect, longTerm } = def.phases;

    // Assess
    expect(mobilize).toMatchObject({ start: '2027-05-06', end: '2027-05-14', name: '动员部署' });
    expect(rectify).toMatchObject({ start: '2027-05-15', end: '2027-07-15', name: '集中整治' });
    expect(inspect).toMatchObject({ start: '2027-07-16', end: '2027-08-16', name: '整改提升' });
    expect(longTerm).toMatchObject({ start: '2027-08-17', name: '长效管理' });
    for (const phase of [mobilize, rectify, inspect, longTerm]) expect(phase.notice).toBeTruthy();
  });

  it('has 2 communities, 17 grids inside them and 27 grid workers (plan 24)', () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const units = def.organisation.units;
    const communities = new Set(units.filter((u) => u.kind === 'community').map((u) => u.id));
    const grids = units.filter((u) => u.kind === 'grid');
    const gridWorkers = grids.reduce((sum, grid) => sum + grid.gridWorkers.length, 0);

    // Assess
    expect(communities.size).toBe(2);
    expect(grids).toHaveLength(17);
    expect(gridWorkers).toBe(27);
    for (const grid of grids) {
      expect(communities.has(grid.parent ?? ''), grid.id).toBe(true);
      expect(
        grid.gridWorkers.map((w) => w.name),
        grid.id,
      ).toContain(grid.liaison.name);
    }
    expect(units.filter((u) => u.reports).length).toBeGreaterThanOrEqual(8);
  });

  it('names the departments for urban management, housing and market supervision, and property companies', () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const departments = def.organisation.units.filter((u) => u.kind === 'department').map((u) => u.name);
    const propertyCompanies = def.organisation.units.filter((u) => u.kind === 'propertyCompany');

    // Assess
    expect(departments.some((name) => name.includes('城管'))).toBe(true);
    expect(departments.some((name) => name.includes('住建'))).toBe(true);
    expect(departments.some((name) => name.includes('市场监督管理'))).toBe(true);
    expect(propertyCompanies.length).toBeGreaterThanOrEqual(2);
  });

  it('reports by Friday 12:00, with the office bulletin to the leading group on Monday 17:30 (plan 6)', () => {
    // Prepare
    const def = loadFile(path);

    // Act
    const { reporting } = def;

    // Assess
    expect(reporting).toMatchObject({
      cadence: 'weekly',
      cutoff: { weekday: 'friday', time: '12:00' },
      secondStage: { weekday: 'monday', time: '17:30' },
      phases: ['rectify', 'inspect'],
    });
  });
});

describe('parseDefinitionYaml with test/fixtures/minimal.yaml', () => {
  it('parses the minimal campaign: 3 units, weekly Monday 13:00 cutoff, phases in 2027', () => {
    // Prepare
    const path = fixture('minimal.yaml');
    const text = readFileSync(path, 'utf8');

    // Act
    const def = parseDefinitionYaml(text, path);

    // Assess
    expect(def.organisation.units).toHaveLength(3);
    expect(def.reporting).toMatchObject({ cadence: 'weekly', cutoff: { weekday: 'monday', time: '13:00' } });
    expect(def.phases.mobilize.start).toBe('2027-02-22');
    expect(def.tasks).toHaveLength(3);
  });

  it('applies the defaults: Asia/Shanghai, reminders 24 h and 2 h before, pass score 80', () => {
    // Prepare
    const path = fixture('minimal.yaml');

    // Act
    const def = loadFile(path);

    // Assess
    expect(def.timeZone).toBe('Asia/Shanghai');
    expect(def.reporting.reminderHoursBefore).toEqual([24, 2]);
    expect(def.reporting.phases).toEqual(['rectify', 'inspect']);
    expect(def.acceptance).toEqual({
      passScore: 80,
      praiseScore: 90,
      checklist: [],
      maxReRectifyRounds: 2,
      reRectifyDays: 14,
      reInspectDays: 7,
    });
    expect(def.organisation.leadingGroup).toMatchObject({ name: '领导小组', deputies: [], members: [] });
    expect(def.phases.longTerm).toMatchObject({ checkDay: 1, checkTime: '09:00' });
    expect(def.organisation.units[0]).toMatchObject({ reports: true, gridWorkers: [] });
    expect(def.tasks[2]?.participants).toEqual([]);
  });

  it('fills the rest of a partly written acceptance block with defaults', () => {
    // Prepare
    const input = minimalInput();
    input.acceptance = { maxReRectifyRounds: 1 };

    // Act
    const def = parseDefinition(input, 'partial-acceptance');

    // Assess
    expect(def.acceptance).toEqual({
      passScore: 80,
      praiseScore: 90,
      checklist: [],
      maxReRectifyRounds: 1,
      reRectifyDays: 14,
      reInspectDays: 7,
    });
  });
});

describe('parseDefinitionYaml with bad fixtures', () => {
  const cases = [
    { file: 'phases-out-of-order.yaml', path: 'phases.inspect.start', message: /out of order/ },
    { file: 'unknown-task-unit.yaml', path: 'tasks[2].lead', message: /unknown unit "fire-brigade"/ },
    {
      file: 'duplicate-unit.yaml',
      path: 'organisation.units[4].id',
      message: /duplicate unit id "dongfeng-community"/,
    },
    { file: 'impossible-date.yaml', path: 'phases.mobilize.end', message: /real calendar date/ },
    { file: 'cutoff-25h.yaml', path: 'reporting.cutoff.time', message: /time of day/ },
    { file: 'unknown-timezone.yaml', path: 'timeZone', message: /IANA time zone/ },
  ] as const;

  it.each(cases)('refuses $file, naming the file and $path', ({ file, path, message }) => {
    // Prepare
    const source = fixture('bad', file);
    const text = readFileSync(source, 'utf8');

    // Act
    const error = definitionErrorOf(() => parseDefinitionYaml(text, source));

    // Assess
    expect(error.name).toBe('DefinitionError');
    expect(error.source).toBe(source);
    expect(error.message).toContain(source);
    expect(error.message).toContain(`${path}: `);
    expect(error.issues).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('refuses not-yaml.yaml as invalid YAML, naming the file and the line', () => {
    // Prepare
    const source = fixture('bad', 'not-yaml.yaml');
    const text = readFileSync(source, 'utf8');

    // Act
    const error = definitionErrorOf(() => parseDefinitionYaml(text, source));

    // Assess
    expect(error.message).toContain(source);
    expect(error.issues.length).toBeGreaterThan(0);
    expect(error.issues[0]).toEqual({
      path: '',
      message: expect.stringMatching(/^not valid YAML: .*line \d+/),
    });
  });

  it('refuses a mapping with a duplicated key instead of keeping the last value', () => {
    // Prepare
    const source = 'duplicate-key.yaml';
    const text = readFileSync(fixture('minimal.yaml'), 'utf8').replace(
      'theme: safetyProduction\n',
      'theme: safetyProduction\ntheme: environment\n',
    );

    // Act
    const error = definitionErrorOf(() => parseDefinitionYaml(text, source));

    // Assess
    expect(error.message).toContain(source);
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/unique/) }]);
  });

  it('refuses a document that is not a mapping', () => {
    // Prepare
    const source = 'list.yaml';

    // Act
    const error = definitionErrorOf(() => parseDefinitionYaml('- 动员部署\n- 集中整治\n', source));

    // Assess
    expect(error.message).toContain(source);
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/expected a YAML mapping/) }]);
  });
});

describe('parseDefinitionYaml resource limits', () => {
  it('refuses the alias bomb without expanding it', () => {
    // Prepare
    const source = fixture('bad', 'alias-bomb.yaml');
    const text = readFileSync(source, 'utf8');

    // Act
    const error = definitionErrorOf(() => parseDefinitionYaml(text, source));

    // Assess
    expect(error.message).toContain(source);
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/alias/i) }]);
  });

  it('refuses a file over 1 MiB before parsing it', () => {
    // Prepare
    const source = 'huge.yaml';
    const minimal = readFileSync(fixture('minimal.yaml'), 'utf8');
    const padding = `# ${'填充'.repeat(Math.ceil(MAX_DEFINITION_BYTES / 6) + 1)}\n`;
    const text = minimal + padding;

    // Act
    const error = definitionErrorOf(() => parseDefinitionYaml(text, source));

    // Assess
    expect(Buffer.byteLength(text, 'utf8')).toBeGreaterThan(1024 * 1024);
    expect(error.message).toContain(source);
    expect(error.issues).toEqual([{ path: '', message: expect.stringMatching(/limit is 1048576 bytes/) }]);
  });
});

describe('phase boundaries (CampaignDefinition cross-field rules)', () => {
  it("accepts plan 8's shared boundary days: a phase begins on the day the previous one ends", () => {
    // Prepare
    // Plan 8 has no inspection phase; one is inserted that shares its boundary days the same way.
    const input = minimalInput();
    input.phases = {
      mobilize: { start: '2027-02-12', end: '2027-02-24', name: '宣传发动' },
      rectify: { start: '2027-02-24', end: '2027-03-28', name: '排查推进、全面实施' },
      inspect: { start: '2027-03-28', end: '2027-04-09', name: '检查验收' },
      longTerm: { start: '2027-04-09', name: '巩固提高' },
    };
    input.tasks = [];

    // Act
    const def = parseDefinition(input, 'plan-8-boundaries');

    // Assess
    expect(def.phases.rectify.start).toBe(def.phases.mobilize.end);
    expect(def.phases.longTerm.start).toBe(def.phases.inspect.end);
    expect(phaseGaps(def)).toEqual([]);
  });

  it('refuses a phase that starts the day before the previous one ends', () => {
    // Prepare
    const input = minimalInput();
    input.phases.rectify = { start: '2027-02-27', end: '2027-03-21' };

    // Act
    const error = definitionErrorOf(() => parseDefinition(input, 'overlap'));

    // Assess
    expect(error.message).toContain('overlap');
    expect(error.issues.map((i) => i.path)).toEqual(['phases.rectify.start']);
  });

  it('refuses a phase that ends before it starts', () => {
    // Prepare
    const input = minimalInput();
    input.phases.inspect = { start: '2027-03-22', end: '2027-03-20' };

    // Act
    const error = definitionErrorOf(() => parseDefinition(input, 'backwards'));

    // Assess
    expect(error.issues.map((i) => i.path)).toContain('phases.inspect.end');
  });
});

describe('phaseGaps', () => {
  it('reports the days without a phase between inspection and long-term management', () => {
    // Prepare
    const input = minimalInput();
    input.phases.longTerm = { start: '2027-04-05' };
    const def = parseDefinition(input, 'gap');

    // Act
    const gaps = phaseGaps(def);

    // Assess
    expect(gaps).toEqual([
      '7 day(s) without a phase between inspect (ends 2027-03-28) and longTerm (starts 2027-04-05)',
    ]);
  });

  it('reports every gap, in phase order', () => {
    // Prepare
    const input = minimalInput();
    input.phases = {
      mobilize: { start: '2027-03-16', end: '2027-03-25' },
      rectify: { start: '2027-04-01', end: '2027-10-10' },
      inspect: { start: '2027-10-20', end: '2027-10-30' },
      longTerm: { start: '2027-10-31' },
    };
    input.tasks = [];
    const def = parseDefinition(input, 'plan-10-like');

    // Act
    const gaps = phaseGaps(def);

    // Assess
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toMatch(/^6 day\(s\) .* mobilize .* rectify/);
    expect(gaps[1]).toMatch(/^9 day\(s\) .* rectify .* inspect/);
  });

  it('reports nothing when the phases follow each other day by day', () => {
    // Prepare
    const def = loadFile(fixture('minimal.yaml'));

    // Act
    const gaps = phaseGaps(def);

    // Assess
    expect(gaps).toEqual([]);
  });
});
