import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { OutboundAndMediaSweepIndexes1764100000000 } from './1764100000000-outbound-and-media-sweep-indexes';
import { MessageSpamReason1764200000000 } from './1764200000000-message-spam-reason';
import { DeletedMessagesKeepNoText1796002216573 } from './1796002216573-deleted-messages-keep-no-text';

/** Every migration in order. `npm run migration:generate` writes a new file: add its class here. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  OutboundAndMediaSweepIndexes1764100000000,
  MessageSpamReason1764200000000,
  DeletedMessagesKeepNoText1796002216573,
];
