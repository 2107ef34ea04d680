/**
 * Fault switches of the device simulator (issue 3): each one imitates something real UART links and
 * real firmware do. All can be set at start and changed at run time through the SimHandle.
 */
import type { CommandName } from '../../shared/protocol';

export interface DeviceFaults {
  /** On every (re)boot: garbage bytes (ROM output at another baud rate) and ROM/app log lines. */
  bootNoise?: boolean;
  /** Firmware log lines interleaved with frames on the same UART. */
  logNoise?: boolean;
  /** Probability (0..1) per byte, each direction, that one bit of the byte flips. */
  corruptRate?: number;
  /** Probability (0..1) per byte, each direction, that the byte is lost. */
  dropRate?: number;
  /** Device output is written in small random pieces with short gaps. */
  splitWrites?: boolean;
  /** The device resets (port disappears, then returns at the same path) when it receives this command. */
  resetOn?: { command: CommandName; downMs?: number; once?: boolean };
  /**
   * The device answers this command with a stray frame instead (an OK carrying an id no request had: a
   * protocol error for the station) and does not run it (issue 11: the garbled-frame recovery path).
   */
  strayOn?: { command: CommandName; once?: boolean };
  /**
   * GET_CERT lies about the stored chain (issue 11, chain read-back): `extra-cert` returns it with a bogus
   * certificate appended (the last one with its final signature byte changed), `leaf-only` returns only
   * the leaf (firmware that keeps no CA certificates). The stored chain itself is unchanged.
   */
  getCertLie?: 'extra-cert' | 'leaf-only';
  /** Extra delay in ms before every response (no PROG frames meanwhile). */
  slowMs?: number;
  /** The device never answers these commands (true = any command). */
  noResponse?: boolean | CommandName[];
  /** When locked, also refuse PUT_CERT and SET_ASSET (not just KEYGEN), as some firmware does. */
  refuseWhenLocked?: boolean;
}
