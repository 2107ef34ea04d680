/**
 * The list of CLI commands. Each entry registers one command (or one command group) on the program.
 * Add a command: write cli/commands/<name>.ts exporting `register`, and list it here.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { register as info } from './info';
import { register as ports } from './ports';
import { register as journal } from './journal';
import { register as audit } from './audit';
import { register as demo } from './demo';
import { register as web } from './web';
import { register as provision } from './provision';
import { register as simDevice } from './sim-device';
import { register as simNrf91 } from './sim-nrf91';
import { register as conformance } from './conformance';
import { register as ca } from './ca';
import { register as simOrg } from './sim-org';
import { register as org } from './org';
import { register as admin } from './admin';
import { register as operator } from './operator';
import { register as onboard } from './onboard';
import { register as config } from './config';
import { register as report } from './report';
import { register as lot } from './lot';
import { register as jobs } from './jobs';

/** Registers a command on `program`; `ctx()` gives the global context when the command runs. */
export type RegisterCommand = (program: Command, ctx: () => CliContext) => void;

export const COMMANDS: RegisterCommand[] = [
  demo,
  provision,
  info,
  ports,
  journal,
  audit,
  web,
  simDevice,
  simNrf91,
  conformance,
  ca,
  simOrg,
  org,
  admin,
  operator,
  onboard,
  config,
  report,
  lot,
  jobs,
];
