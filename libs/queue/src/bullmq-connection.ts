import { RedisConnection } from 'bullmq';

const GUARDED = Symbol.for('parley.bullmq.closedConnectionErrors');

type Emitter = {
  emit(event: string | symbol, ...args: unknown[]): boolean;
  listenerCount(event: string): number;
};

/**
 * BullMQ 5 reports a connection whose start-up fails (its version check, or the wait for
 * `ready`) by emitting 'error' on it, even when close() has already removed every listener: a
 * queue or worker closed while its connection still starts (a seed that finishes quickly, a
 * SIGTERM while Redis is slow or away) then dies of an unhandled rejection such as "Stream isn't
 * writeable and enableOfflineQueue options is false". Workers build their blocking connection
 * themselves, so no subclass can reach it. BullMQ 6 emits only to listeners
 * (taskforcesh/bullmq#4328); until we move to it, every BullMQ connection does the same: the
 * error of a connection nobody listens to any more, because its owner is closed, is dropped.
 */
export function dropErrorsOfClosedConnections(): void {
  const prototype = RedisConnection.prototype as unknown as Emitter & { [GUARDED]?: true };
  if (prototype[GUARDED]) return;
  const emit = prototype.emit;
  prototype.emit = function (this: Emitter, event: string | symbol, ...args: unknown[]) {
    if (event === 'error' && this.listenerCount('error') === 0) return false;
    return emit.call(this, event, ...args);
  };
  prototype[GUARDED] = true;
}
