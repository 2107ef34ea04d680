/**
 * zod 4 probes for eval support (`new Function('')`) before its first parse, to pick its JIT parser.
 * Under the renderer's CSP (no 'unsafe-eval') that probe is a reported violation; jitless mode skips
 * it. Imported first by main.tsx so it runs before any schema parses.
 */
import { z } from 'zod';

z.config({ jitless: true });
