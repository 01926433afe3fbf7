import type { ContactView } from '@parley/contract/views';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Contact } from '@parley/database/entities/contact.entity';

export const toContactView = (contact: Contact, identities?: ContactIdentity[]): ContactView => ({
  id: contact.id,
  name: contact.name,
  username: contact.username,
  phone: contact.phone,
  email: contact.email,
  avatar_url: contact.avatarUrl,
  ...(identities
    ? {
        identities: identities.map((i) => ({
          channel_id: i.channelId,
          platform_user_id: i.platformUserId,
          unreachable: i.unreachableAt !== null,
          unreachable_reason: i.unreachableReason,
        })),
      }
    : {}),
  created_at: contact.createdAt.toISOString(),
  updated_at: contact.updatedAt.toISOString(),
});
