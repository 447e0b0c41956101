import type { BenchCase, Figure } from '../harness.ts';
import { type PlayedCampaign, playBenchCampaign } from '../play.ts';

/**
 * Wall time of whole campaigns played locally (`npm start`'s path): a 16-week campaign with 50
 * units and with 1,000. Their transitions per week show whether the workflow's cost grows with
 * the number of units (it should not much: the work per wake grows, not the wakes).
 */

const localRun: BenchCase = {
  section: 'localRun',
  name: 'localRun',
  async run(ctx) {
    const sizes = ctx.quick ? [3, 6] : [50, 1000];
    const weeks = ctx.quick
      ? { mobilize: 1, rectify: 1, inspect: 1 }
      : { mobilize: 2, rectify: 8, inspect: 2 };
    const played: PlayedCampaign[] = [];
    for (const units of sizes) {
      ctx.log(`  ${units} units`);
      played.push(await playBenchCampaign(ctx, { id: `bench-${units}-units`, units, weeks }));
    }
    const [small] = played;
    const figures: Figure[] = played.flatMap((p): Figure[] => [
      {
        name: `${p.campaignWeeks.toFixed(0)}-week campaign, ${p.units} units: wall time`,
        value: p.wallSeconds,
        unit: 's',
        baseline:
          small && small !== p ? { name: `${small.units} units`, value: small.wallSeconds } : undefined,
      },
      {
        name: `${p.units} units: transitions per campaign-week`,
        value: p.transitions / p.campaignWeeks,
        unit: 'count',
        baseline:
          small && small !== p
            ? { name: `${small.units} units`, value: small.transitions / small.campaignWeeks }
            : undefined,
      },
    ]);
    return { figures, json: { localRun: played } };
  },
};

export default localRun;
