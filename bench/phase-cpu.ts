// CPU over a benchmark phase, process by process (this one, the API's, the worker's, the dev server's), as shares of
// one core over the phase's wall time: figure 7 compares the checks' CPU per item with the bare workflow's.
import { procSample } from './stats';

/**
 * CPU over one phase, each as a share of one core over the phase's wall time: this Node process (sandboxes, relay
 * and load generator; the bare workflow's worker), the API's and the check worker's own processes, and the dev
 * server.
 */
export interface PhaseCpu {
  nodeShare: number;
  apiShare: number;
  workerShare: number;
  serverShare: number;
}

export function cpuMeter(serverPid: number, service?: { apiPid: number; workerPid: number }): () => PhaseCpu {
  const n0 = process.cpuUsage();
  const cpuOf = (pid: number | undefined) => (pid ? procSample(pid).cpuMs : 0);
  const s0 = cpuOf(serverPid);
  const a0 = cpuOf(service?.apiPid);
  const w0 = cpuOf(service?.workerPid);
  const t0 = performance.now();
  return () => {
    const n = process.cpuUsage(n0);
    const wall = performance.now() - t0;
    return {
      nodeShare: (n.user + n.system) / 1000 / wall,
      apiShare: (cpuOf(service?.apiPid) - a0) / wall,
      workerShare: (cpuOf(service?.workerPid) - w0) / wall,
      serverShare: (cpuOf(serverPid) - s0) / wall,
    };
  };
}

/** Two runs' CPU shares over their combined wall time (each run did the same number of workflows). */
export function meanCpu(a: { perSecond: number; cpu: PhaseCpu }, b: { perSecond: number; cpu: PhaseCpu }): PhaseCpu {
  const wa = 1 / a.perSecond;
  const wb = 1 / b.perSecond;
  const mix = (k: keyof PhaseCpu) => (a.cpu[k] * wa + b.cpu[k] * wb) / (wa + wb);
  return {
    nodeShare: mix('nodeShare'),
    apiShare: mix('apiShare'),
    workerShare: mix('workerShare'),
    serverShare: mix('serverShare'),
  };
}
