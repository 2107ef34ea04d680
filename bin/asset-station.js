#!/usr/bin/env node
// Entry point of the `asset-station` command: runs the TypeScript CLI through tsx's loader, so the
// command works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
