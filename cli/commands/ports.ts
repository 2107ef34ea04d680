/** `asset-station ports`: serial ports seen by serialport (USB VID/PID and serial number where known). */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { listSerialPorts } from '../../core/device/discovery';

export function register(program: Command, ctx: () => CliContext): void {
  program
    .command('ports')
    .description('list serial ports (USB VID:PID and serial number where known)')
    .action(async () => {
      const c = ctx();
      const ports = await listSerialPorts();
      c.result(ports, (list) =>
        list.length === 0
          ? 'No serial ports found. Plug a device in, or check the dialout group / udev rules (docs/operations.md).'
          : list
              .map((p) =>
                [
                  p.locator,
                  p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : '',
                  p.serialNumber ?? '',
                  p.manufacturer ?? '',
                ]
                  .filter(Boolean)
                  .join('  '),
              )
              .join('\n'),
      );
    });
}
