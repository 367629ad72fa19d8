/**
 * A worker process's line to the process that started it: Electron utility processes talk
 * through process.parentPort, Node child processes through process.send.
 */
export interface ParentPort<In, Out> {
  postMessage(m: Out): void;
  on(ev: 'message', fn: (m: In) => void): void;
}

export function parentPort<In, Out>(): ParentPort<In, Out> {
  const parent = (
    process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: string, fn: (e: { data: In }) => void): void } }
  ).parentPort;
  if (parent) return { postMessage: (m) => parent.postMessage(m), on: (_ev, fn) => parent.on('message', (e) => fn(e.data)) };
  if (!process.send) throw new Error('this worker must be started as a child process');
  return { postMessage: (m) => process.send!(m), on: (_ev, fn) => process.on('message', (m) => fn(m as In)) };
}
