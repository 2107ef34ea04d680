/**
 * `asset-station demo` (npm run demo): the main job on the embedded defaults — 4 simulated protocol v1
 * devices and 1 simulated Nordic nRF91 modem on PTYs (or loopback TCP ports where socat is missing), the
 * org emulator, a development CA — provisioned in parallel end to end through the real
 * serial, PKI and jsforce paths, then the records and a QA verify of each device. Run again on the same
 * home, it reports the devices as already provisioned and creates nothing new.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import type { CliContext } from '../context';
import { integerOption } from '../options';
import { DEMO_HOME, DEVICE_TRANSPORT_WORDS, startEmbedded } from '../../dev/embedded';
import { provisionWithProgress, recordsTable, stdoutOutput, verifyBays, verifyLines } from '../run-jobs';
import { countByFamily, deviceFamilies, familyLine } from '../families';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('demo')
    .description(
      'provision simulated devices end to end on the embedded defaults (simulator, org emulator, dev CA)',
    )
    .option('--devices <n>', 'number of simulated protocol v1 devices', '4')
    .option('--modems <n>', 'number of simulated Nordic nRF91 modems (stock firmware, AT commands)', '1')
    .action(async (o: { devices: string; modems: string }) => {
      const c = ctx();
      const count = integerOption(o.devices, '--devices', 1, 64);
      const modemCount = integerOption(o.modems, '--modems', 0, 16);
      // The demo keeps its own data folder (./.station-home) unless told otherwise, so it never touches
      // a real station's home with its demo vault.
      const explicit = program.opts<{ home?: string }>().home ?? process.env.ASSET_STATION_HOME;
      const home = explicit ? c.newHome : path.resolve(DEMO_HOME); // the demo sets up its home
      const out = stdoutOutput(c.json);
      const t0 = Date.now();
      const env = await startEmbedded({ home, devices: count, modems: modemCount, watch: false });
      try {
        const bays = await env.station.listBays({});
        c.info(`Asset Station demo on embedded defaults`);
        c.info(`  home     ${home}`);
        const families = deviceFamilies(bays);
        c.info(`  devices  ${bays.length} simulated ${DEVICE_TRANSPORT_WORDS[env.deviceTransport]}`);
        for (const f of families) c.info(`           ${f.uid.padEnd(20)} ${f.title}`);
        c.info(`  org      emulator at ${env.org.baseUrl} (JWT bearer login as ${env.org.adminUsername})`);
        c.info(`  CA       ${(await env.station.getCaInfo({})).chain.map((x) => x.subject).join(' <- ')}`);
        if (env.demoPassphrase)
          c.info(`  vault    demo passphrase (set ASSET_STATION_VAULT_PASSPHRASE for anything real)`);
        c.info('');
        c.info('Provisioning');
        const { outcomes, records } = await provisionWithProgress(env.station, bays, out);
        c.info('');
        c.info('Records');
        c.info(recordsTable(records));
        c.info('');
        c.info('QA verify');
        const reports = await verifyBays(
          env.station,
          bays.filter((b) => outcomes.find((oc) => oc.bayId === b.id)?.job.state === 'succeeded'),
        );
        c.info(verifyLines(reports));
        const provisioned = outcomes.filter((x) => x.job.state === 'succeeded').length;
        const fresh = outcomes.filter((x) => x.job.state === 'succeeded' && !x.alreadyProvisioned).length;
        const verified = reports.filter((r) => r.passed).length;
        const summary = {
          devices: outcomes.length,
          deviceTransport: env.deviceTransport,
          provisioned,
          newlyProvisioned: fresh,
          alreadyProvisioned: outcomes.filter((x) => x.alreadyProvisioned).length,
          verified,
          failed: outcomes.length - provisioned,
          byFamily: countByFamily(families),
          deviceFamilies: families,
          assetsInOrg: env.org.assets().length,
          seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
        };
        c.info('');
        c.info(
          `${summary.provisioned}/${summary.devices} provisioned (${summary.newlyProvisioned} new, ${summary.alreadyProvisioned} already), ${summary.verified}/${summary.devices} verified, ${summary.assetsInOrg} Assets in the org, ${summary.seconds} s`,
        );
        c.info(familyLine(families, outcomes));
        if (out.json) out.write(JSON.stringify({ type: 'result', summary, records, verify: reports }));
        if (provisioned !== outcomes.length || verified !== outcomes.length) {
          const failed = outcomes.find((x) => x.job.state !== 'succeeded');
          throw new StationError(
            'JOB_STEP_FAILED',
            `${outcomes.length - provisioned} device(s) failed to provision and ${outcomes.length - verified} failed verification.`,
            failed?.job.error?.remedy ?? 'See the step lines above for each failure and its remedy.',
          );
        }
      } finally {
        await env.stop();
      }
    });
}
