import { type Command, InvalidArgumentError, Option } from 'commander';
import { BULLETIN_FORMATS } from '../../functions/shared/http/schemas/work.ts';
import { ApiError } from './api-client.ts';
import { EXIT, readInputFile, UsageError } from './common.ts';
import { type ApiOptions, emit, withApi, withApiOptions } from './connection.ts';
import { localTime, zoneOf } from './format.ts';

/**
 * `zhili report submit|list`, `bulletin`, `inspect`, `task done`: what liaisons, inspectors and the
 * office do between the workflow's wakes, through the API (api-work). The actor is the token's person.
 */

/** A report's content file: the API takes bodies up to 256 KB. */
const MAX_REPORT_FILE_BYTES = 256 * 1024;

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const score = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected points, e.g. 85');
  return n;
};

/** `--item fire-exits=18`: a checklist item's points. */
const checklistItems = (items: string[]): Record<string, number> =>
  Object.fromEntries(
    items.map((item) => {
      const match = /^([^=\s]+)=(.+)$/.exec(item);
      const points = Number(match?.[2]);
      if (!match?.[1] || !Number.isFinite(points))
        throw new UsageError(
          `--item ${item}: write the item's key and its points, e.g. --item fire-exits=18`,
        );
      return [match[1], points];
    }),
  );

export const registerWorkCommands = (program: Command): void => {
  const report = program.command('report').description('Weekly progress reports (工作进展) of the units');

  withApiOptions(
    report
      .command('submit')
      .description('Submit (or revise) a unit’s report for a period; the earlier versions are kept')
      .argument('<campaign>', 'campaign id')
      .requiredOption('--unit <id>', 'the reporting unit (a liaison: their own)')
      .requiredOption('--period <date>', 'the period, written as the local date of its cutoff (YYYY-MM-DD)')
      .requiredOption(
        '--file <path>',
        'the report content, YAML or JSON (progress, problems, nextSteps, counts, photos, extra)',
      ),
  ).action(async (campaignId: string, opts: ApiOptions & { unit: string; period: string; file: string }) =>
    withApi(opts, async (api) => {
      const content = await readInputFile(opts.file, MAX_REPORT_FILE_BYTES);
      const { raw, data } = await api.call('submitReport', {
        params: { campaignId },
        body: { unitId: opts.unit, period: opts.period, content },
      });
      emit(opts, raw, () => {
        const punctuality = data.onTime ? 'on time' : `late by ${Math.round(data.lateBySeconds / 60)} min`;
        console.log(
          `✓ ${data.unitId} · period ${data.period} · version ${data.version} · ${punctuality} (cutoff ${data.cutoff}) · by ${data.submittedBy}`,
        );
      });
    }),
  );

  withApiOptions(
    report
      .command('list')
      .description(
        'The reports, per period and unit; with --period, who is on time, late or has not reported',
      )
      .argument('<campaign>', 'campaign id')
      .option('--period <date>', 'one period (the local date of its cutoff)')
      .option('--unit <id>', 'one unit'),
  ).action(async (campaignId: string, opts: ApiOptions & { period?: string; unit?: string }) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('listReports', {
        params: { campaignId },
        query: { period: opts.period, unitId: opts.unit },
      });
      if (opts.json) return emit(opts, raw, () => {});
      const zone = await zoneOf(api, campaignId);
      const line = (status: string, version: number, at: string | undefined, unit: string, more = '') =>
        console.log(`${status.padEnd(8)} v${version} ${localTime(at, zone).padEnd(16)} ${unit}${more}`);
      if (!opts.period) {
        for (const r of data.reports)
          line(r.onTime ? 'onTime' : 'late', r.version, r.submittedAt, r.unitId, `  ${r.period}`);
        console.log(`${data.reports.length} report(s)`);
        return;
      }
      // One period: every reporting unit, those without a report too.
      const units = (await api.call('listUnits', { params: { campaignId } })).data.units.filter(
        (u) => u.reports && (!opts.unit || u.id === opts.unit),
      );
      const byUnit = new Map(data.reports.map((r) => [r.unitId, r]));
      for (const unit of units) {
        const r = byUnit.get(unit.id);
        line(
          r ? (r.onTime ? 'onTime' : 'late') : 'missing',
          r?.version ?? 0,
          r?.submittedAt,
          unit.id,
          `  ${unit.name}`,
        );
      }
    }),
  );

  withApiOptions(
    program
      .command('bulletin')
      .description(
        'A weekly bulletin (情况通报): the document as Markdown, HTML or CSV, or its figures as JSON',
      )
      .argument('<campaign>', 'campaign id')
      .option('--period <date>', 'the period (default: the latest bulletin)')
      .addOption(
        new Option('--format <format>', 'md, html, csv or json').choices([...BULLETIN_FORMATS]).default('md'),
      ),
  ).action(async (campaignId: string, opts: ApiOptions & { period?: string; format: string }) =>
    withApi(opts, async (api) => {
      let period = opts.period;
      if (!period) {
        const { bulletins } = (await api.call('listBulletins', { params: { campaignId } })).data;
        period = bulletins
          .map((b) => b.period)
          .sort()
          .at(-1);
        if (!period) {
          throw new ApiError(
            {
              error: 'NotFound',
              message: `campaign "${campaignId}" has no bulletin yet; the first is compiled at the first cutoff`,
            },
            EXIT.badInput,
            false,
          );
        }
      }
      if (opts.json || opts.format === 'json') {
        const { raw } = await api.call('getBulletin', { params: { campaignId, period } });
        console.log(JSON.stringify(raw, null, 2));
        return;
      }
      const text = await api.document('getBulletin', {
        params: { campaignId, period },
        query: { format: opts.format },
      });
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    }),
  );

  withApiOptions(
    program
      .command('inspect')
      .description(
        'Score a unit at the acceptance inspection (检查验收; admin, office): --score, or --item per checklist item',
      )
      .argument('<campaign>', 'campaign id')
      .requiredOption('--unit <id>', 'the inspected unit')
      .option('--score <points>', 'the overall score, 0–100', score)
      .option(
        '--item <key=points>',
        "a checklist item's points (repeatable); the score is their sum",
        collect,
      )
      .option('--round <n>', 'the acceptance round (default: the current one)', (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a round, 0 or more');
        return n;
      })
      .option('--notes <text>', "the inspector's notes"),
  ).action(
    async (
      campaignId: string,
      opts: ApiOptions & { unit: string; score?: number; item?: string[]; round?: number; notes?: string },
    ) =>
      withApi(opts, async (api) => {
        if (opts.score === undefined && !opts.item)
          throw new UsageError('give --score, or --item <key=points> for each checklist item');
        const { raw, data } = await api.call('recordInspection', {
          params: { campaignId },
          body: {
            unitId: opts.unit,
            ...(opts.score !== undefined ? { score: opts.score } : {}),
            ...(opts.item ? { items: checklistItems(opts.item) } : {}),
            ...(opts.round !== undefined ? { round: opts.round } : {}),
            ...(opts.notes ? { notes: opts.notes } : {}),
          },
        });
        emit(opts, raw, () =>
          console.log(`✓ ${data.unitId} scored ${data.score} in round ${data.round} by ${data.inspector}`),
        );
      }),
  );

  const task = program.command('task').description("The campaign's tasks (工作任务)");
  withApiOptions(
    task
      .command('done')
      .description('Mark a task done (a liaison or grid worker: a task their unit leads)')
      .argument('<campaign>', 'campaign id')
      .argument('<task>', 'task id'),
  ).action(async (campaignId: string, taskId: string, opts: ApiOptions) =>
    withApi(opts, async (api) => {
      const { raw, data } = await api.call('completeTask', { params: { campaignId, taskId }, body: {} });
      if (opts.json) return emit(opts, raw, () => {});
      const zone = await zoneOf(api, campaignId);
      console.log(`✓ task ${data.id} (${data.title}) done at ${localTime(data.doneAt, zone)}`);
    }),
  );
};
