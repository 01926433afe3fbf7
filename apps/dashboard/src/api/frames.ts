/**
 * Closes a switch over a socket's frame union (libs/contract/src/server-frames.ts): it compiles
 * only when every frame type was handled above. At run time a frame type from a newer server is
 * ignored.
 */
export function unhandled(_frame: never): void {}
