import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { MessageCard } from '@parley/contract/app-actions';
import type {
  AttachmentView,
  MessageStatus,
  MessageType,
  PressedButton,
  ReplyButton,
  StoryRef,
} from '@parley/contract/views';

/** An attachment as stored: what agents see, and the platform's reference, which stays on the server. */
export interface Attachment extends AttachmentView {
  /** the platform's own reference (Telegram file_id, Instagram URL) until the media job fetches it */
  source?: string | null;
  /** Where the rendition a browser plays is stored (see `playable_mime`). */
  playable_key?: string | null;
}

@Entity('message')
export class Message {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column('uuid') conversationId!: string;
  /** Denormalised from the conversation so `(channel_id, external_id)` can be unique. */
  @Column('uuid') channelId!: string;
  @Column('bigint') seq!: string;
  @Column({ type: 'varchar', length: 16 }) type!: MessageType;
  @Column({ type: 'uuid', nullable: true }) senderAgentId!: string | null;
  @Column({ type: 'uuid', nullable: true }) senderContactId!: string | null;
  @Column({ type: 'text', default: '' }) content!: string;
  @Column({ type: 'jsonb', default: [] }) attachments!: Attachment[];
  @Column({ type: 'varchar', length: 16 }) status!: MessageStatus;
  @Column({ type: 'text', nullable: true }) failureReason!: string | null;
  /** The stable code of a failure of Parley's own (an unconvertible voice note); null for a platform's refusal. */
  @Column({ type: 'varchar', length: 64, nullable: true }) failureCode!: string | null;
  @Column({ type: 'text', nullable: true }) externalId!: string | null;
  @Column({ type: 'uuid', nullable: true }) replyToId!: string | null;
  /** Rows of link buttons a support reply carries to the platform; null for none. */
  @Column({ type: 'jsonb', nullable: true }) buttons!: ReplyButton[][] | null;
  /** A customer's press of a payload button: the button pressed. */
  @Column({ type: 'jsonb', nullable: true }) button!: PressedButton | null;
  /** An app's result card on a private note; null for none. */
  @Column({ type: 'jsonb', nullable: true }) card!: MessageCard | null;
  /** Set when inbound spam rules flagged the message (it is stored all the same). */
  @Column({ type: 'text', nullable: true }) spamReason!: string | null;
  /** A support message the business wrote in the platform's own app (an echo), not sent by Parley. */
  @Column({ type: 'boolean', default: false }) sentInApp!: boolean;
  /** The story a customer message replies to or mentions us in. */
  @Column({ type: 'jsonb', nullable: true }) story!: StoryRef | null;
  @Column({ type: 'timestamptz', nullable: true }) editedAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) deletedAt!: Date | null;
  /** The agent who deleted it; null for a customer's unsend. Content and attachments are wiped. */
  @Column({ type: 'uuid', nullable: true }) deletedByAgentId!: string | null;
  /** When the channel's retention period erased its text and media (the row stays as a marker). */
  @Column({ type: 'timestamptz', nullable: true }) expiredAt!: Date | null;
  @Column({ type: 'integer', nullable: true }) expiredAfterDays!: number | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
