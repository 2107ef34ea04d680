/** `asset-station info`: station identity, home and versions. */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { Station } from '../../core/station';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('info')
    .description('show the station ID, data folder and versions')
    .action(async () => {
      const c = ctx();
      const station = await Station.open({ home: c.home, transport: 'in-process' });
      try {
        const info = await station.getStationInfo({});
        c.result(info, (i) =>
          [
            `station   ${i.stationId}`,
            `version   ${i.version}`,
            `home      ${i.home}`,
            `protocol  v${i.protocolVersion}`,
          ].join('\n'),
        );
      } finally {
        await station.close();
      }
    });
}
