/**
 * Process-wide settings, read and changed with one function. Small on purpose: each option is
 * documented on the guide page of the feature it controls. Arguments are checked by the shared
 * signature mechanism (check/args.ts), before anything changes.
 */
import { setWarnLeaks, warnLeaksEnabled } from './autograd/leaks.js';
import { guard, sig } from './check/args.js';
import { bool, options } from './check/spec.js';

/** Process-wide settings, read and changed with `fl.config()`. */
export interface Config {
  /**
   * Warn once when the live-tensor count keeps rising across `backward()` calls, the sign of a
   * training loop without `fl.tidy` (default true; setting it to true again re-arms the warning).
   */
  warnLeaks: boolean;
}

function configure(opts?: Partial<Config>): Config {
  if (opts?.warnLeaks !== undefined) setWarnLeaks(opts.warnLeaks);
  return { warnLeaks: warnLeaksEnabled() };
}

/**
 * Change the settings named in `opts` and return all of them.
 * @example
 * fl.config({ warnLeaks: false }); // a loop that keeps a tensor per step on purpose
 * fl.config().warnLeaks; // false
 */
export const config = guard(sig('fl.config', { opts: options({ warnLeaks: bool }) }), configure);
