/**
 * Whether a data test should run. With the data set installed: yes. Without it: yes as well, so
 * the test fails with the example's own message saying how to install it — a missing
 * prerequisite is a failure, never a silent skip (scripts/bootstrap.sh installs the data sets as
 * root). Developers without root opt out explicitly with FLINT_SKIP_DATA_TESTS=1, as in core.
 */
import {
  hasFashionMnist,
  hasWordList,
  missingFashionMessage,
  missingWordsMessage,
} from '../src/data.js';

const optedOut = () => process.env.FLINT_SKIP_DATA_TESTS === '1';

export function shouldRun(kind: 'fashion-mnist' | 'words'): boolean {
  const present = kind === 'fashion-mnist' ? hasFashionMnist() : hasWordList();
  if (present || !optedOut()) return true;
  console.warn(
    `[@flint/examples] skipping the ${kind} tests (FLINT_SKIP_DATA_TESTS=1): ${kind === 'fashion-mnist' ? missingFashionMessage() : missingWordsMessage()}`,
  );
  return false;
}
