import { CLIENT_FRAMES, ClientFrame } from '@parley/contract/client-frames';
import type { SocketKind } from '@parley/contract/sockets';
import { AppError } from '@parley/errors/app-error';

/** Frames larger than this get an error frame (the socket stays open); far larger ones close it (ws maxPayload). */
export const MAX_FRAME_BYTES = 32 * 1024;

export type FrameReading<K extends SocketKind> =
  | { ok: true; frame: ClientFrame<K> }
  /** `client_id` of a refused frame that carried one, so the client knows which reply was not stored. */
  | { ok: false; error: AppError; client_id?: string };

/** The optimistic id a frame carried, if any (echoed on its refusal). */
export function clientIdOf(frame: unknown): string | undefined {
  const id = frame && typeof frame === 'object' ? (frame as { client_id?: unknown }).client_id : undefined;
  return typeof id === 'string' ? id.slice(0, 100) : undefined;
}

/**
 * The one check every incoming frame passes, whatever the socket: JSON, a `{type}` object, a type
 * this kind of socket takes, and the fields of that type (CLIENT_FRAMES). Handlers get it typed.
 */
export function readClientFrame<K extends SocketKind>(
  kind: K,
  data: Buffer,
  isBinary: boolean,
): FrameReading<K> {
  const refused = (error: AppError, raw?: unknown): FrameReading<K> => ({
    ok: false,
    error,
    ...(clientIdOf(raw) ? { client_id: clientIdOf(raw) } : {}),
  });
  if (isBinary)
    return refused(new AppError('invalid_frame', 400, { problems: 'binary frames are not accepted' }));
  if (data.length > MAX_FRAME_BYTES)
    return refused(new AppError('frame_too_large', 413, { max_bytes: MAX_FRAME_BYTES }));
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    return refused(new AppError('invalid_json', 400));
  }
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return refused(
      new AppError('invalid_frame', 400, { problems: 'a frame is a JSON object with a string type' }),
    );
  }
  const union = CLIENT_FRAMES[kind];
  if (!union.optionsMap.has(type))
    return refused(new AppError('unknown_frame_type', 400, { frame_type: type.slice(0, 64) }), raw);
  const parsed = union.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || type} ${i.message}`).join('; ');
    return refused(new AppError('invalid_frame', 400, { problems }), raw);
  }
  return { ok: true, frame: parsed.data as ClientFrame<K> };
}
