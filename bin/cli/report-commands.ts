import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { NotFoundError } from '../../functions/shared/domain/errors.ts';
import type { CampaignStore } from '../../functions/shared/domain/ports.ts';
import { instant } from '../../functions/shared/domain/schedule.ts';
import { submitReport } from '../../functions/shared/use-cases/submit-report.ts';
import { isoInstant, readInputFile, withLocalStore as withStoreOfRuntime } from './common.ts';

/** A report's content file: 10,000-character texts and a few fields fit easily in this. */
const MAX_REPORT_FILE_BYTES = 256 * 1024;

/** Runs a report command on one campaign of the local runtime, refusing a campaign it does not hold. */
const withLocalStore = (campaignId: string, json: boolean, act: (store: CampaignStore) => Promise<void>) =>
  withStoreOfRuntime(json, async (store) => {
    if (!(await store.getCampaign(campaignId))) {
      throw new NotFoundError(
        `no campaign "${campaignId}" on the local runtime; launch it with \`zhili launch <file>\``,
      );
    }
    await act(store);
  });

const zoneOf = async (store: CampaignStore, campaignId: string): Promise<string> => {
  const record = await store.getCampaign(campaignId);
  return String((record?.definition as { timeZone?: string } | undefined)?.timeZone ?? 'Asia/Shanghai');
};

/** `zhili report …` and `zhili bulletin`: what liaisons and the office do between the workflow's wakes. */
export const registerReportCommands = (program: Command): void => {
  const report = program.command('report').description('Weekly progress reports (工作进展) of the units');

  report
    .command('submit')
    .description('Submit (or resubmit) a unit’s report for a period; resubmitting keeps the earlier versions')
    .argument('<campaign>', 'campaign id')
    .requiredOption('--unit <id>', 'the reporting unit')
    .requiredOption('--period <date>', 'the period, written as the local date of its cutoff (YYYY-MM-DD)')
    .requiredOption(
      '--file <path>',
      'the report content, YAML or JSON (progress, problems, nextSteps, counts, photos, extra)',
    )
    .option('--as <who>', 'who submits (default: the unit’s liaison)')
    .option('--at <instant>', 'when it is submitted on the virtual clock (default: now)', isoInstant)
    .option('--json', 'machine-readable output')
    .action(
      async (
        campaignId: string,
        opts: { unit: string; period: string; file: string; as?: string; at?: string; json?: boolean },
      ) => {
        const json = Boolean(opts.json);
        await withLocalStore(campaignId, json, async (store) => {
          const content = await readInputFile(opts.file, MAX_REPORT_FILE_BYTES);
          const saved = await submitReport(
            store,
            { campaignId, unitId: opts.unit, period: opts.period, content, actor: opts.as },
            instant(opts.at ?? new Date().toISOString()),
          );
          if (json) console.log(JSON.stringify({ ok: true, report: saved }));
          else {
            const punctuality = saved.onTime
              ? 'on time'
              : `late by ${Math.round(saved.lateBySeconds / 60)} min`;
            console.log(
              `✓ ${opts.unit} · period ${saved.period} · version ${saved.version} · ${punctuality} (cutoff ${saved.cutoff})`,
            );
          }
        });
      },
    );

  report
    .command('list')
    .description('The reports of a period: who is on time, late or has not reported')
    .argument('<campaign>', 'campaign id')
    .requiredOption('--period <date>', 'the period (local date of its cutoff)')
    .option('--json', 'machine-readable output')
    .action(async (campaignId: string, opts: { period: string; json?: boolean }) => {
      const json = Boolean(opts.json);
      await withLocalStore(campaignId, json, async (store) => {
        const [reports, units, zone] = await Promise.all([
          store.listReports(campaignId, opts.period),
          store.listUnits(campaignId),
          zoneOf(store, campaignId),
        ]);
        const byUnit = new Map(reports.map((r) => [r.unitId, r]));
        const rows = units
          .filter((u) => u.reports)
          .map((u) => {
            const r = byUnit.get(u.id);
            return {
              unitId: u.id,
              name: u.name,
              status: !r ? 'missing' : r.onTime ? 'onTime' : 'late',
              version: r?.version ?? 0,
              submittedAt: r?.submittedAt ?? null,
              lateBySeconds: r?.lateBySeconds ?? 0,
            };
          });
        if (json) console.log(JSON.stringify({ ok: true, period: opts.period, reports: rows }));
        else {
          for (const row of rows) {
            const when = row.submittedAt
              ? instant(row.submittedAt).setZone(zone).toFormat('MM-dd HH:mm')
              : '';
            console.log(
              `${row.status.padEnd(8)} v${row.version} ${when.padEnd(11)} ${row.unitId} ${row.name}`,
            );
          }
        }
      });
    });

  program
    .command('bulletin')
    .description('Print a compiled weekly bulletin (情况通报) as Markdown, HTML or CSV')
    .argument('<campaign>', 'campaign id')
    .option('--period <date>', 'the period (default: the latest bulletin)')
    .option('--format <format>', 'md, html or csv', 'md')
    .option('--json', 'the bulletin’s figures as JSON instead of a document')
    .action(async (campaignId: string, opts: { period?: string; format: string; json?: boolean }) => {
      const json = Boolean(opts.json);
      await withLocalStore(campaignId, json, async (store) => {
        const formats: Record<string, string> = { md: 'markdown', html: 'html', csv: 'csv' };
        const key = formats[opts.format];
        if (!key) throw new NotFoundError(`unknown format "${opts.format}"; use md, html or csv`);
        const bulletins = await store.listBulletins(campaignId);
        const bulletin = opts.period ? bulletins.find((b) => b.period === opts.period) : bulletins.at(-1);
        if (!bulletin) {
          throw new NotFoundError(
            opts.period
              ? `no bulletin for period ${opts.period} yet; it is compiled at the period's cutoff (or second stage)`
              : `campaign "${campaignId}" has no bulletin yet`,
          );
        }
        if (json) console.log(JSON.stringify({ ok: true, bulletin }));
        else {
          const file = bulletin.files[key];
          if (!file) throw new NotFoundError(`bulletin ${bulletin.period} has no ${opts.format} document`);
          process.stdout.write(await readFile(file, 'utf8'));
        }
      });
    });
};
