import type { PlatformView } from '@parley/contract/views';
import type { PlatformAdapter } from '@parley/platforms/platform';

/** What agents' changes do on a platform; a capability it does not declare is one it lacks. */
export function toPlatformView(adapter: PlatformAdapter): PlatformView {
  const changes = adapter.changes;
  return {
    type: adapter.type,
    changes: {
      edit: !!changes?.edit && typeof adapter.editText === 'function',
      delete: !!changes?.delete && typeof adapter.deleteMessage === 'function',
      react: !!changes?.react && typeof adapter.react === 'function',
      delete_within_hours: changes?.deleteWithinHours ?? null,
      reactions: changes?.reactions ? [...changes.reactions] : null,
    },
  };
}
