/**
 * Runs one probe category on one device in child processes. A child runs the probes in order and
 * reports each outcome as it goes; when it dies (a signal, a non-zero exit) or a probe runs past
 * its limit, the probe it was running is failed with the cause, and a fresh child carries on with
 * the probes after it. So a crash costs one probe, and every probe still runs.
 */
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_DEVICES, type Outcome, type Probe, type ProbeDevice } from './probe.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const DEFAULT_TIMEOUT_MS = 10_000;
/** Head room for starting node and loading core and the backend in a child on a busy machine. */
const STARTUP_MS = 20_000;

export async function loadProbes(modulePath: string): Promise<Probe[]> {
  const mod = (await import(pathToFileURL(modulePath).href)) as { probes?: Probe[] };
  if (!Array.isArray(mod.probes)) throw new Error(`${modulePath} does not export probes`);
  const seen = new Set<string>();
  for (const p of mod.probes) {
    if (seen.has(p.id)) throw new Error(`${modulePath}: probe id ${p.id} is used twice`);
    seen.add(p.id);
  }
  return mod.probes;
}

export function probesFor(probes: readonly Probe[], device: ProbeDevice): Probe[] {
  return probes.filter((p) => (p.devices ?? DEFAULT_DEVICES).includes(device));
}

/** Runs `probes` (of the module at `modulePath`) in one child until it finishes or dies. */
function runChild(
  modulePath: string,
  device: ProbeDevice,
  probes: readonly Probe[],
  onOutcome: (o: Outcome) => void,
): Promise<{ done: number; death: string | null }> {
  return new Promise((resolve) => {
    let done = 0;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let killedFor: string | null = null;
    const child = fork(CHILD, [modulePath, device, ...probes.map((p) => p.id)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      execArgv: ['--expose-gc'],
    });
    const arm = (extra: number) => {
      clearTimeout(timer);
      const p = probes[done];
      if (!p) return;
      const limit = (p.timeoutMs ?? DEFAULT_TIMEOUT_MS) + extra;
      timer = setTimeout(() => {
        killedFor = `did not finish within ${limit} ms (hang)`;
        child.kill('SIGKILL');
      }, limit);
    };
    arm(STARTUP_MS);
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.on('message', (o: Outcome) => {
      onOutcome(o);
      done++;
      arm(0);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let death: string | null = null;
      if (done < probes.length) {
        death =
          killedFor ??
          (signal ? `crashed the process (${signal})` : `ended the process with exit code ${code}`);
        if (stderr.trim()) death += `; stderr: ${stderr.trim().slice(-600)}`;
      }
      resolve({ done, death });
    });
  });
}

/** Every outcome of one category on one device, in probe order. */
export async function runCategory(modulePath: string, device: ProbeDevice): Promise<Outcome[]> {
  const probes = probesFor(await loadProbes(modulePath), device);
  const outcomes: Outcome[] = [];
  let rest = probes;
  while (rest.length > 0) {
    const { done, death } = await runChild(modulePath, device, rest, (o) => outcomes.push(o));
    if (death === null) break;
    // The probe that was running when the child died is the one to blame.
    outcomes.push({ id: rest[done]!.id, status: 'failed', why: death });
    rest = rest.slice(done + 1);
  }
  return outcomes;
}
