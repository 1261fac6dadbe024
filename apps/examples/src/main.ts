/**
 * The main job (`pnpm demo`): train the 784-128-64-10 MLP on Fashion-MNIST in Keras style with the
 * fastest backend available, showing progress, and print the final test accuracy. Takes the MLP
 * example's options, e.g. `pnpm demo --epochs 3` or `pnpm demo --style torch`.
 */
import { isEntryPoint, runCli } from './cli.js';
import { OPTIONS, main as mlp } from './mlp.js';
import { pct } from './train-utils.js';

/** The accuracy the MLP is expected to reach on the full data in 10 epochs. */
export const TARGET_ACCURACY = 0.87;

if (isEntryPoint(import.meta.url))
  await runCli(
    'pnpm demo',
    'Train the MLP on Fashion-MNIST (the main job).',
    OPTIONS,
    async (o) => {
      const r = await mlp({ style: 'keras', ...o });
      // The target is defined for the full data set and 10 epochs; say nothing about it otherwise.
      const full = r.trainSamples === 60000 && r.testSamples === 10000 && r.epochs.length === 10;
      console.log(
        `\nFinal test accuracy: ${pct(r.testAccuracy)} on ${r.testSamples} test images` +
          (full
            ? ` (target ≥ ${pct(TARGET_ACCURACY)} within 10 epochs: ${r.testAccuracy >= TARGET_ACCURACY ? 'reached' : 'not reached'})`
            : ''),
      );
    },
  );
