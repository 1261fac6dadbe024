/**
 * Whether a data test should run. With the data set installed: yes. Without it, in CI (CI=true):
 * yes as well, so the test fails with the example's own message saying how to install it —
 * CI must never skip silently. Locally: no, and the reason is printed.
 */
import {
  hasFashionMnist,
  hasWordList,
  missingFashionMessage,
  missingWordsMessage,
} from '../src/data.js';

const inCI = () => !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0';

export function shouldRun(kind: 'fashion-mnist' | 'words'): boolean {
  const present = kind === 'fashion-mnist' ? hasFashionMnist() : hasWordList();
  if (present || inCI()) return true;
  console.warn(
    `[@flint/examples] skipping the ${kind} tests (CI is not set): ${kind === 'fashion-mnist' ? missingFashionMessage() : missingWordsMessage()}`,
  );
  return false;
}
