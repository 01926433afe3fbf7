import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** How far one agent has read one conversation; unread = customer messages with a higher seq. */
@Entity('conversation_read')
export class ConversationRead {
  @PrimaryColumn('uuid') agentId!: string;
  @PrimaryColumn('uuid') conversationId!: string;
  @Column('uuid') workspaceId!: string;
  @Column({ type: 'uuid', nullable: true }) lastReadMessageId!: string | null;
  @Column({ type: 'bigint', default: 0 }) lastReadSeq!: string;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
