/**
 * The `sim` command group, shared by the files that add a command to it (`sim device` in
 * ./sim-device.ts, `sim org` in ./sim-org.ts): created by the first, found by the others.
 */
import type { Command } from 'commander';

/** The program's `sim` group (created on first use). */
export function simGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'sim') ??
    program.command('sim').description('simulators of what is not on the bench')
  );
}
