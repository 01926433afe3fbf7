import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ConversationStatus } from '@parley/contract/views';

@Entity('conversation')
@Index('conversation_channel_contact_uq', ['channelId', 'contactId'], { unique: true })
export class Conversation {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column('uuid') channelId!: string;
  @Column('uuid') contactId!: string;
  @Column({ type: 'varchar', length: 16, default: 'open' }) status!: ConversationStatus;
  @Column({ type: 'uuid', nullable: true }) assigneeId!: string | null;
  @Column({ type: 'timestamptz' }) lastMessageAt!: Date;
  @Column({ type: 'text', nullable: true }) lastMessagePreview!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) lastCustomerMessageAt!: Date | null;
  /** The listing the conversation is about (a Divar ad): `{post_token}`; null elsewhere. */
  @Column({ type: 'jsonb', nullable: true }) ad!: { post_token: string } | null;
  /** The bot (its API key) handling it; null once people have it. */
  @Column({ type: 'uuid', nullable: true }) botApiKeyId!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) handedOffAt!: Date | null;
  /** The team whose queue it is in (and whose routing assigns it); null for none. */
  @Column({ type: 'uuid', nullable: true }) teamId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
