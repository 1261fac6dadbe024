/**
 * The forgotten-`tidy` detector. A training step's tensors are freed by `fl.tidy` or `dispose()`;
 * the FinalizationRegistry backstop needs event-loop turns that a synchronous loop never gives, so
 * a loop without `tidy` grows without bound. Module forwards free their own intermediates
 * (scope.ts), but what the caller holds (the loss, the model's output, batches) cannot be freed
 * for it. So `backward()` samples the live-tensor count, and when its floor keeps rising — at
 * least one tensor per call, in every window of a long run of calls — one warning says what to do.
 * Correct loops are flat and never warn; a garbage-collected async loop saws up and down and
 * resets the run.
 */
import { memory } from '../device.js';

/** backward() calls per window; the floor is the fewest live tensors seen in a window. */
const WINDOW = 200;
/** Consecutive rising windows before warning: 1,000 calls, then the 1,200th call warns. */
const RISES = 5;

let enabled = true;
let warned = false;
let calls = 0;
let floor = Infinity;
let floors: number[] = [];

function reset(): void {
  calls = 0;
  floor = Infinity;
  floors = [];
}

/** @internal Switch the detector (fl.config({ warnLeaks })); switching it on re-arms it. */
export function setWarnLeaks(on: boolean): void {
  enabled = on;
  warned = false;
  reset();
}
export function warnLeaksEnabled(): boolean {
  return enabled;
}

/** The message: how much grew, why, and the two ways out. */
export function leakMessage(from: number, to: number, over: number): string {
  const perCall = ((to - from) / over).toFixed(1);
  return (
    `Flint: the number of live tensors rose from ${from} to ${to} over the last ${over} backward() ` +
    `calls (${perCall} per call) and keeps rising. Tensors are freed by fl.tidy or dispose(); in a ` +
    `synchronous loop the garbage collector's backstop never gets to run, so this loop will run out ` +
    `of memory. Wrap each training step in fl.tidy(() => { ...; return loss.item(); }) and dispose ` +
    `the batches you create (see the Memory guide). If you keep these tensors on purpose, silence ` +
    `this warning with fl.config({ warnLeaks: false }).`
  );
}

/** @internal Called at the start of every backward(). */
export function noteBackward(): void {
  if (!enabled || warned) return;
  floor = Math.min(floor, memory().tensors);
  if (++calls < WINDOW) return;
  floors.push(floor);
  calls = 0;
  floor = Infinity;
  if (floors.length > RISES + 1) floors.shift();
  if (floors.length <= RISES) return;
  const first = floors[0]!;
  const last = floors[floors.length - 1]!;
  const rising = floors.every((f, i) => i === 0 || f > floors[i - 1]!);
  if (rising && last - first >= WINDOW * RISES) {
    warned = true;
    console.warn(leakMessage(first, last, WINDOW * RISES));
  }
}
