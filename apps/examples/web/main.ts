/**
 * The examples page: the training demo, configurable from the URL for tests and links —
 * `?backend=cpu&epochs=2&autostart`.
 */
import { mountTrainer } from './trainer/ui.js';
import { DEMO_BACKENDS, type DemoBackend } from './trainer/protocol.js';

const q = new URLSearchParams(location.search);
const b = q.get('backend');
const e = Number(q.get('epochs'));
const limit = Number(q.get('limit'));
mountTrainer(document.getElementById('trainer')!, {
  backend: DEMO_BACKENDS.includes(b as DemoBackend) ? (b as DemoBackend) : undefined,
  epochs: Number.isInteger(e) && e >= 1 ? e : undefined,
  autostart: q.has('autostart'),
  thread: q.get('thread') === 'main' ? 'main' : 'worker',
  trainLimit: Number.isInteger(limit) && limit >= 1 ? limit : undefined,
});
